"""Y3: a university's annual summary of a year — the figures the platform pre-fills, the narrative the university
writes per task category, and its review by the province (draft → submitted → returned or accepted)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from evaluation.models import Base
from sanquan_kernel.db import UTCDateTime, utcnow


class AnnualSummary(Base):
    __tablename__ = "annual_summary"
    # Y3: one summary per university per year.
    __table_args__ = (UniqueConstraint("university_id", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    university_id: Mapped[int] = mapped_column(Integer, index=True)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    #: The pre-filled figures as last gathered from plans, training and this service (``figures.gather``).
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    figures_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: category code (P3) or ``overall`` → the university's text.
    narrative: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    review_comment: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
