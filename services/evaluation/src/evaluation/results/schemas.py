from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from evaluation.campaigns.schemas import Aggregation, Phase
from evaluation.events.schemas import ConferenceRef


class RankingItem(BaseModel):
    rank: int = Field(description="1 is best; ties share a rank; 0 means no complete score sheet yet")
    nomination_id: int
    title: str
    university_id: int
    university_name: str | None
    department_id: int | None
    subject_name: str | None
    category: str | None
    expert_count: int
    score: float | None = Field(description="the figure of the ranking's method")
    mean: float | None
    trimmed_mean: float | None
    zscore: float | None
    spread: float | None = Field(description="highest minus lowest expert total, points of 100")
    disagreement: bool
    awarded: bool = False


class RankingOut(BaseModel):
    campaign_id: int
    method: Aggregation
    disagreement_threshold: float
    items: list[RankingItem]


class DecisionIn(BaseModel):
    awarded_nomination_ids: list[int] | None = Field(
        default=None, description="the nominations to award; default: the best `awards_count` of the ranking"
    )


class PublishIn(BaseModel):
    publicity_starts_on: date
    publicity_ends_on: date

    @model_validator(mode="after")
    def _order(self) -> PublishIn:
        if self.publicity_ends_on < self.publicity_starts_on:
            raise ValueError("the publicity period ends before it starts")
        return self


class ResultsOut(BaseModel):
    campaign_id: int
    phase: Phase
    method: Aggregation
    published_at: datetime | None
    publicity_starts_on: date | None
    publicity_ends_on: date | None
    final: bool
    items: list[RankingItem]
    conferences: list[ConferenceRef] = Field(
        default_factory=list, description="the commendation conferences where the awards were announced (E4)"
    )


class ObjectionIn(BaseModel):
    nomination_id: int
    text: str = Field(min_length=1, max_length=5000)


class AnswerIn(BaseModel):
    answer: str = Field(min_length=1, max_length=5000)


class ObjectionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    campaign_id: int
    nomination_id: int
    university_id: int | None = Field(description="the objecting university; null for an objection from the public")
    public: bool = Field(default=False, description="lodged on the public publicity page, without an account")
    contact_name: str | None = Field(default=None, description="the visitor's name (public objections)")
    contact: str | None = Field(default=None, description="the visitor's phone or e-mail (public objections)")
    text: str
    lodged_by: str
    lodged_at: datetime
    status: str
    answer: str | None
    answered_by: str | None
    answered_at: datetime | None
    version: int


class PilotOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    university_id: int
    university_name: str | None = None
    year: int
    campaign_id: int
