from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from training.records.schemas import Amount, ImportRowError
from training.vocabulary import Theme


class CourseCreate(BaseModel):
    """The organiser is the caller's own level: the province, their university or their department."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    themes: list[Theme] = Field(min_length=1, max_length=6)
    starts_on: date
    ends_on: date
    hours: Amount
    days: Amount
    capacity: int | None = Field(default=None, ge=1, le=100_000)

    @model_validator(mode="after")
    def _valid(self) -> CourseCreate:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        if self.hours == 0 and self.days == 0:
            raise ValueError("hours and days cannot both be 0")
        return self


class CourseOut(BaseModel):
    id: int
    title: str
    organizer_level: str
    organizer_org_id: int
    organizer_name: str
    university_id: int | None
    department_id: int | None
    themes: list[str]
    starts_on: date
    ends_on: date
    hours: float
    days: float
    capacity: int | None
    enrolled: int
    attended: int = Field(0, description="Enrolments marked attended")
    source_ref: str | None = Field(
        None, description="Set when another service declared the course (an event declared a training, #19)"
    )
    created_at: datetime
    version: int


class DeclaredCourseIn(BaseModel):
    """A course another service declares (#19: an event of the evaluation service declared a training). The same
    ``source_ref`` again answers the course made the first time (a retry makes no second course)."""

    model_config = ConfigDict(extra="forbid")

    source_ref: str = Field(pattern=r"^[a-z]+:[a-z_]+:[0-9]+$", max_length=100)
    title: str = Field(min_length=1, max_length=200)
    #: province (the province's or the association's event: open to every university) or university
    organizer_level: Literal["province", "university"]
    organizer_org_id: int = Field(ge=1)
    #: the university whose staff may attend; null: every university's (a province event, or a university's event
    #: that invites others)
    university_id: int | None = Field(default=None, ge=1)
    themes: list[Theme] = Field(min_length=1, max_length=6)
    starts_on: date
    ends_on: date
    hours: Amount
    days: Amount

    @model_validator(mode="after")
    def _valid(self) -> DeclaredCourseIn:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        if self.hours == 0 and self.days == 0:
            raise ValueError("hours and days cannot both be 0")
        return self


class StaffIds(BaseModel):
    model_config = ConfigDict(extra="forbid")

    staff_ids: list[int] = Field(min_length=1, max_length=5000)


class EnrolmentOut(BaseModel):
    id: int
    course_id: int
    staff_id: int
    employee_no: str | None = None
    staff_name: str | None = None
    attended: bool
    record_id: int | None
    enrolled_at: datetime


class AttendanceResult(BaseModel):
    attended: int = Field(description="Enrolments marked attended by this call")
    records_created: int
    items: list[EnrolmentOut]


class AttendanceImportResult(BaseModel):
    """Course attendance from Excel: the records import's counts and errors, and what the course path did."""

    total: int
    accepted: int
    rejected: int
    attended: int = Field(0, description="Enrolments marked attended by this import")
    records_created: int = 0
    dry_run: bool = False
    errors: list[ImportRowError]
