"""Request and response bodies of supervision and rectification (issue #19)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from plans.vocabulary import FindingCategory, RectificationStatus, Severity


class VisitCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    visited_on: date
    title: str = Field(min_length=1, max_length=200)
    team: str = Field(min_length=1, max_length=500, description="The inspectors of the team")
    university_ids: list[int] = Field(min_length=1, max_length=300, description="The universities visited")
    note: str = Field(default="", max_length=20_000)


class VisitUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    visited_on: date | None = None
    title: str | None = Field(default=None, min_length=1, max_length=200)
    team: str | None = Field(default=None, min_length=1, max_length=500)
    university_ids: list[int] | None = Field(default=None, min_length=1, max_length=300)
    note: str | None = Field(default=None, max_length=20_000)


class VisitOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    year: int
    visited_on: date
    title: str
    team: str
    university_ids: list[int]
    university_names: list[str] = []
    note: str
    findings: int = 0
    open_rectifications: int = 0
    created_by: str
    created_at: datetime
    version: int


class FindingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    university_id: int = Field(description="One of the universities the visit went to")
    department_id: int | None = Field(default=None, description="The department concerned, if one")
    category: FindingCategory
    severity: Severity
    description: str = Field(min_length=1, max_length=20_000)
    due_on: date = Field(description="The rectification's deadline")


class RectificationOut(BaseModel):
    id: int
    finding_id: int
    visit_id: int
    year: int
    university_id: int
    university_name: str = ""
    department_id: int | None
    department_name: str | None = None
    category: FindingCategory
    severity: Severity
    description: str
    visited_on: date
    visit_title: str
    due_on: date
    status: RectificationStatus
    overdue: bool = Field(description="Not closed and past its deadline")
    measures: str
    responded_at: datetime | None
    responded_by: str | None
    verified_at: datetime | None
    verified_by: str | None
    verification_note: str
    closed_on: date | None
    closed_on_time: bool | None = Field(description="Closed on or before the deadline; None while open")
    version: int


class FindingOut(BaseModel):
    id: int
    visit_id: int
    year: int
    university_id: int
    university_name: str = ""
    department_id: int | None
    department_name: str | None = None
    category: FindingCategory
    severity: Severity
    description: str
    created_at: datetime
    version: int
    rectification: RectificationOut


class VisitDetail(VisitOut):
    finding_items: list[FindingOut] = []


class ResponseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    measures: str = Field(min_length=1, max_length=20_000, description="What the university did (整改措施)")


class VerifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(default="", max_length=5_000)


class ReturnIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=5_000, description="Why the response does not close it")


class SupervisionIndicatorItem(BaseModel):
    """One university's supervision figures of a year (issue #19), for the annual assessment."""

    university_id: int
    visited: bool = Field(description="A visit of the year went to the university (or found something there)")
    findings_total: int
    findings_minor: int
    findings_major: int
    findings_critical: int
    rectifications_due: int = Field(description="Rectifications whose deadline has come (the rate's denominator)")
    rectifications_closed_on_time: int
    rectification_rate: float | None = Field(description="Closed on time / due; null when none is due")


class SupervisionIndicators(BaseModel):
    year: int
    items: list[SupervisionIndicatorItem]
