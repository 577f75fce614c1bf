from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator


class PanelExpertIn(BaseModel):
    expert_id: int = Field(description="the expert's account id")
    university_id: int | None = Field(default=None, description="the expert's own university; null: province level")
    name: str = Field(default="", max_length=200)


class PanelExpertOut(PanelExpertIn):
    load: int = Field(description="nominations assigned to this expert in the campaign")
    completed: int = Field(description="of which fully scored")


class PanelIn(BaseModel):
    experts: list[PanelExpertIn]


class PanelOut(BaseModel):
    campaign_id: int
    experts: list[PanelExpertOut]


class ShortNomination(BaseModel):
    nomination_id: int
    missing: int


class AutoAssignOut(BaseModel):
    created: int
    assignments_total: int
    short: list[ShortNomination]
    load_min: int
    load_max: int


class AssignIn(BaseModel):
    nomination_id: int
    expert_id: int


class AssignmentOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    campaign_id: int
    nomination_id: int
    expert_id: int
    method: str
    complete: bool
    created_at: datetime


class ConflictIn(BaseModel):
    nomination_id: int | None = None
    university_id: int | None = None
    reason: str = Field(min_length=1, max_length=2000)

    @model_validator(mode="after")
    def _one_target(self) -> ConflictIn:
        if (self.nomination_id is None) == (self.university_id is None):
            raise ValueError("name either a nomination or a university")
        return self


class ConflictOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    campaign_id: int
    expert_id: int
    nomination_id: int | None
    university_id: int | None
    reason: str
    declared_at: datetime
    assignments_removed: int = 0


class ScoreIn(BaseModel):
    criterion_id: int
    score: float = Field(ge=0)
    comment: str = Field(default="", max_length=5000)


class ScoresIn(BaseModel):
    items: list[ScoreIn] = Field(min_length=1, max_length=100, description="At most one item per criterion")


class ScoreOut(BaseModel):
    criterion_id: int
    code: str
    name: str
    weight: float
    max_score: float
    score: float | None
    comment: str
    updated_at: datetime | None


class ScoreSheetOut(BaseModel):
    nomination_id: int
    expert_id: int
    items: list[ScoreOut]
    total: float | None = Field(description="weighted total 0-100 once every criterion is scored")
    complete: bool
