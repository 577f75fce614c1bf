"""The province's rule of a year (T1)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from sanquan_kernel.db import UTCDateTime, utcnow
from training.models import Base


class TrainingRule(Base):
    __tablename__ = "training_rule"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    min_hours: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    min_days: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    updated_by: Mapped[str] = mapped_column(String(100))
