"""Campaigns (E1, E2): a call with a type, a year, dated phases, quotas, a rubric and review settings."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from evaluation.models import Base
from sanquan_kernel.db import UTCDateTime, utcnow


class CampaignType(Base):
    """A campaign type added by the province; the built-in ones live in code (``campaigns.service.BUILTIN_TYPES``)."""

    __tablename__ = "campaign_type"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    subject_kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Campaign(Base):
    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type_code: Mapped[str] = mapped_column(String(40), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    phase: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    quota_per_university: Mapped[int] = mapped_column(Integer)
    awards_count: Mapped[int] = mapped_column(Integer)
    aggregation: Mapped[str] = mapped_column(String(20), default="mean")
    experts_per_nomination: Mapped[int] = mapped_column(Integer, default=3)
    blind: Mapped[bool] = mapped_column(Boolean, default=False)
    disagreement_threshold: Mapped[float] = mapped_column(Float, default=20.0)
    pilot_years: Mapped[list[int] | None] = mapped_column(JSON, nullable=True)
    #: the candidate fields shown on the public publicity page; null = name, university, category
    public_fields: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    publicity_starts_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    publicity_ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finalized_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class CampaignPhaseDate(Base):
    __tablename__ = "campaign_phase"
    __table_args__ = (UniqueConstraint("campaign_id", "phase"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    phase: Mapped[str] = mapped_column(String(20))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)


class CampaignCategory(Base):
    __tablename__ = "campaign_category"
    __table_args__ = (UniqueConstraint("campaign_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    quota: Mapped[int | None] = mapped_column(Integer, nullable=True)


class RubricCriterion(Base):
    __tablename__ = "rubric_criterion"
    __table_args__ = (UniqueConstraint("campaign_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    weight: Mapped[float] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    #: [{"score": 10, "description": "..."}] — what each score level means
    levels: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
