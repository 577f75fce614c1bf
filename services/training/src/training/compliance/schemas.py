from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from training.records.schemas import RecordOut
from training.staff.schemas import StaffOut

Threshold = Annotated[Decimal, Field(ge=0, le=9999, max_digits=6, decimal_places=2)]


class RuleIn(BaseModel):
    """The rule of a year. What ``GET`` answered may be sent back as it is (read, modify, write): ``year`` must
    then be the path's year; ``is_default``, ``version`` and ``updated_at`` are the server's and ignored (use
    If-Match for the version)."""

    model_config = ConfigDict(extra="forbid")

    min_hours: Threshold
    min_days: Threshold
    year: int | None = Field(default=None, description="The path's year, when given")
    is_default: bool | None = Field(default=None, description="Read-only: ignored")
    version: int | None = Field(default=None, description="Read-only: ignored (If-Match carries the version)")
    updated_at: datetime | None = Field(default=None, description="Read-only: ignored")


class RuleBrief(BaseModel):
    min_hours: float
    min_days: float


class RuleOut(BaseModel):
    year: int
    min_hours: float
    min_days: float
    is_default: bool = Field(description="True when the province set no rule for the year (90 hours or 12 days)")
    version: int
    updated_at: datetime | None = None


class ThemeTotals(BaseModel):
    hours: float
    days: float
    count: int


class Ledger(BaseModel):
    staff: StaffOut
    year: int
    rule: RuleBrief
    hours: float
    days: float
    compliant: bool
    by_theme: dict[str, ThemeTotals]
    records: list[RecordOut]


class ComplianceRow(BaseModel):
    org_id: int | None = None
    staff_id: int | None = None
    employee_no: str | None = None
    department_id: int | None = None
    name: str
    staff_total: int
    compliant: int | bool
    rate: float
    hours: float
    days: float


class ComplianceTotals(BaseModel):
    staff_total: int
    compliant: int
    rate: float
    hours: float
    days: float


class ComplianceReport(BaseModel):
    year: int
    group_by: str
    org_id: int | None
    rule: RuleBrief
    rows: list[ComplianceRow]
    totals: ComplianceTotals
    rows_total: int = Field(description="All rows; staff rows are paged with limit/offset")


class IndicatorItem(BaseModel):
    university_id: int
    staff_total: int
    compliant: int
    compliance_rate: float
    law_coverage: float
    hours: float
    days: float


class Indicators(BaseModel):
    year: int
    rule: RuleBrief
    items: list[IndicatorItem]


class ThemeCoverage(BaseModel):
    theme: str
    label: str
    covered: int = Field(description="Staff with at least one record of the theme in the year")
    coverage: float
    hours: float
    days: float


class ThemeReport(BaseModel):
    year: int
    org_id: int | None
    staff_total: int
    items: list[ThemeCoverage]


class AtRiskRow(BaseModel):
    staff_id: int
    employee_no: str
    name: str
    university_id: int
    department_id: int
    department_name: str
    hours: float
    days: float
    hours_needed: float
    days_needed: float
    months_remaining: int
    hours_per_month: float
    days_per_month: float


class AtRiskReport(BaseModel):
    year: int
    org_id: int | None
    rule: RuleBrief
    months_remaining: int
    items: list[AtRiskRow]
    total: int
    limit: int
    offset: int
