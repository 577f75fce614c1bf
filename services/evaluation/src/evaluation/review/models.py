"""Expert review (E2): the campaign's expert panel, assignments, declared conflicts and scores."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from evaluation.models import Base
from sanquan_kernel.db import UTCDateTime, utcnow


class CampaignExpert(Base):
    """An expert on a campaign's panel; ``university_id`` is the expert's own university (null: province level)."""

    __tablename__ = "campaign_expert"
    __table_args__ = (UniqueConstraint("campaign_id", "expert_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    expert_id: Mapped[int] = mapped_column(Integer, index=True)
    university_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    name: Mapped[str] = mapped_column(String(200), default="")


class Assignment(Base):
    __tablename__ = "assignment"
    __table_args__ = (UniqueConstraint("nomination_id", "expert_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    nomination_id: Mapped[int] = mapped_column(ForeignKey("nomination.id", ondelete="CASCADE"), index=True)
    expert_id: Mapped[int] = mapped_column(Integer, index=True)
    method: Mapped[str] = mapped_column(String(10), default="auto")
    #: the expert's weighted total on a 0-100 scale, kept with the scores; null until every criterion is scored
    total: Mapped[float | None] = mapped_column(Float, nullable=True)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DeclaredConflict(Base):
    """An expert's own declaration: a conflict with one nomination, or with a whole university."""

    __tablename__ = "declared_conflict"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    expert_id: Mapped[int] = mapped_column(Integer, index=True)
    nomination_id: Mapped[int | None] = mapped_column(ForeignKey("nomination.id", ondelete="CASCADE"), nullable=True)
    university_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Score(Base):
    __tablename__ = "score"
    __table_args__ = (UniqueConstraint("assignment_id", "criterion_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignment.id", ondelete="CASCADE"), index=True)
    campaign_id: Mapped[int] = mapped_column(Integer, index=True)
    nomination_id: Mapped[int] = mapped_column(Integer, index=True)
    expert_id: Mapped[int] = mapped_column(Integer)
    criterion_id: Mapped[int] = mapped_column(ForeignKey("rubric_criterion.id", ondelete="CASCADE"))
    score: Mapped[float] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
