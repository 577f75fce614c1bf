from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

SummaryStatus = Literal["draft", "submitted", "returned", "accepted"]
#: P3's nine categories and the summary's overall text.
SECTIONS = (
    "overall",
    "service",
    "management",
    "environment",
    "culture",
    "collaboration",
    "organisation",
    "publicity",
    "funding_incentive",
    "accountability",
)
Section = Literal[
    "overall",
    "service",
    "management",
    "environment",
    "culture",
    "collaboration",
    "organisation",
    "publicity",
    "funding_incentive",
    "accountability",
]
Text = Annotated[str, StringConstraints(max_length=20000)]


class SummaryCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    year: Annotated[int, Field(ge=2000, le=2100)]


class SummaryUpdate(BaseModel):
    """The narrative per section; a section not named keeps its text, an empty text clears it."""

    model_config = ConfigDict(extra="forbid")
    narrative: dict[Section, Text]


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)] = ""


class ReturnIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    comment: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]


class SummaryBrief(BaseModel):
    id: int
    year: int
    university_id: int
    university_name: str
    status: SummaryStatus
    submitted_at: datetime | None
    decided_at: datetime | None
    version: int


class SummaryOut(SummaryBrief):
    figures: dict[str, Any] = Field(description="The pre-filled figures (plans, training, awards); see the docs")
    figures_at: datetime | None
    narrative: dict[str, str]
    submitted_by: str | None
    decided_by: str | None
    review_comment: str
    created_at: datetime
