"""Report queries: the staff register (who counts in a year, in the caller's scope) left-joined to the per-staff
yearly totals. Reports never scan raw records (T4); the rule is applied at read time, so changing a rule needs
no recomputation and a rule of one year never touches another."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Date,
    Integer,
    RowMapping,
    Select,
    and_,
    bindparam,
    case,
    cast,
    func,
    or_,
    select,
)
from sqlalchemy.orm import Session

from sanquan_kernel.principal import Scope, ScopeKind
from training.compliance.models import TrainingRule
from training.records import repository as records_repository
from training.records.models import TOTAL_COLUMNS, StaffYearTotal
from training.staff import repository as staff_repository
from training.staff.models import Staff
from training.vocabulary import DEFAULT_MIN_DAYS, DEFAULT_MIN_HOURS, THEMES


@dataclass(frozen=True)
class OrgFilter:
    """Narrow a report to one university or one department (drill-down); None is the whole visible province."""

    university_id: int | None = None
    department_id: int | None = None

    def where(self) -> list[ColumnElement[bool]]:
        conds: list[ColumnElement[bool]] = []
        if self.university_id is not None:
            conds.append(Staff.university_id == self.university_id)
        if self.department_id is not None:
            conds.append(Staff.department_id == self.department_id)
        return conds


def get_rule(session: Session, year: int) -> TrainingRule | None:
    return session.get(TrainingRule, year)


LEDGER_LIMIT = 10_000
_LEDGER: dict[ScopeKind, tuple[Select[Any], Select[Any]]] = {}


def _ledger_statements(scope: Scope) -> tuple[Select[Any], Select[Any]]:
    """The ledger's two statements for this kind of scope, built once (Core, parameters for the ids): the person
    with their totals of the year and the year's rule; their records of the year, newest first."""
    stmts = _LEDGER.get(scope.kind)
    if stmts is None:
        staff, totals, rule, records = (
            staff_repository.STAFF_TABLE,
            records_repository.TOTAL_TABLE,
            TrainingRule.__table__,
            records_repository.RECORD_TABLE,
        )
        year = bindparam("year", type_=Integer)
        head = (
            select(
                *staff.c,
                *(totals.c[n].label(f"total_{n}") for n in TOTAL_COLUMNS),
                rule.c.min_hours.label("rule_min_hours"),
                rule.c.min_days.label("rule_min_days"),
            )
            .select_from(staff)
            .outerjoin(totals, and_(totals.c.staff_id == staff.c.id, totals.c.year == year))
            .outerjoin(rule, rule.c.year == year)
            .where(staff.c.id == bindparam("staff_id", type_=Integer), staff_repository.visible(scope, bound=True))
        )
        rows = (
            select(records)
            .join(staff, staff.c.id == records.c.staff_id)
            .where(
                records.c.staff_id == bindparam("staff_id", type_=Integer),
                records.c.year == year,
                records.c.deleted_at.is_(None),
                records_repository.visible(scope, bound=True),
            )
            .order_by(records.c.taken_on.desc(), records.c.id.desc())
            .limit(LEDGER_LIMIT)
        )
        stmts = _LEDGER[scope.kind] = (head, rows)
    return stmts


def ledger_rows(session: Session, scope: Scope, staff_id: int, year: int) -> tuple[RowMapping | None, list[RowMapping]]:
    """A person's ledger as rows: the head (None when the person is not visible) and the records. The hottest read
    of the platform, so it is plain Core on the session's connection: no ORM objects, statements built once."""
    head_stmt, rows_stmt = _ledger_statements(scope)
    params = {**scope.params, "staff_id": staff_id, "year": year}
    conn = session.connection()
    head = conn.execute(head_stmt, params).mappings().first()
    if head is None:
        return None, []
    return head, list(conn.execute(rows_stmt, params).mappings())


def _hours() -> ColumnElement[Any]:
    return func.coalesce(StaffYearTotal.hours_x100, 0)


