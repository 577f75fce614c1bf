from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from training.records.schemas import ImportRowError
from training.vocabulary import EmploymentType


class StaffUpsert(BaseModel):
    """CONTRACT.md: ``{"name", "department_id", "position", "employment_type", "active"}``; the rest is optional
    and, when left out, keeps what is stored (an HR push does not unlink an account or forget dates)."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    department_id: int
    position: str | None = Field(default=None, max_length=100)
    employment_type: EmploymentType
    active: StrictBool = True
    university_id: int | None = Field(default=None, description="Province admins only: the university.")
    joined_on: date | None = None
    left_on: date | None = None
    account_id: int | None = Field(default=None, description="The gateway account of this person (staff login).")

    @model_validator(mode="after")
    def _dates_in_order(self) -> StaffUpsert:
        if self.joined_on and self.left_on and self.left_on < self.joined_on:
            raise ValueError("left_on is before joined_on")
        return self


class StaffOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    university_id: int
    department_id: int
    department_name: str = ""
    employee_no: str
    name: str
    position: str | None
    employment_type: str
    account_id: int | None
    active: bool
    joined_on: date | None
    left_on: date | None
    version: int
    created_at: datetime
    updated_at: datetime


class StaffImportResult(BaseModel):
    """The staff register import: the records import's counts and errors (``ImportRowError``), and what each row
    did (created, updated, unchanged: the same file twice changes nothing)."""

    total: int
    accepted: int
    rejected: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    dry_run: bool = False
    errors: list[ImportRowError]
