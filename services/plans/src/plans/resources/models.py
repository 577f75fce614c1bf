"""P5 funding lines and P6 work-study posts, per university per year."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from plans.models import Base
from sanquan_kernel.db import UTCDateTime, utcnow


class FundingLine(Base):
    __tablename__ = "funding_line"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    university_id: Mapped[int] = mapped_column(Integer, index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(16))  # special_fund | other
    title: Mapped[str] = mapped_column(String(200))
    planned_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal(0))
    spent_amount: Mapped[Decimal] = mapped_column(Numeric(14, 2), default=Decimal(0))
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class WorkStudyPosts(Base):
    __tablename__ = "work_study_posts"
    __table_args__ = (UniqueConstraint("university_id", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    university_id: Mapped[int] = mapped_column(Integer, index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    total_posts: Mapped[int] = mapped_column(Integer)
    work_study_posts: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
