"""Courses organised by the province, a university or a department, with enrolment and attendance."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, Date, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sanquan_kernel.db import UTCDateTime, utcnow
from training.models import Base


class Course(Base):
    __tablename__ = "course"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    organizer_level: Mapped[str] = mapped_column(String(16))
    #: The organising organisation (province, university or department id from the org directory).
    organizer_org_id: Mapped[int] = mapped_column(Integer)
    #: Null for a province course (open to every university).
    university_id: Mapped[int | None] = mapped_column(Integer, index=True)
    department_id: Mapped[int | None] = mapped_column(Integer, index=True)
    themes: Mapped[str] = mapped_column(String(64))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    hours: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    days: Mapped[Decimal] = mapped_column(Numeric(8, 2))
    capacity: Mapped[int | None] = mapped_column(Integer)
    #: Who declared it when another service did (``evaluation:event:<id>``, an event declared a training, #19):
    #: unique, so that a retried declaration finds the course it made instead of making a second one.
    source_ref: Mapped[str | None] = mapped_column(String(100), unique=True, nullable=True, default=None)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class Enrolment(Base):
    __tablename__ = "enrolment"
    __table_args__ = (UniqueConstraint("course_id", "staff_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    #: Copied from the staff member for scope filters.
    university_id: Mapped[int] = mapped_column(Integer, index=True)
    attended: Mapped[bool] = mapped_column(Boolean, default=False)
    record_id: Mapped[int | None] = mapped_column(ForeignKey("training_record.id"))
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
