from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from evaluation.nominations.schemas import FileMeta

Source = Literal["plans", "training", "evaluation", "hall", "self_reported"]
Grade = Literal["excellent", "good", "pass", "fail"]
SchoolType = Literal["undergraduate", "higher_vocational", "secondary_vocational", "school"]


class GradeThresholds(BaseModel):
    """Grade bands as the lowest share of the maximum score (percent) for 合格, 良好 and 优秀; below 合格 is
    不合格. Strictly ascending."""

    pass_: float = Field(alias="pass", ge=0, le=100)
    good: float = Field(ge=0, le=100)
    excellent: float = Field(ge=0, le=100)

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    @model_validator(mode="after")
    def _ascending(self) -> GradeThresholds:
        if not self.pass_ < self.good < self.excellent:
            raise ValueError("the thresholds must ascend: pass < good < excellent")
        return self


DEFAULT_GRADES = GradeThresholds.model_validate({"pass": 60, "good": 75, "excellent": 90})


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
    grades: GradeThresholds = Field(description="the grade bands (the default 60/75/90 until the province sets them)")
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
    rank: int = Field(description="in the province; ties share a rank")
    rank_in_type: int | None = Field(description="among universities of the same school type; null without a type")
    university_id: int
    university_name: str | None
    school_type: SchoolType | None
    percent: float = Field(description="total as a share of the maximum, percent")
    grade: Grade
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
