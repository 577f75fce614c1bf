"""Decision, publicity (公示), objections and final results (E1, E2)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from evaluation.models import Base
from sanquan_kernel.db import UTCDateTime, utcnow


class ResultEntry(Base):
    """One nomination's place in the decided ranking, frozen when the province decides."""

    __tablename__ = "result_entry"
    __table_args__ = (UniqueConstraint("campaign_id", "nomination_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nomination.id", ondelete="CASCADE"))
    university_id: Mapped[int] = mapped_column(Integer, index=True)
    department_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    mean: Mapped[float | None] = mapped_column(Float, nullable=True)
    trimmed_mean: Mapped[float | None] = mapped_column(Float, nullable=True)
    zscore: Mapped[float | None] = mapped_column(Float, nullable=True)
    expert_count: Mapped[int] = mapped_column(Integer, default=0)
    spread: Mapped[float | None] = mapped_column(Float, nullable=True)
    disagreement: Mapped[bool] = mapped_column(Boolean, default=False)
    awarded: Mapped[bool] = mapped_column(Boolean, default=False, index=True)


class Objection(Base):
    __tablename__ = "objection"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nomination.id", ondelete="CASCADE"))
    #: the objecting university (its admins and the province see the objection); null for one from the public
    university_id: Mapped[int | None] = mapped_column(Integer, index=True, nullable=True)
    #: lodged on the public publicity page (no account): the visitor's name and contact, for the province only
    public: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    contact_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    contact: Mapped[str | None] = mapped_column(String(200), nullable=True)
    #: a keyed hash of the visitor's address (the rate limit counts by it; the address itself is not kept)
    client_key: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    text: Mapped[str] = mapped_column(Text)
    lodged_by: Mapped[str] = mapped_column(String(100))
    lodged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default="open")
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    answered_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)


class PilotUniversity(Base):
    """E1: a pilot university for one year, from a final pilot-selection campaign."""

    __tablename__ = "pilot_university"
    __table_args__ = (UniqueConstraint("university_id", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    university_id: Mapped[int] = mapped_column(Integer, index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"))
