from __future__ import annotations

import enum
import re

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator


class OrgLevel(enum.StrEnum):
    PROVINCE = "province"
    UNIVERSITY = "university"
    DEPARTMENT = "department"


class UniversityType(enum.StrEnum):
    UNDERGRADUATE = "undergraduate"
    HIGHER_VOCATIONAL = "higher_vocational"
    SECONDARY_VOCATIONAL = "secondary_vocational"
    SCHOOL = "school"


_CODE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class OrgCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    code: str | None = Field(default=None, max_length=32)
    level: OrgLevel
    parent_id: int | None = None
    type: UniversityType | None = None

    @field_validator("name")
    @classmethod
    def _strip(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("name must not be blank")
        return v

    @field_validator("code")
    @classmethod
    def _code(cls, v: str | None) -> str | None:
        if v is not None and not _CODE.match(v):
            raise ValueError("code may contain letters, digits, '-' and '_' only")
        return v


class OrgUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=200)
    code: str | None = Field(default=None, max_length=32)
    type: UniversityType | None = None
    active: StrictBool | None = None


class OrgOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    code: str | None
    level: OrgLevel
    type: UniversityType | None
    parent_id: int | None
    university_id: int | None
    path: str
    active: bool
    version: int


class OrgNode(OrgOut):
    children: list[OrgNode] = []
