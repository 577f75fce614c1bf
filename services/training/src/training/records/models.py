"""The ledger (T3) and the per-staff yearly totals that reports read (T4)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, LargeBinary, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sanquan_kernel.db import UTCDateTime, utcnow
from training.models import JSON_TYPE, Base
from training.vocabulary import THEMES


class TrainingRecord(Base):
    __tablename__ = "training_record"
    __table_args__ = (
        # Idempotency of pushes and imports: a database constraint, not a check-then-insert. A client is bound to
        # one university, so for its pushes this is (source, external_id); for manual and import sources it keeps
        # two universities' own ids from colliding.
        UniqueConstraint("university_id", "source", "external_id"),
        Index("ix_training_record_staff_year", "staff_id", "year"),
        Index("ix_training_record_university_year", "university_id", "year"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    #: The staff member's university and department when the record was made (history; see decisions).
    university_id: Mapped[int] = mapped_column(Integer)
    department_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    taken_on: Mapped[date] = mapped_column(Date)
    #: The calendar year of ``taken_on`` (T1 counts per calendar year).
    year: Mapped[int] = mapped_column(Integer)
    hours: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    days: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    themes: Mapped[str] = mapped_column(String(64))
    organizer_level: Mapped[str] = mapped_column(String(16))
    course_id: Mapped[int | None] = mapped_column(Integer, index=True)
    evidence: Mapped[str | None] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(String(64))
    client_id: Mapped[str | None] = mapped_column(String(64))
    external_id: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(100))
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by: Mapped[str | None] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer, default=1)


class StaffYearTotal(Base):
    """One row per staff member and year with records: kept in the same transaction as every record change.

    Amounts are whole hundredths (``hours_x100`` = hours × 100): exact on every database, and integer sums and
    comparisons are what makes province-wide reports fast (NUMERIC arithmetic costs several times more)."""

    __tablename__ = "staff_year_total"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    hours_x100: Mapped[int] = mapped_column(BigInteger, default=0)
    days_x100: Mapped[int] = mapped_column(BigInteger, default=0)
    records: Mapped[int] = mapped_column(Integer, default=0)
    ideals_hours_x100: Mapped[int] = mapped_column(BigInteger, default=0)
    ideals_days_x100: Mapped[int] = mapped_column(BigInteger, default=0)
    ideals_count: Mapped[int] = mapped_column(Integer, default=0)
    ideology_hours_x100: Mapped[int] = mapped_column(BigInteger, default=0)
    ideology_days_x100: Mapped[int] = mapped_column(BigInteger, default=0)
    ideology_count: Mapped[int] = mapped_column(Integer, default=0)
    ethics_hours_x100: Mapped[int] = mapped_column(BigInteger, default=0)
    ethics_days_x100: Mapped[int] = mapped_column(BigInteger, default=0)
    ethics_count: Mapped[int] = mapped_column(Integer, default=0)
    quality_hours_x100: Mapped[int] = mapped_column(BigInteger, default=0)
    quality_days_x100: Mapped[int] = mapped_column(BigInteger, default=0)
    quality_count: Mapped[int] = mapped_column(Integer, default=0)
    law_hours_x100: Mapped[int] = mapped_column(BigInteger, default=0)
    law_days_x100: Mapped[int] = mapped_column(BigInteger, default=0)
    law_count: Mapped[int] = mapped_column(Integer, default=0)
    safety_hours_x100: Mapped[int] = mapped_column(BigInteger, default=0)
    safety_days_x100: Mapped[int] = mapped_column(BigInteger, default=0)
    safety_count: Mapped[int] = mapped_column(Integer, default=0)


#: Every additive column of StaffYearTotal, for bulk upserts.
TOTAL_COLUMNS: tuple[str, ...] = (
    "hours_x100",
    "days_x100",
    "records",
    *(f"{t}_{m}" for t in THEMES for m in ("hours_x100", "days_x100", "count")),
)


class ImportJob(Base):
    """An import run in the background (the SPA's progress bar); the table is the queue."""

    __tablename__ = "import_job"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(16), index=True)  # queued | running | done | failed
    university_id: Mapped[int] = mapped_column(Integer, index=True)
    department_id: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(100))
    actor_role: Mapped[str] = mapped_column(String(32))
    dry_run: Mapped[bool] = mapped_column(default=False)
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    total: Mapped[int] = mapped_column(Integer, default=0)
    processed: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[dict[str, object] | None] = mapped_column(JSON_TYPE)
    error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
