from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from hall.models import Base
from sanquan_kernel.db import UTCDateTime, utcnow


class HallRequest(Base):
    """A problem or suggestion a student or teacher reported (S1). ``requester_id`` is their hall identity (the
    gateway's); it stays in the row when ``anonymous`` is true, so that they see it, but no staff-facing answer,
    export or event reads it."""

    __tablename__ = "hall_request"
    __table_args__ = (
        UniqueConstraint("requester_id", "idempotency_key"),
        # the queue: a department's open requests, oldest due first (S1 figures: ≤ 50 ms over 150,000 rows): a
        # partial index in the queue's order, so that a page reads its 20 rows and not every open one
        Index(
            "ix_hall_request_open_queue",
            "department_id",
            "resolve_due_at",
            "id",
            postgresql_where=text("status IN ('new', 'accepted')"),
            sqlite_where=text("status IN ('new', 'accepted')"),
        ),
        Index("ix_hall_request_queue", "department_id", "status", "resolve_due_at"),
        # a requester's own list, newest first
        Index("ix_hall_request_requester", "requester_id", "id"),
        Index("ix_hall_request_university_created", "university_id", "created_at"),
        # the promise timers: what is open and due
        Index("ix_hall_request_open_due", "status", "accept_due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str | None] = mapped_column(String(20), unique=True)
    university_id: Mapped[int] = mapped_column(Integer)
    department_id: Mapped[int | None] = mapped_column(Integer)
    requester_id: Mapped[int] = mapped_column(Integer)
    requester_kind: Mapped[str] = mapped_column(String(16))
    requester_name: Mapped[str | None] = mapped_column(String(100))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(32))
    place_id: Mapped[int | None] = mapped_column(ForeignKey("place.id", ondelete="SET NULL"), index=True)
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="new")
    assignee_id: Mapped[int | None] = mapped_column(Integer)
    answer: Mapped[str | None] = mapped_column(Text)
    # timers (S1): due instants in working minutes of the promise as it was when the request came in
    accept_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    resolve_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: when a resolve breach goes on to the university's administrator (level 2): the same time again
    escalate_again_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accept_escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    resolve_escalation: Mapped[int] = mapped_column(Integer, default=0)
    score: Mapped[int | None] = mapped_column(Integer)
    rating_comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class RequestEvent(Base):
    """One step of a request's timeline. ``actor`` is ``requester`` or the staff account id as text (never the
    requester's identity: the timeline is shown to staff too)."""

    __tablename__ = "hall_request_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("hall_request.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(40))
    actor_role: Mapped[str] = mapped_column(String(32))
    text: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
