from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

Phase = Literal["draft", "nomination", "preselection", "review", "decision", "publicity", "final"]
DatedPhase = Literal["nomination", "preselection", "review", "decision", "publicity", "final"]
SubjectKind = Literal["person", "post", "case", "university"]
Aggregation = Literal["mean", "trimmed_mean", "zscore"]


class CampaignTypeIn(BaseModel):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")
    name: str = Field(min_length=1, max_length=200)
    subject_kind: SubjectKind


class CampaignTypeOut(BaseModel):
    code: str
    name: str = Field(description="The type's name in Chinese (the platform's primary language)")
    name_en: str | None = Field(
        default=None, description="The name in English for the built-in types; null for a type the province added"
    )
    subject_kind: SubjectKind
    builtin: bool


class PhaseDates(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    phase: DatedPhase
    starts_on: date
    ends_on: date

    @model_validator(mode="after")
    def _order(self) -> PhaseDates:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        return self


class CategoryIn(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    name: str = Field(min_length=1, max_length=200)
    quota: int | None = Field(default=None, ge=0)


class CampaignSettings(BaseModel):
    """Fields the province may change until expert review starts."""

    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=20_000)
    quota_per_university: int | None = Field(default=None, ge=1)
    awards_count: int | None = Field(default=None, ge=0)
    aggregation: Aggregation | None = None
    experts_per_nomination: int | None = Field(default=None, ge=1, le=20)
    blind: StrictBool | None = None
    disagreement_threshold: float | None = Field(default=None, gt=0, le=100)
    pilot_years: list[int] | None = None
    phases: list[PhaseDates] | None = None
    categories: list[CategoryIn] | None = None


class CampaignIn(CampaignSettings):
    type: str = Field(max_length=40)
    year: int = Field(ge=2000, le=2100)
    title: str = Field(min_length=1, max_length=200)
    quota_per_university: int = Field(ge=1)
    awards_count: int = Field(ge=0)
    aggregation: Aggregation = "mean"
    experts_per_nomination: int = Field(default=3, ge=1, le=20)
    blind: StrictBool = False
    disagreement_threshold: float = Field(default=20.0, gt=0, le=100)


class CampaignOut(BaseModel):
    id: int
    type: str
    subject_kind: SubjectKind
    year: int
    title: str
    description: str
    phase: Phase
    quota_per_university: int
    awards_count: int
    aggregation: Aggregation
    experts_per_nomination: int
    blind: bool
    disagreement_threshold: float
    pilot_years: list[int] | None
    phases: list[PhaseDates]
    categories: list[CategoryIn]
    publicity_starts_on: date | None
    publicity_ends_on: date | None
    published_at: datetime | None
    finalized_at: datetime | None
    created_at: datetime
    version: int


class AdvanceIn(BaseModel):
    to: Phase


class Level(BaseModel):
    score: float = Field(ge=0)
    description: str = Field(min_length=1, max_length=2_000)


class CriterionIn(BaseModel):
    code: str = Field(pattern=r"^[a-z0-9_]{1,40}$")
    name: str = Field(min_length=1, max_length=200)
    weight: float = Field(gt=0)
    max_score: float = Field(gt=0)
    levels: list[Level] = Field(default_factory=list)


class CriterionOut(CriterionIn):
    model_config = ConfigDict(from_attributes=True)

    id: int
    position: int


class RubricIn(BaseModel):
    criteria: list[CriterionIn] = Field(min_length=1)


class RubricOut(BaseModel):
    campaign_id: int
    criteria: list[CriterionOut]
