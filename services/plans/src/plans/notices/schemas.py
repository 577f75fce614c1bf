"""Request and response bodies of the year's notice (issue #18)."""

from __future__ import annotations

import datetime as dt
import enum
from datetime import date, datetime
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator


class NoticeStatus(enum.StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"


class CalendarEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: dt.date
    title: str = Field(min_length=1, max_length=200)


class _NoticeFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=200)
    body: str | None = Field(default=None, max_length=100_000)
    plan_due_on: date | None = Field(default=None, description="The plan submission deadline of every university")
    progress_report_dates: list[date] | None = Field(
        default=None, max_length=24, description="The days progress reports are due (e.g. quarterly)"
    )
    campaign_calendar: list[CalendarEntry] | None = Field(default=None, max_length=100)
    self_report_opens_on: date | None = Field(default=None, description="The assessment's self-report window")
    self_report_closes_on: date | None = None

    @model_validator(mode="after")
    def _window(self) -> Self:
        opens, closes = self.self_report_opens_on, self.self_report_closes_on
        if opens is not None and closes is not None and closes < opens:
            raise ValueError("self_report_closes_on is before self_report_opens_on")
        return self


class NoticeCreate(_NoticeFields):
    year: int = Field(ge=2000, le=2100)
    title: str = Field(min_length=1, max_length=200)
    plan_due_on: date = Field(description="The plan submission deadline of every university")


class NoticeUpdate(_NoticeFields):
    @model_validator(mode="after")
    def _no_nulls(self) -> Self:
        nullable = {"self_report_opens_on", "self_report_closes_on"}
        nulls = sorted(f for f in self.model_fields_set if f not in nullable and getattr(self, f) is None)
        if nulls:
            raise ValueError(f"{', '.join(nulls)} cannot be null")
        return self


class CorrectionCreate(BaseModel):
    """A correction of an issued notice: the changed fields and why."""

    model_config = ConfigDict(extra="forbid")

    changes: NoticeUpdate
    reason: str = Field(min_length=1, max_length=2000)


class CorrectionOut(BaseModel):
    id: int
    reason: str
    before: dict[str, object]
    after: dict[str, object]
    corrected_by: str
    corrected_at: datetime


class AcknowledgementOut(BaseModel):
    university_id: int
    acknowledged_by: str
    acknowledged_by_name: str
    acknowledged_at: datetime


class NoticeOut(BaseModel):
    id: int
    year: int
    title: str
    body: str
    status: NoticeStatus
    plan_due_on: date
    progress_report_dates: list[date]
    campaign_calendar: list[CalendarEntry]
    self_report_opens_on: date | None
    self_report_closes_on: date | None
    issued_at: datetime | None
    created_at: datetime
    updated_at: datetime
    version: int
    my_plan_due_on: date | None = Field(
        description="The caller's university's plan deadline (an extension moves it); null for the province"
    )
    my_acknowledgement: AcknowledgementOut | None = Field(description="The caller's university's acknowledgement")


class NoticeDetail(NoticeOut):
    corrections: list[CorrectionOut]


class ExtensionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    university_id: int
    due_on: date = Field(description="The university's new plan submission deadline")
    reason: str = Field(min_length=1, max_length=2000)


class UniversityStanding(BaseModel):
    """One university's standing with the notice: acknowledged or not, and its deadline."""

    university_id: int
    university_name: str
    acknowledged: bool
    acknowledged_by: str | None
    acknowledged_by_name: str | None
    acknowledged_at: datetime | None
    plan_due_on: date
    extension_reason: str | None
    extension_granted_at: datetime | None


class Standings(BaseModel):
    items: list[UniversityStanding]
    acknowledged: int
    total: int