def _days() -> ColumnElement[Any]:
    return func.coalesce(StaffYearTotal.days_x100, 0)


def compliant_expr(
    min_hours: Decimal | ColumnElement[Any], min_days: Decimal | ColumnElement[Any], *, null_safe: bool = False
) -> ColumnElement[bool]:
    """T1: hours reach the minimum OR days reach theirs (exact: whole hundredths on both sides; a minimum given as
    SQL is in hundredths already, see ``rule_hundredths``). Without a totals row the test is NULL, which counts as
    not compliant; ``null_safe`` makes it false (for NOT and ORDER BY)."""
    hours, days = (_hours(), _days()) if null_safe else (StaffYearTotal.hours_x100, StaffYearTotal.days_x100)
    h = int(min_hours * 100) if isinstance(min_hours, Decimal) else min_hours
    d = int(min_days * 100) if isinstance(min_days, Decimal) else min_days
    return (hours >= h) | (days >= d)


def rule_hundredths(year: int | ColumnElement[Any]) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """The year's minimum hours and days in hundredths, read from its rule by the statement that uses them (T1's
    defaults without one): uncorrelated scalar subqueries, which the database evaluates once."""

    def minimum(column: Any, default: Decimal) -> ColumnElement[Any]:
        rule = select(cast(func.round(column * 100), BigInteger)).where(TrainingRule.year == year).scalar_subquery()
        return func.coalesce(rule, int(default * 100))

    return minimum(TrainingRule.min_hours, DEFAULT_MIN_HOURS), minimum(TrainingRule.min_days, DEFAULT_MIN_DAYS)


def _units(row: dict[str, Any]) -> dict[str, Any]:
    """Hundredths back to hours and days (``hours``, ``days``, ``<theme>_hours``, ``<theme>_days``)."""
    return {k: (Decimal(int(v or 0)) / 100 if k.endswith(("hours", "days")) else v) for k, v in row.items()}


def _base(stmt: Select[Any], scope: Scope, year: int, org: OrgFilter) -> Select[Any]:
    return (
        stmt.select_from(Staff)
        .outerjoin(StaffYearTotal, and_(StaffYearTotal.staff_id == Staff.id, StaffYearTotal.year == year))
        .where(staff_repository.visible(scope), staff_repository.active_in_year(year), *org.where())
    )


_AGGREGATE: dict[tuple[Any, ...], Select[Any]] = {}


def _aggregate_statement(scope: Scope, org: OrgFilter, minimums_given: bool, group: str | None) -> Select[Any]:
    """``aggregate``'s statement for this kind of scope, drill-down and grouping, built once: the scope's ids, the
    year, its first and last day, the drill-down's ids and given minimums (in hundredths) are bound parameters."""
    year = bindparam("year", type_=Integer)
    if minimums_given:
        rule: list[Any] = []
        compliant = compliant_expr(
            bindparam("min_hours_x100", type_=BigInteger), bindparam("min_days_x100", type_=BigInteger)
        )
    else:
        h, d = rule_hundredths(year)
        rule = [h.label("rule_min_hours"), d.label("rule_min_days")]
        compliant = compliant_expr(h, d)
    cols: list[Any] = [
        *rule,
        func.count(Staff.id).label("staff_total"),
        func.sum(case((compliant, 1), else_=0)).label("compliant"),
        func.sum(StaffYearTotal.hours_x100).label("hours"),
        func.sum(StaffYearTotal.days_x100).label("days"),
        func.sum(case((StaffYearTotal.law_count > 0, 1), else_=0)).label("law_covered"),
    ]
    key = {"university": Staff.university_id, "department": Staff.department_id}.get(group or "")
    start, end = bindparam("year_start", type_=Date), bindparam("year_end", type_=Date)
    drill: list[ColumnElement[bool]] = []
    if org.university_id is not None:
        drill.append(Staff.university_id == bindparam("org_university_id", type_=Integer))
    if org.department_id is not None:
        drill.append(Staff.department_id == bindparam("org_department_id", type_=Integer))
    stmt = (
        select(*([key.label("org_id")] if key is not None else []), *cols)
        .select_from(Staff)
        .outerjoin(StaffYearTotal, and_(StaffYearTotal.staff_id == Staff.id, StaffYearTotal.year == year))
        .where(
            staff_repository.visible(scope, bound=True),
            # staff_repository.active_in_year with the year's first and last day bound
            Staff.active.is_(True),
            or_(Staff.joined_on.is_(None), Staff.joined_on <= end),
            or_(Staff.left_on.is_(None), Staff.left_on >= start),
            *drill,
        )
    )
    if key is not None:
        stmt = stmt.group_by(key)
    return stmt


