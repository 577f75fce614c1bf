"""A person's notifications: one row per (account, event), or per (service-hall identity, event) for a student or
teacher told of their own request (issue #20); the SPA words the title from ``kind`` and ``params``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sanquan_gateway.models import Base
from sanquan_kernel.db import UTCDateTime, utcnow


class Notification(Base):
    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("user_id", "event_id"),
        Index("ix_notification_user_unread", "user_id", "read_at"),
        UniqueConstraint("hall_identity_id", "event_id"),
        Index("ix_notification_hall_unread", "hall_identity_id", "read_at"),
        CheckConstraint("(user_id IS NULL) <> (hall_identity_id IS NULL)", name="one_recipient"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: The account told (``user.id``), or else the service-hall identity told (``hall_identity.id``): exactly one
    #: of the two; nobody else ever reads the row.
    user_id: Mapped[int | None] = mapped_column(Integer)
    hall_identity_id: Mapped[int | None] = mapped_column(Integer)
    event_id: Mapped[str] = mapped_column(String(64))
    #: The event's type (``plan.returned``): the SPA's words for the title.
    kind: Mapped[str] = mapped_column(String(64))
    #: The event's data without its recipients: the words' parameters (title, year, ids).
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: The SPA path of the place to act (``/plans/mine``), chosen for the person's role.
    link: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
