from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

#: The longest deeds text or materials list (characters): some pages of prose, never a whole file pasted in.
TEXT_MAX = 50_000
NominationStatus = Literal["proposed", "preselected", "submitted", "withdrawn"]


class FileMeta(BaseModel):
    """Metadata of an attached file; the bytes live in the document store, not here."""

    name: str = Field(min_length=1, max_length=255)
    content_type: str = Field(default="application/octet-stream", max_length=100)
    size: int = Field(ge=0)
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")


class NominationIn(BaseModel):
    title: str = Field(min_length=1, max_length=300)
    text: str = Field(default="", max_length=TEXT_MAX)
    materials_text: str = Field(default="", max_length=TEXT_MAX)
    files: list[FileMeta] = Field(default_factory=list, max_length=50)
    department_id: int | None = None
    staff_id: int | None = None
    category: str | None = Field(default=None, max_length=40)


class NominationUpdate(BaseModel):
    title: str | None = Field(default=None, min_length=1, max_length=300)
    text: str | None = Field(default=None, max_length=TEXT_MAX)
    materials_text: str | None = Field(default=None, max_length=TEXT_MAX)
    files: list[FileMeta] | None = Field(default=None, max_length=50)
    category: str | None = Field(default=None, max_length=40)


class NominationOut(BaseModel):
    """A nomination. In a blind campaign an expert gets it without the university, department, person and names
    (those fields are null and ``blind`` is true)."""

    id: int
    campaign_id: int
    subject_kind: str
    status: NominationStatus
    blind: bool
    university_id: int | None
    university_name: str | None
    department_id: int | None
    department_name: str | None
    staff_id: int | None
    subject_name: str | None
    category: str | None
    title: str | None
    text: str
    materials_text: str
    files: list[FileMeta]
    proposed_by: str | None
    created_at: datetime
    submitted_at: datetime | None
    version: int
