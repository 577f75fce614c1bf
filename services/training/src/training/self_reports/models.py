"""Training a staff member reports themselves (an outside course): pending until their department manager
decides; only an approved report becomes a ledger record (T1)."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from sanquan_kernel.db import UTCDateTime, utcnow
from training.models import Base


class SelfReportStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class SelfReport(Base):
    __tablename__ = "self_report"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    university_id: Mapped[int] = mapped_column(Integer, index=True)
    department_id: Mapped[int] = mapped_column(Integer, index=True)
    title: Mapped[str] = mapped_column(String(200))
    taken_on: Mapped[date] = mapped_column(Date)
    hours: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    days: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    themes: Mapped[str] = mapped_column(String(64))
    organizer_level: Mapped[str] = mapped_column(String(16))
    evidence: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default=SelfReportStatus.PENDING.value, index=True)
    reason: Mapped[str | None] = mapped_column(String(500))
    submitted_by: Mapped[str] = mapped_column(String(100))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    record_id: Mapped[int | None] = mapped_column(ForeignKey("training_record.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)
