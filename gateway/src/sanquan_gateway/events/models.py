"""The platform's events as the gateway received them (issue #18): one row per event id, whatever the number of
times a service's relay sent it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sanquan_gateway.models import Base
from sanquan_kernel.db import UTCDateTime, utcnow


class Event(Base):
    """An event of a service (or of the gateway itself, source ``gateway``). ``seq`` is the gateway's order of
    arrival (a relay sends its outbox in order, so per source it is the order of the commits)."""

    __tablename__ = "events"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(64), unique=True)
    type: Mapped[str] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(String(32))
    university_id: Mapped[int | None] = mapped_column(Integer, index=True)
    department_id: Mapped[int | None] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(String(200))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
