from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from training.records.schemas import RecordFields


class SelfReportCreate(RecordFields):
    """A staff member's own training (e.g. an outside course), for their department manager to approve."""


class Rejection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500)


class SelfReportOut(BaseModel):
    id: int
    staff_id: int
    employee_no: str | None = None
    staff_name: str | None = None
    university_id: int
    department_id: int
    title: str
    taken_on: date
    hours: float
    days: float
    themes: list[str]
    organizer_level: str
    evidence: str | None
    status: str
    reason: str | None
    submitted_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    record_id: int | None
    version: int
