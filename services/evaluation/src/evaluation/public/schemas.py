"""What the public (no sign-in) reads and sends: only fields meant to be public, never an internal record's id."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

#: Candidate fields a campaign may publish; ``name`` is the person's (or, without one, the nomination's title).
PublicField = Literal["name", "title", "university", "category", "rank", "score"]
DEFAULT_PUBLIC_FIELDS: list[PublicField] = ["name", "university", "category"]
CaseCategory = Literal["excellent_case", "outstanding_person"]


class PublicCandidate(BaseModel):
    """One awarded entry as the public sees it: ``no`` is its place on the list (公示序号), used to object; the
    other keys appear only when the campaign declares them public."""

    model_config = ConfigDict(extra="forbid")

    no: int
    name: str | None = None
    title: str | None = None
    university: str | None = None
    category: str | None = None
    rank: int | None = None
    score: float | None = None


class PublicConference(BaseModel):
    """The commendation conference where the campaign's awards were announced (E4): public fields only."""

    model_config = ConfigDict(extra="forbid")

    title: str
    starts_on: date
    ends_on: date
    place: str


class PublicCampaign(BaseModel):
    id: int = Field(description="the campaign (a published record), to object on its candidates")
    type: str
    type_name: str
    year: int
    title: str
    phase: Literal["publicity", "final"]
    publicity_starts_on: date | None
    publicity_ends_on: date | None
    open_for_objections: bool
    fields: list[PublicField]
    candidates: list[PublicCandidate]
    conferences: list[PublicConference] = Field(default_factory=list)


class PublicCampaigns(BaseModel):
    items: list[PublicCampaign]


class PublicPilot(BaseModel):
    university: str
    year: int


class PublicPilots(BaseModel):
    items: list[PublicPilot]


class PublicCase(BaseModel):
    id: int = Field(description="the published case")
    title: str
    category: CaseCategory
    story: str
    university: str
    year: int
    photos: list[str] = Field(description="addresses of the case's photos")


class PublicCases(BaseModel):
    items: list[PublicCase]


class PublicObjectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    no: int = Field(ge=1, description="the candidate's place on the publicity list")
    name: str = Field(min_length=1, max_length=100)
    contact: str = Field(min_length=3, max_length=200, description="a phone number or an e-mail address")
    reason: str = Field(min_length=5, max_length=2000)


class PublicObjectionOut(BaseModel):
    received: bool = True
    campaign_title: str
    publicity_ends_on: date


class PublicFieldsIn(BaseModel):
    fields: list[PublicField] = Field(min_length=1, max_length=6)


class PublicFieldsOut(BaseModel):
    campaign_id: int
    fields: list[PublicField]
    version: int
