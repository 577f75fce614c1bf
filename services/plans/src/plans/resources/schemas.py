"""Funding lines (P5) and work-study posts (P6)."""

from __future__ import annotations

from decimal import Decimal
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from plans.vocabulary import FundingKind

Amount = Field(ge=0, le=Decimal("999999999999.99"), decimal_places=2)


class FundingCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: int = Field(ge=2000, le=2100)
    kind: FundingKind
    title: str = Field(min_length=1, max_length=200)
    planned_amount: Decimal = Amount
    spent_amount: Decimal = Field(default=Decimal(0), ge=0, le=Decimal("999999999999.99"), decimal_places=2)
    note: str = Field(default="", max_length=5_000)


class FundingUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: FundingKind | None = None
    title: str | None = Field(default=None, min_length=1, max_length=200)
    planned_amount: Decimal | None = Field(default=None, ge=0, le=Decimal("999999999999.99"), decimal_places=2)
    spent_amount: Decimal | None = Field(default=None, ge=0, le=Decimal("999999999999.99"), decimal_places=2)
    note: str | None = Field(default=None, max_length=5_000)


class FundingOut(BaseModel):
    id: int
    university_id: int
    year: int
    kind: FundingKind
    title: str
    planned_amount: float = Field(description="Yuan, two decimals")
    spent_amount: float
    note: str
    version: int


class WorkStudyPut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    total_posts: int = Field(ge=0, le=1_000_000, description="All logistics posts of the university")
    work_study_posts: int = Field(ge=0, le=1_000_000, description="Posts open to work-study students")
    note: str = Field(default="", max_length=5_000)
    # What GET answered may be sent back as it is (read, modify, write): the year and university must be the
    # path's and the caller's; the computed and server fields are ignored (If-Match carries the version).
    year: int | None = Field(default=None, description="The path's year, when given")
    university_id: int | None = Field(default=None, description="The caller's university, when given")
    university_name: str | None = Field(default=None, max_length=200, description="Read-only: ignored")
    ratio: float | None = Field(default=None, description="Read-only: ignored")
    ok: bool | None = Field(default=None, description="Read-only: ignored")
    version: int | None = Field(default=None, description="Read-only: ignored")

    @model_validator(mode="after")
    def _within(self) -> Self:
        if self.work_study_posts > self.total_posts:
            raise ValueError("work_study_posts cannot exceed total_posts")
        return self


class WorkStudyOut(BaseModel):
    university_id: int
    university_name: str
    year: int
    total_posts: int
    work_study_posts: int
    ratio: float = Field(description="work_study_posts / total_posts, 4 decimals")
    ok: bool = Field(description="P6: at least 10% of all posts")
    note: str
    version: int
