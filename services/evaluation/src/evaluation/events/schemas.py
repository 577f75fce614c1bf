from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

#: 推进会, 研讨会, 表彰大会, the logistics association's 理论学习
EventKind = Literal["promotion_meeting", "seminar", "commendation_conference", "theory_study"]
Organiser = Literal["province", "university", "association"]
EventStatus = Literal["planned", "held", "cancelled"]
#: the training service's themes (T2)
Theme = Literal["ideals", "ideology", "ethics", "quality", "law", "safety"]
Amount = Annotated[Decimal, Field(ge=0, le=9999, max_digits=6, decimal_places=2)]


class LogisticsEventFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=200)
    starts_on: date | None = None
    ends_on: date | None = None
    place: str | None = Field(default=None, max_length=200)
    agenda: str | None = Field(default=None, max_length=20_000)
    expected_participants: int | None = Field(default=None, ge=0, le=1_000_000)
    invited_university_ids: list[int] | None = Field(default=None, max_length=500)
    campaign_ids: list[int] | None = Field(default=None, max_length=50)


class LogisticsEventIn(LogisticsEventFields):
    kind: EventKind
    #: a university's administrator organises their own university's events only (``university``)
    organiser: Organiser
    title: str = Field(min_length=1, max_length=200)
    starts_on: date
    ends_on: date

    @model_validator(mode="after")
    def _order(self) -> LogisticsEventIn:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        return self


class LogisticsEventUpdate(LogisticsEventFields):
    """The fields to change (PATCH, If-Match); kind and organiser stay."""


class HoldIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    participants: int | None = Field(default=None, ge=0, le=1_000_000, description="how many came")


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)


class TrainingIn(BaseModel):
    """Declare the event a training: a course in the training service, where attendance is then recorded."""

    model_config = ConfigDict(extra="forbid")

    hours: Amount
    days: Amount
    themes: list[Theme] = Field(min_length=1, max_length=6)

    @model_validator(mode="after")
    def _some(self) -> TrainingIn:
        if self.hours == 0 and self.days == 0:
            raise ValueError("hours and days cannot both be 0")
        return self


class UniversityRef(BaseModel):
    id: int
    name: str | None


class CampaignRef(BaseModel):
    id: int
    title: str
    year: int
    phase: str


class TrainingOut(BaseModel):
    hours: float
    days: float
    themes: list[str]
    course_id: int
    declared_at: datetime
    enrolled: int | None = Field(None, description="from the training service; null when it cannot be asked now")
    attended: int | None = None
    unavailable: str | None = Field(None, description="why the counts are missing (the training service)")


class LogisticsEventOut(BaseModel):
    id: int
    kind: EventKind
    organiser: Organiser
    university_id: int | None = Field(description="the organising university; null for the province's/association's")
    university_name: str | None
    title: str
    starts_on: date
    ends_on: date
    place: str
    agenda: str
    status: EventStatus
    expected_participants: int | None
    participants: int | None
    cancel_reason: str | None
    invited_universities: list[UniversityRef]
    campaigns: list[CampaignRef]
    training: TrainingOut | None
    material_count: int
    created_at: datetime
    updated_at: datetime
    version: int


class ConferenceRef(BaseModel):
    """The commendation conference where a campaign's awards were announced."""

    id: int
    title: str
    starts_on: date
    ends_on: date
    place: str
    status: EventStatus
