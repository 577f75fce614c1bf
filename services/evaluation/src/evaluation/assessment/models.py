"""Annual assessment (E3): the indicator framework of a year, self-reported values and stored scorecards."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from evaluation.models import Base
from sanquan_kernel.db import UTCDateTime, utcnow


class IndicatorFramework(Base):
    __tablename__ = "indicator_framework"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    status: Mapped[str] = mapped_column(String(20), default="draft")  # draft | published
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    #: grade bands: the lowest share of the maximum (percent) for pass, good and excellent; null = the default
    grade_thresholds: Mapped[dict[str, float] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Indicator(Base):
    __tablename__ = "indicator"
    __table_args__ = (UniqueConstraint("framework_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("indicator_framework.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(20))  # plans | training | evaluation | self_reported
    metric: Mapped[str] = mapped_column(String(60))
    target: Mapped[float] = mapped_column(Float)
    weight: Mapped[float] = mapped_column(Float)


class SelfReportedValue(Base):
    __tablename__ = "self_reported_value"
    __table_args__ = (UniqueConstraint("year", "university_id", "indicator_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    university_id: Mapped[int] = mapped_column(Integer, index=True)
    indicator_code: Mapped[str] = mapped_column(String(40))
    value: Mapped[float] = mapped_column(Float)
    evidence: Mapped[str] = mapped_column(Text, default="")
    files: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="reported")  # reported | verified | rejected
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    reported_by: Mapped[str] = mapped_column(String(100))
    verified_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Scorecard(Base):
    """A university's computed scorecard for a year, stored with the inputs it was computed from."""

    __tablename__ = "scorecard"
    __table_args__ = (UniqueConstraint("year", "university_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    university_id: Mapped[int] = mapped_column(Integer, index=True)
    framework_id: Mapped[int] = mapped_column(ForeignKey("indicator_framework.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(20), default="computed")  # computed | published
    total: Mapped[float] = mapped_column(Float, default=0.0)
    max_total: Mapped[float] = mapped_column(Float, default=0.0)
    complete: Mapped[bool] = mapped_column(Boolean, default=False)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)


class ScorecardItem(Base):
    __tablename__ = "scorecard_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("scorecard.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    indicator_code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(20))
    metric: Mapped[str] = mapped_column(String(60))
    value: Mapped[float | None] = mapped_column(Float, nullable=True)
    target: Mapped[float] = mapped_column(Float)
    weight: Mapped[float] = mapped_column(Float)
    achievement: Mapped[float | None] = mapped_column(Float, nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    status: Mapped[str] = mapped_column(String(20))  # ok | unavailable
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
