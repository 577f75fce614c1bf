"""Supervision visits (督导检查), their findings per university and the rectification (整改) each finding asks for
(issue #19). A finding and its rectification are one-to-one: the finding is what the inspectors saw, the
rectification what the university must do about it by its deadline, answered and verified."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from plans.models import Base
from sanquan_kernel.db import UTCDateTime, utcnow


class SupervisionVisit(Base):
    """A visit of the province's inspection team: when, who, which universities."""

    __tablename__ = "supervision_visit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    visited_on: Mapped[date] = mapped_column(Date)
    title: Mapped[str] = mapped_column(String(200))
    team: Mapped[str] = mapped_column(String(500))  # the inspectors' names, as the team signed the visit
    note: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class VisitUniversity(Base):
    """A university the visit went to."""

    __tablename__ = "supervision_visit_university"

    visit_id: Mapped[int] = mapped_column(ForeignKey("supervision_visit.id", ondelete="CASCADE"), primary_key=True)
    university_id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)


class Finding(Base):
    """What the team found at one university (a department of it, when named)."""

    __tablename__ = "supervision_finding"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("supervision_visit.id", ondelete="CASCADE"), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    university_id: Mapped[int] = mapped_column(Integer, index=True)
    department_id: Mapped[int | None] = mapped_column(Integer, index=True)
    category: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    description: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Rectification(Base):
    """The university's rectification of one finding: assigned → responded → closed, or returned and answered
    again. ``closed_on`` against ``due_on`` is "closed on time" (the assessment's rectification rate)."""

    __tablename__ = "rectification"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    finding_id: Mapped[int] = mapped_column(
        ForeignKey("supervision_finding.id", ondelete="CASCADE"), unique=True, index=True
    )
    year: Mapped[int] = mapped_column(Integer, index=True)
    university_id: Mapped[int] = mapped_column(Integer, index=True)
    department_id: Mapped[int | None] = mapped_column(Integer, index=True)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16), default="assigned", index=True)
    measures: Mapped[str] = mapped_column(Text, default="")
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    responded_by: Mapped[str | None] = mapped_column(String(100))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by: Mapped[str | None] = mapped_column(String(100))
    verification_note: Mapped[str] = mapped_column(Text, default="")
    closed_on: Mapped[date | None] = mapped_column(Date)
    #: When the overdue escalation was emitted (once), like an overdue milestone's.
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
