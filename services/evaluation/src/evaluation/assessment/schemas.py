from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from evaluation.nominations.schemas import FileMeta

Source = Literal["plans", "training", "evaluation", "self_reported"]


class IndicatorIn(BaseModel):
    code: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    name: str = Field(min_length=1, max_length=200)
    metric: str = Field(max_length=60, description="what is measured; see GET /assessment/metrics")
    target: float = Field(ge=0)
    weight: float = Field(gt=0)


class IndicatorOut(IndicatorIn):
    model_config = ConfigDict(from_attributes=True)

    source: Source
    position: int


class FrameworkIn(BaseModel):
    indicators: list[IndicatorIn] = Field(min_length=1)
    year: int | None = Field(default=None, description="The path's year, when the body is what GET answered")


class FrameworkOut(BaseModel):
    year: int
    status: Literal["draft", "published"]
    published_at: datetime | None
    version: int
    indicators: list[IndicatorOut]


class MetricOut(BaseModel):
    code: str
    source: Source
    description: str


class SelfReportIn(BaseModel):
    value: float = Field(ge=0)
    evidence: str = Field(min_length=1, max_length=10000)
    files: list[FileMeta] = Field(default_factory=list, max_length=50)
    university_id: int | None = Field(default=None, description="province admins only")


class VerifyIn(BaseModel):
    accepted: StrictBool
    note: str | None = Field(default=None, max_length=2000)


class SelfReportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    year: int
    university_id: int
    indicator_code: str
    value: float
    evidence: str
    files: list[FileMeta]
    status: Literal["reported", "verified", "rejected"]
    note: str | None
    reported_by: str
    verified_by: str | None
    verified_at: datetime | None
    updated_at: datetime
    version: int


class ScorecardItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    indicator_code: str
    name: str
    source: Source
    metric: str
    value: float | None
    target: float
    weight: float
    achievement: float | None
    score: float | None
    status: Literal["ok", "unavailable", "not_applicable"] = Field(
        description="not_applicable: nothing to measure (no denominator); its weight goes to the applicable ones"
    )
    reason: str | None


class ScorecardSummary(BaseModel):
    rank: int
    university_id: int
    university_name: str | None
    total: float
    max_total: float
    complete: bool
    unavailable: int = Field(description="indicators without a figure (see the scorecard for reasons)")
    status: Literal["computed", "published"]
    computed_at: datetime


class ScorecardOut(ScorecardSummary):
    year: int
    items: list[ScorecardItemOut]
    inputs: dict[str, Any] = Field(description="the source figures the scorecard was computed from")


class RankingOut(BaseModel):
    year: int
    status: Literal["draft", "published"]
    items: list[ScorecardSummary]
