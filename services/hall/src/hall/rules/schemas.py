from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Category = Literal[
    "repair_dorm",
    "repair_classroom",
    "canteen",
    "utilities",
    "environment",
    "property",
    "suggestion",
    "complaint",
    "praise",
]
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class RoutingRuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: Category
    place_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    department_id: int = Field(ge=1, le=2**31 - 1)


class RoutingRuleOut(RoutingRuleIn):
    model_config = ConfigDict(extra="ignore", from_attributes=True)


class RoutingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: list[RoutingRuleIn] = Field(max_length=2000)


class RoutingOut(BaseModel):
    university_id: int
    rules: list[RoutingRuleOut]


class WorkingHours(BaseModel):
    model_config = ConfigDict(extra="forbid")

    days: list[int] = Field(min_length=1, max_length=7, description="ISO weekdays, 1 = Monday … 7 = Sunday")
    start: str = Field(examples=["08:00"])
    end: str = Field(examples=["18:00"])

    @field_validator("days")
    @classmethod
    def _days(cls, v: list[int]) -> list[int]:
        if any(d < 1 or d > 7 for d in v) or len(set(v)) != len(v):
            raise ValueError("days are distinct ISO weekdays 1–7")
        return sorted(v)

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, v: str) -> str:
        if not _HHMM.match(v):
            raise ValueError("a time of day HH:MM")
        return v

    @model_validator(mode="after")
    def _order(self) -> WorkingHours:
        if self.start >= self.end:
            raise ValueError("start is before end")
        return self


class PromiseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: Category
    accept_within_minutes: int = Field(ge=1, le=60 * 24 * 30)
    resolve_within_minutes: int = Field(ge=1, le=60 * 24 * 90)
    working_hours: WorkingHours | None = Field(description="null: round the clock")

    @model_validator(mode="after")
    def _order(self) -> PromiseIn:
        if self.resolve_within_minutes < self.accept_within_minutes:
            raise ValueError("resolving cannot be promised sooner than accepting")
        return self


class PromiseOut(PromiseIn):
    model_config = ConfigDict(extra="ignore")
    default: bool = False


class PromisesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    promises: list[PromiseIn] = Field(max_length=9)


class PromisesOut(BaseModel):
    university_id: int
    promises: list[PromiseOut]
