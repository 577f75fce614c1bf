from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from evaluation.public.schemas import CaseCategory


class CaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    category: CaseCategory
    story: str = Field(min_length=1, max_length=20_000)
    university_id: int
    year: int = Field(ge=2000, le=2100)
    published: StrictBool = False


class CaseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    category: CaseCategory
    story: str
    university_id: int
    university_name: str | None = None
    year: int
    published: bool
    published_at: datetime | None
    photo_count: int = 0
    created_at: datetime
    updated_at: datetime
    version: int
