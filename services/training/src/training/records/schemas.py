from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from training.vocabulary import OrganizerLevel, Theme

Amount = Annotated[Decimal, Field(ge=0, le=9999, max_digits=6, decimal_places=2)]


class RecordFields(BaseModel):
    """What a record says (T3); hours and days are two measures of the same training (T1)."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    taken_on: date
    hours: Amount
    days: Amount
    themes: list[Theme] = Field(min_length=1, max_length=6)
    organizer_level: OrganizerLevel
    evidence: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _some_training(self) -> RecordFields:
        if self.hours == 0 and self.days == 0:
            raise ValueError("hours and days cannot both be 0")
        return self


class RecordCreate(RecordFields):
    """CONTRACT.md: ``{"staff_id" | "employee_no", "title", "taken_on", "hours", "days", "themes",
    "organizer_level", "external_id"}``."""

    staff_id: int | None = None
    employee_no: str | None = Field(default=None, min_length=1, max_length=64)
    university_id: int | None = Field(
        default=None, description="Province admins naming a staff member by employee number add the university."
    )
    external_id: str | None = Field(default=None, min_length=1, max_length=100)

    @model_validator(mode="after")
    def _one_person(self) -> RecordCreate:
        if (self.staff_id is None) == (self.employee_no is None):
            raise ValueError("give either staff_id or employee_no")
        return self


class RecordCorrection(BaseModel):
    """A correction of a stored record (kept in the audit trail with before and after)."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(default=None, min_length=1, max_length=200)
    taken_on: date | None = None
    hours: Amount | None = None
    days: Amount | None = None
    themes: list[Theme] | None = Field(default=None, min_length=1, max_length=6)
    organizer_level: OrganizerLevel | None = None
    evidence: str | None = Field(default=None, max_length=500)

    @model_validator(mode="after")
    def _no_nulls(self) -> RecordCorrection:
        nulls = [f for f in self.model_fields_set if f != "evidence" and getattr(self, f) is None]
        if nulls:
            raise ValueError(f"{', '.join(sorted(nulls))} cannot be null")
        return self


class RecordVersion(BaseModel):
    """A record as the caller saw it: its id and the version (ETag) it had."""

    model_config = ConfigDict(extra="forbid")

    id: int
    version: int = Field(ge=1)


class RecordBatchDelete(BaseModel):
    """批量删除: the records to delete, each with the version the caller saw; all or none are deleted."""

    model_config = ConfigDict(extra="forbid")

    records: list[RecordVersion] = Field(min_length=1, max_length=500)

    @model_validator(mode="after")
    def _each_once(self) -> RecordBatchDelete:
        ids = [r.id for r in self.records]
        if len(set(ids)) != len(ids):
            raise ValueError("a record is named twice")
        return self


class RecordBatchDeleted(BaseModel):
    deleted: int


class RecordOut(BaseModel):
    id: int
    staff_id: int
    employee_no: str | None = None
    staff_name: str | None = None
    university_id: int
    department_id: int
    title: str
    taken_on: date
    year: int
    hours: float
    days: float
    themes: list[str]
    organizer_level: str
    course_id: int | None
    evidence: str | None
    source: str
    external_id: str | None
    created_at: datetime
    created_by: str
    deleted_at: datetime | None = None
    version: int


#: The most records one batch push may carry (issue #21).
MAX_BATCH = 1000


class RecordBatch(BaseModel):
    """A batch push (issue #21): up to 1,000 records, each as ``POST /api/training/records`` takes it. Each item is
    checked on its own: a malformed one is a per-item 422, the others go on."""

    model_config = ConfigDict(extra="forbid")

    records: list[Any] = Field(
        min_length=1,
        description=f"At most {MAX_BATCH} records (more: 413); each a RecordCreate",
        json_schema_extra={"maxItems": MAX_BATCH, "items": {"$ref": "#/components/schemas/RecordCreate"}},
    )


class RecordBatchItem(BaseModel):
    """One item's answer, as the single push would have answered it: 201 stored, 200 stored before under the same
    external_id (nothing stored), 422 refused (``problem``: RFC 9457 problem details, ``loc`` naming the item)."""

    index: int = Field(description="The item's place in the request (0 is the first)")
    status: int = Field(description="201, 200 or 422")
    record: RecordOut | None = None
    problem: dict[str, Any] | None = None


class RecordBatchResult(BaseModel):
    created: int
    existing: int
    rejected: int
    items: list[RecordBatchItem]


class ImportRowError(BaseModel):
    row: int = Field(description="1 is the first data row; 0 is the header")
    column: str
    message: str
    sheet_row: int | None = Field(
        None, description="The row number Excel shows for the row (the header's for a missing column)"
    )
    header: str | None = Field(None, description="The column's header as written in the file (工号, employee_no ...)")
    code: str | None = Field(None, description="Stable reason code (missing_column, unknown_staff, not_date ...)")
    params: dict[str, Any] = Field(default_factory=dict, description="The reason's parameters (value, first ...)")
    message_zh: str | None = Field(None, description="The message in Chinese")


class ImportResult(BaseModel):
    total: int
    accepted: int
    rejected: int
    skipped: int = Field(0, description="Rows whose external_id was stored by an earlier import (not stored again)")
    dry_run: bool = False
    errors: list[ImportRowError]


class ImportJobOut(BaseModel):
    id: int
    status: str
    dry_run: bool
    filename: str
    total: int
    processed: int
    progress: float = Field(description="0..1")
    result: ImportResult | None
    error: str | None
    url: str
    created_at: datetime
    updated_at: datetime
