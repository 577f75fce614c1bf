from __future__ import annotations

import enum
import re

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator

from sanquan_gateway.orgs.cities import PROVINCE_CITIES


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


def _city(v: str | None) -> str | None:
    """A city of the province by its GB/T 2260 code (``410100`` 郑州市), or none."""
    if v is None or v == "":
        return None
    if v not in PROVINCE_CITIES:
        raise ValueError("must be the code of one of the province's cities")
    return v


class OrgCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    code: str | None = Field(default=None, max_length=32)
    level: OrgLevel
    parent_id: int | None = None
    type: UniversityType | None = None
    city: str | None = Field(default=None, max_length=6, description="universities: GB/T 2260 code of the city")

    @field_validator("city")
    @classmethod
    def _city(cls, v: str | None) -> str | None:
        return _city(v)

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
    city: str | None = Field(default=None, max_length=6, description="universities: GB/T 2260 code; null clears")
    active: StrictBool | None = None

    @field_validator("city")
    @classmethod
    def _city(cls, v: str | None) -> str | None:
        return _city(v)


class OrgOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    code: str | None
    level: OrgLevel
    type: UniversityType | None
    city: str | None = None
    parent_id: int | None
    university_id: int | None
    path: str
    active: bool
    version: int


class OrgNode(OrgOut):
    children: list[OrgNode] = []
