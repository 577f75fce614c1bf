"""Every query on the staff register, each filtered through the caller's ``Scope``."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Integer, Row, Select, String, Table, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from sanquan_kernel.pagination import PageParams, paginate
from sanquan_kernel.principal import Scope, ScopeKind
from training.staff.models import Staff

STAFF_TABLE: Table = Staff.__table__  # type: ignore[assignment]


def visible(scope: Scope, *, bound: bool = False) -> ColumnElement[bool]:
    """The staff rows a scope sees: province all, a university its own, a manager their department (the person's
    current one), a staff member their own entry (by account id). ``bound``: with the scope's ids as parameters
    (``scope.params``), for a statement built once per scope kind."""
    if bound:
        c = STAFF_TABLE.c
        return scope.bound(university=c.university_id, department=c.department_id, owner=c.account_id)
    return scope.where(university=Staff.university_id, department=Staff.department_id, owner=Staff.account_id)


def active_in_year(year: int) -> ColumnElement[bool]:
    """T1 counts a person in a year when the row is active and the dates they joined and left overlap it."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    return and_(
        Staff.active.is_(True),
        or_(Staff.joined_on.is_(None), Staff.joined_on <= end),
        or_(Staff.left_on.is_(None), Staff.left_on >= start),
    )


def get(session: Session, scope: Scope, staff_id: int) -> Staff | None:
    return session.scalar(select(Staff).where(Staff.id == staff_id, visible(scope)))


_PERSON: dict[tuple[ScopeKind, bool], Select[Any]] = {}


def person(
    session: Session,
    scope: Scope,
    *,
    staff_id: int | None = None,
    university_id: int | None = None,
    employee_no: str | None = None,
) -> Row[Any] | None:
    """(id, university_id, department_id, employee_no, name) of the staff member a write names — by id, or by
    employee number within a university — as the scope sees them. A statement built once per scope kind, on the
    session's connection: it precedes every campus push."""
    by_id = staff_id is not None
    stmt = _PERSON.get((scope.kind, by_id))
    if stmt is None:
        c = STAFF_TABLE.c
        names = and_(c.university_id == bindparam("university_id"), c.employee_no == bindparam("employee_no"))
        stmt = _PERSON[(scope.kind, by_id)] = select(
            c.id, c.university_id, c.department_id, c.employee_no, c.name
        ).where(c.id == bindparam("staff_id") if by_id else names, visible(scope, bound=True))
    params = {**scope.params, "staff_id": staff_id, "university_id": university_id, "employee_no": employee_no}
    return session.connection().execute(stmt, params).first()


def get_for_account(session: Session, scope: Scope, account_id: int) -> Staff | None:
    return session.scalar(
        select(Staff).where(Staff.account_id == account_id, visible(scope)).order_by(Staff.active.desc(), Staff.id)
    )


def lookup_employee_numbers(session: Session, scope: Scope | None, university_id: int) -> dict[str, tuple[int, int]]:
    """employee_no → (staff id, department id) for a whole university as the scope sees it (imports); ``None``:
    every department of the university (a department manager's import, which refuses the others' rows)."""
    stmt = select(Staff.employee_no, Staff.id, Staff.department_id).where(Staff.university_id == university_id)
    rows = session.execute(stmt if scope is None else stmt.where(visible(scope)))
    return {no: (sid, dept) for no, sid, dept in rows}


def list_page(
    session: Session,
    scope: Scope,
    page: PageParams,
    *,
    department_id: int | None = None,
    q: str | None = None,
    active: bool | None = None,
) -> tuple[list[Staff], int]:
    stmt: Select[tuple[Staff]] = select(Staff).where(visible(scope))
    if department_id is not None:
        stmt = stmt.where(Staff.department_id == department_id)
    if active is not None:
        stmt = stmt.where(Staff.active.is_(active))
    if q:
        like = f"%{q.strip()}%"
        stmt = stmt.where(or_(Staff.name.like(like), Staff.employee_no.like(like)))
    return paginate(session, stmt.order_by(Staff.university_id, Staff.employee_no, Staff.id), page)


_LIST: dict[tuple[Any, ...], tuple[Select[Any], Select[Any]]] = {}


def list_rows(
    session: Session,
    scope: Scope,
    page: PageParams,
    fields: tuple[str, ...],
    *,
    department_id: int | None = None,
    q: str | None = None,
    active: bool | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """``list_page`` as plain rows of ``fields`` (the list of the load mix: fifty ORM objects and their models cost
    more than the query), by statements built once per kind of scope and filter, on the session's connection. The
    total as ``paginate`` tells it: the COUNT only for a full page or an empty page past the start."""
    key = (scope.kind, department_id is not None, active, bool(q), fields)
    stmts = _LIST.get(key)
    if stmts is None:
        c = STAFF_TABLE.c
        where: list[ColumnElement[bool]] = [visible(scope, bound=True)]
        if department_id is not None:
            where.append(c.department_id == bindparam("department_id", type_=Integer))
        if active is not None:
            where.append(c.active.is_(active))
        if q:
            like = bindparam("like", type_=String)
            where.append(or_(c.name.like(like), c.employee_no.like(like)))
        base = select(*(c[f] for f in fields)).where(*where)
        page_stmt = (
            base.order_by(c.university_id, c.employee_no, c.id)
            .limit(bindparam("limit", type_=Integer))
            .offset(bindparam("offset", type_=Integer))
        )
        count_stmt = select(func.count()).select_from(base.subquery())
        stmts = _LIST[key] = (page_stmt, count_stmt)
    params = {
        **scope.params,
        "department_id": department_id,
        "like": f"%{q.strip()}%" if q else None,
        "limit": page.limit,
        "offset": page.offset,
    }
    conn = session.connection()
    items = [dict(r) for r in conn.execute(stmts[0], params).mappings()]
    if len(items) < page.limit and (items or page.offset == 0):
        return items, page.offset + len(items)
    return items, int(conn.execute(stmts[1], params).scalar() or 0)


def find_in_university(session: Session, university_id: int, employee_no: str) -> Staff | None:
    """Unscoped: only for the upsert, after the caller's right to write in ``university_id`` was checked."""
    return session.scalar(select(Staff).where(Staff.university_id == university_id, Staff.employee_no == employee_no))


def snapshot(staff: Staff) -> dict[str, Any]:
    return {
        "employee_no": staff.employee_no,
        "name": staff.name,
        "department_id": staff.department_id,
        "position": staff.position,
        "employment_type": staff.employment_type,
        "active": staff.active,
        "account_id": staff.account_id,
        "joined_on": staff.joined_on.isoformat() if staff.joined_on else None,
        "left_on": staff.left_on.isoformat() if staff.left_on else None,
    }
