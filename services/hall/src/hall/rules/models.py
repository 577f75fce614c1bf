from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hall.models import Base
from sanquan_kernel.db import UTCDateTime, utcnow


class RoutingRule(Base):
    """A category (at a place and the places inside it, or anywhere when ``place_id`` is null) goes to a
    department of the university."""

    __tablename__ = "routing_rule"
    __table_args__ = (UniqueConstraint("university_id", "category", "place_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    university_id: Mapped[int] = mapped_column(Integer, index=True)
    category: Mapped[str] = mapped_column(String(32))
    place_id: Mapped[int | None] = mapped_column(ForeignKey("place.id", ondelete="CASCADE"))
    department_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Promise(Base):
    """A university's promise for one category: accept and resolve within so many working minutes; working hours
    null = round the clock. A category without a row has the defaults (``vocabulary``)."""

    __tablename__ = "promise"

    university_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category: Mapped[str] = mapped_column(String(32), primary_key=True)
    accept_within_minutes: Mapped[int] = mapped_column(Integer)
    resolve_within_minutes: Mapped[int] = mapped_column(Integer)
    working_hours: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
