"""The year's notice (通知): its deadlines, its corrections after issue, who acknowledged it, and the extensions
of the plan submission deadline the province granted to single universities (issue #18)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from plans.models import Base
from sanquan_kernel.db import UTCDateTime, utcnow


class Notice(Base):
    """One notice per year. Draft → issued; an issued notice changes only by a recorded correction."""

    __tablename__ = "notice"
    __table_args__ = (UniqueConstraint("year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)  # draft | issued
    plan_due_on: Mapped[date] = mapped_column(Date)  # the plan submission deadline of every university
    progress_report_dates: Mapped[list[str]] = mapped_column(JSON, default=list)  # ISO dates
    campaign_calendar: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # [{date, title}]
    self_report_opens_on: Mapped[date | None] = mapped_column(Date)
    self_report_closes_on: Mapped[date | None] = mapped_column(Date)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    issued_by: Mapped[str | None] = mapped_column(String(100))
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class NoticeCorrection(Base):
    """A change to an issued notice: what changed, why and by whom (append-only)."""

    __tablename__ = "notice_correction"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    before: Mapped[dict[str, Any]] = mapped_column(JSON)
    after: Mapped[dict[str, Any]] = mapped_column(JSON)
    corrected_by: Mapped[str] = mapped_column(String(100))
    corrected_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NoticeAcknowledgement(Base):
    """A university read the notice: the first acknowledgement is kept (idempotent)."""

    __tablename__ = "notice_acknowledgement"
    __table_args__ = (UniqueConstraint("notice_id", "university_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id", ondelete="CASCADE"), index=True)
    university_id: Mapped[int] = mapped_column(Integer, index=True)
    acknowledged_by: Mapped[str] = mapped_column(String(100))
    acknowledged_by_name: Mapped[str] = mapped_column(String(200), default="")
    acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NoticeExtension(Base):
    """The province moved one university's plan submission deadline; a later grant replaces it (both audited)."""

    __tablename__ = "notice_extension"
    __table_args__ = (UniqueConstraint("notice_id", "university_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id", ondelete="CASCADE"), index=True)
    university_id: Mapped[int] = mapped_column(Integer, index=True)
    due_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    granted_by: Mapped[str] = mapped_column(String(100))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