def aggregate(
    session: Session,
    scope: Scope,
    year: int,
    org: OrgFilter,
    min_hours: Decimal | None,
    min_days: Decimal | None,
    group: str | None,
) -> list[dict[str, Any]]:
    """Staff total, compliant, hours, days (and law coverage) per university or department, or overall. Without
    minimums (None) the year's rule is read by the same statement, and each row tells it (``rule_min_hours``,
    ``rule_min_days``). The statement is built once per kind of scope, drill-down and grouping (the reports of
    the load mix: building it and its cache key cost more than running it) and run on the session's connection."""
    given = min_hours is not None and min_days is not None
    key = (scope.kind, group, given, org.university_id is not None, org.department_id is not None)
    stmt = _AGGREGATE.get(key)
    if stmt is None:
        stmt = _AGGREGATE[key] = _aggregate_statement(scope, org, given, group)
    params: dict[str, Any] = {
        **scope.params,
        "year": year,
        "year_start": date(year, 1, 1),
        "year_end": date(year, 12, 31),
        "org_university_id": org.university_id,
        "org_department_id": org.department_id,
    }
    if min_hours is not None and min_days is not None:
        params.update(min_hours_x100=int(min_hours * 100), min_days_x100=int(min_days * 100))
    return [_units(dict(r)) for r in session.connection().execute(stmt, params).mappings()]


def staff_rows(
    session: Session,
    scope: Scope,
    year: int,
    org: OrgFilter,
    min_hours: Decimal,
    min_days: Decimal,
    *,
    only_at_risk: bool = False,
    limit: int | None = None,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """One row per staff member counted in the year (drill-down to the person), and how many there are."""
    compliant = compliant_expr(min_hours, min_days, null_safe=True)
    stmt = _base(
        select(
            Staff.id.label("staff_id"),
            Staff.employee_no,
            Staff.name,
            Staff.university_id,
            Staff.department_id,
            _hours().label("hours"),
            _days().label("days"),
            case((compliant, True), else_=False).label("compliant"),
        ),
        scope,
        year,
        org,
    )
    if only_at_risk:
        stmt = stmt.where(~compliant)
        stmt = stmt.order_by(_hours(), _days(), Staff.university_id, Staff.employee_no)
    else:
        stmt = stmt.order_by(Staff.university_id, Staff.department_id, Staff.employee_no)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    if limit is not None:
        stmt = stmt.limit(limit).offset(offset)
    return [_units(dict(r._mapping)) for r in session.execute(stmt)], total


def theme_coverage(session: Session, scope: Scope, year: int, org: OrgFilter) -> dict[str, Any]:
    """T2: per theme, how many counted staff have at least one record of it, and its hours and days."""
    cols: list[Any] = [func.count(Staff.id).label("staff_total")]
    for t in THEMES:
        count, hours, days = (getattr(StaffYearTotal, f"{t}_{m}") for m in ("count", "hours_x100", "days_x100"))
        cols += [
            func.sum(case((count > 0, 1), else_=0)).label(f"{t}_covered"),
            func.sum(hours).label(f"{t}_hours"),
            func.sum(days).label(f"{t}_days"),
        ]
    return _units(dict(session.execute(_base(select(*cols), scope, year, org)).one()._mapping))
