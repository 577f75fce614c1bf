from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

PlaceKind = Literal["building", "room", "area"]


class PlaceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: PlaceKind
    name: str = Field(min_length=1, max_length=100)
    code: str | None = Field(default=None, max_length=40)
    parent_id: int | None = Field(default=None, ge=1, le=2**31 - 1)


class PlacePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: PlaceKind | None = None
    name: str | None = Field(default=None, min_length=1, max_length=100)
    code: str | None = Field(default=None, max_length=40)
    parent_id: int | None = Field(default=None, ge=1, le=2**31 - 1)


class PlaceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    university_id: int
    kind: str
    name: str
    code: str | None
    parent_id: int | None
    version: int


class PlaceList(BaseModel):
    items: list[PlaceOut]
    total: int
