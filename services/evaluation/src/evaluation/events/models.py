"""Events (E4): promotion meetings, seminars, commendation conferences and the logistics association's theory study
sessions, organised around the campaigns (issue #19)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Date, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from evaluation.models import Base
from sanquan_kernel.db import UTCDateTime, utcnow


class Event(Base):
    """One event: planned → held, or cancelled. ``university_id`` is the organising university (null for the
    province's and the association's events). Declared a training, it names the course the training service made
    for it (``course_id``); attendance is recorded on that course, never here."""

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    organiser: Mapped[str] = mapped_column(String(16), index=True)  # province | university | association
    university_id: Mapped[int | None] = mapped_column(Integer, index=True, nullable=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date, index=True)
    ends_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200), default="")
    agenda: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="planned", index=True)
    #: participants: expected when planned, counted when held
    expected_participants: Mapped[int | None] = mapped_column(Integer, nullable=True)
    participants: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cancel_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    #: the declared training: hours, days, themes, and the training service's course
    training_hours: Mapped[Decimal | None] = mapped_column(Numeric(8, 2), nullable=True)
    training_days: Mapped[Decimal | None] = mapped_column(Numeric(8, 2), nullable=True)
    training_themes: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    course_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    declared_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class EventUniversity(Base):
    """A university the event invites."""

    __tablename__ = "event_university"

    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), primary_key=True)
    university_id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)


class EventCampaign(Base):
    """A campaign the event is organised around; a commendation conference announces the campaign's awards."""

    __tablename__ = "event_campaign"

    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True, index=True
    )
