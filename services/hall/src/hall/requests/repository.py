"""Every query of requests. ``visible`` is the one place a scope becomes a filter of the hall's requests."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Row,
    Select,
    Table,
    and_,
    bindparam,
    false,
    insert,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from hall.places.models import Place
from hall.requests.models import HallRequest, RequestEvent
from sanquan_kernel.db import frozen
from sanquan_kernel.principal import Scope, ScopeKind

R = HallRequest
TABLE: Table = HallRequest.__table__  # type: ignore[assignment]
C = TABLE.c
_PLACE: Table = Place.__table__  # type: ignore[assignment]


def visible(scope: Scope) -> ColumnElement[bool]:
    """A1/A3 for the hall: a student or teacher their own requests in their university (REQUESTER); a staff member
    the queue of their department (the kernel's SELF scope names it); a department manager their department; a
    university administrator their university; the province everything; anyone else nothing."""
    if scope.kind is ScopeKind.REQUESTER:
        return scope.where(requester=R.requester_id, university=R.university_id)
    if scope.kind is ScopeKind.SELF:
        if scope.department_id is None or scope.university_id is None:
            return false()
        return and_(R.department_id == scope.department_id, R.university_id == scope.university_id)
    return scope.where(university=R.university_id, department=R.department_id)


def _kind(scope: Scope) -> tuple[ScopeKind, bool]:
    """What a statement built once depends on: the scope's kind, and for a staff member whether the scope names
    their department (without it they see nothing)."""
    return scope.kind, scope.kind is ScopeKind.SELF and (scope.department_id is None or scope.university_id is None)


def _visible_bound(scope: Scope) -> ColumnElement[bool]:
    """``visible`` with the scope's ids as parameters (``scope.params``): the same clause for every caller of a
    kind, so that a hot statement is built once per kind (issue #20: building a statement and its cache key cost
    the hall more than running it)."""
    if scope.kind is ScopeKind.SELF:
        if scope.department_id is None or scope.university_id is None:
            return false()
        return and_(
            C.department_id == bindparam("scope_department_id", type_=Integer),
            C.university_id == bindparam("scope_university_id", type_=Integer),
        )
    return scope.bound(university=C.university_id, department=C.department_id, requester=C.requester_id)


_GET: dict[tuple[tuple[ScopeKind, bool], bool], Select[Any]] = {}


def get(session: Session, scope: Scope, request_id: int, *, for_update: bool = False) -> HallRequest | None:
    """The request as an ORM object (for a change), if the scope sees it."""
    key = (_kind(scope), for_update)
    stmt = _GET.get(key)
    if stmt is None:
        stmt = select(R).where(R.id == bindparam("request_id", type_=Integer), _visible_bound(scope))
        if for_update:
            stmt = stmt.with_for_update()
        _GET[key] = stmt
    found: HallRequest | None = session.scalar(stmt, {**scope.params, "request_id": request_id})
    return found


#: A request's columns with its place's name, as plain rows (what an answer reads).
_WITH_PLACE = (*C, _PLACE.c.name.label("place_name"))
_READ: dict[tuple[ScopeKind, bool], Select[Any]] = {}


def read(session: Session, scope: Scope, request_id: int) -> Row[Any] | None:
    """The request as a plain row with ``place_name``, if the scope sees it (a detail: no ORM object)."""
    key = _kind(scope)
    stmt = _READ.get(key)
    if stmt is None:
        stmt = _READ[key] = (
            select(*_WITH_PLACE)
            .outerjoin(_PLACE, _PLACE.c.id == C.place_id)
            .where(C.id == bindparam("request_id", type_=Integer), _visible_bound(scope))
        )
    return session.execute(stmt, {**scope.params, "request_id": request_id}).first()


_KEYED = select(C.id).where(C.requester_id == bindparam("requester_id"), C.idempotency_key == bindparam("key"))


def id_by_idempotency_key(session: Session, requester_id: int, key: str) -> int | None:
    """The id of the request stored for this key (mostly none)."""
    found: int | None = session.execute(_KEYED, {"requester_id": requester_id, "key": key}).scalar()
    return found


_EVENT: Table = RequestEvent.__table__  # type: ignore[assignment]
_NUMBER = update(TABLE).where(C.id == bindparam("request_id")).values(number=bindparam("number"))
_ADD_EVENT = insert(_EVENT).returning(_EVENT.c.id)
#: A new request's columns that the service does not give (``store``): the rows' defaults, stated.
_UNSET: dict[str, Any] = {
    **{c.name: None for c in C if c.name != "id"},
    "accept_escalated": False,
    "resolve_escalation": 0,
    "version": 1,
}


def store(session: Session, values: dict[str, Any]) -> dict[str, Any] | None:
    """Store a new request; its row (every column), or None when its requester already stored one with its
    idempotency key (``ON CONFLICT DO NOTHING``: a post that raced this one; no SAVEPOINT, no error). One statement
    compiled once (``db.frozen``: SQLAlchemy compiles an ``ON CONFLICT`` again on every execution)."""
    dialect = session.get_bind().dialect.name
    ins = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = frozen(
        session,
        "hall_request.store",
        lambda: (
            ins(TABLE)
            .values({name: bindparam(name, type_=C[name].type) for name in _UNSET})
            .on_conflict_do_nothing(index_elements=[C.requester_id, C.idempotency_key])
            .returning(*C)
        ),
        list(C),
    )
    row = session.connection().execute(stmt, {**_UNSET, **values}).mappings().first()
    return None if row is None else dict(row)


def number_and_log(
    session: Session, request_id: int, number: str, actor: str, role: str, at: datetime, data: dict[str, Any]
) -> int:
    """A new request's number (from its id) and its ``created`` timeline entry; the entry's id."""
    conn = session.connection()
    conn.execute(_NUMBER, {"request_id": request_id, "number": number})
    values = {"request_id": request_id, "kind": "created", "actor": actor, "actor_role": role, "text": None}
    event_id: int = conn.execute(_ADD_EVENT, {**values, "data": data, "at": at}).scalar_one()
    return event_id


def accept_breached(now: datetime | ColumnElement[Any]) -> ColumnElement[bool]:
    return or_(
        and_(R.accepted_at.is_not(None), R.accepted_at > R.accept_due_at),
        and_(R.accepted_at.is_(None), R.status == "new", R.accept_due_at < now),
    )


def resolve_breached(now: datetime | ColumnElement[Any]) -> ColumnElement[bool]:
    return or_(
        and_(R.resolved_at.is_not(None), R.resolved_at > R.resolve_due_at),
        and_(R.resolved_at.is_(None), R.status.in_(("new", "accepted")), R.resolve_due_at < now),
    )


#: A request as answers read it: plain rows of its columns (a listing, a detail: issue #21), the ORM object (a
#: change), or a new request's stored values (``store``).
Listed = HallRequest | Row[Any] | SimpleNamespace


def is_breached(r: Listed, now: datetime) -> bool:
    accept = r.accepted_at > r.accept_due_at if r.accepted_at else r.status == "new" and r.accept_due_at < now
    resolve = (
        r.resolved_at > r.resolve_due_at
        if r.resolved_at
        else r.status in ("new", "accepted") and r.resolve_due_at < now
    )
    return bool(accept or resolve)


_LISTINGS: dict[tuple[Any, ...], Select[Any]] = {}
#: The filters bound as parameters, by name (a value of the filter is its parameter's value).
_BOUND_FILTERS = ("category", "place_id", "department_id", "university_id", "assignee_id", "created_from", "created_to")


def listing(
    scope: Scope,
    *,
    filters: dict[str, Any],
    now: datetime,
    sort: str,
    cursor: tuple[datetime | None, int] | None,
    limit: int,
) -> tuple[Select[Any], dict[str, Any]]:
    """The page's statement and its parameters: plain rows of the request's columns and its place's name (one
    more than ``limit``). The statement is built once per shape (the scope's kind, which filters, the statuses,
    the order, a cursor) with every value a parameter: a student's list and a department's queue are built once."""
    statuses = tuple(sorted(set(filters["status"]))) if filters.get("status") is not None else None
    bound = tuple(f for f in _BOUND_FILTERS if filters.get(f) is not None)
    breached, q = filters.get("breached"), filters.get("q")
    due_cursor = sort == "due" and cursor is not None and cursor[0] is not None
    id_cursor = sort != "due" and cursor is not None
    shape = (
        _kind(scope),
        statuses,
        bound,
        bool(filters.get("unrouted")),
        breached,
        q is not None,
        sort,
        due_cursor,
        id_cursor,
    )
    stmt = _LISTINGS.get(shape)
    if stmt is None:
        stmt = _LISTINGS[shape] = _listing(
            scope, statuses, bound, shape[3], breached, q is not None, sort, due_cursor, id_cursor
        )
    params: dict[str, Any] = {**scope.params, "limit": limit + 1, **{f: filters[f] for f in bound}}
    if breached is not None:
        params["now"] = now
    if q is not None:
        params["like"] = "%" + _escape_like(q) + "%"
    if due_cursor or id_cursor:
        assert cursor is not None
        params["cursor_due"], params["cursor_id"] = cursor
    return stmt, params


def _listing(
    scope: Scope,
    statuses: tuple[str, ...] | None,
    bound: tuple[str, ...],
    unrouted: bool,
    breached: bool | None,
    q: bool,
    sort: str,
    due_cursor: bool,
    id_cursor: bool,
) -> Select[Any]:
    stmt = select(*_WITH_PLACE).outerjoin(_PLACE, _PLACE.c.id == C.place_id).where(_visible_bound(scope))
    if statuses is not None:
        # the statuses as literals (a fixed vocabulary): the planner then sees that a queue's "new or accepted"
        # is the partial index's predicate, also in a prepared statement
        stmt = stmt.where(C.status.in_([literal(s, literal_execute=True) for s in statuses]))
    for f in bound:
        if f == "created_from":
            stmt = stmt.where(C.created_at >= bindparam(f))
        elif f == "created_to":
            stmt = stmt.where(C.created_at < bindparam(f))
        else:
            stmt = stmt.where(C[f] == bindparam(f))
    if unrouted:
        stmt = stmt.where(C.department_id.is_(None))
    if breached is not None:
        now = bindparam("now", type_=C.accept_due_at.type)
        cond = or_(accept_breached(now), resolve_breached(now))
        stmt = stmt.where(cond if breached else ~cond)
    if q:
        like = bindparam("like", type_=C.description.type)
        stmt = stmt.where(or_(C.description.ilike(like, escape="\\"), C.number.ilike(like, escape="\\")))
    if sort == "due":
        if due_cursor:
            due, last = bindparam("cursor_due", type_=C.resolve_due_at.type), bindparam("cursor_id", type_=Integer)
            stmt = stmt.where(or_(C.resolve_due_at > due, and_(C.resolve_due_at == due, C.id > last)))
        stmt = stmt.order_by(C.resolve_due_at, C.id)
    else:
        if id_cursor:
            stmt = stmt.where(C.id < bindparam("cursor_id", type_=Integer))
        stmt = stmt.order_by(C.id.desc())
    return stmt.limit(bindparam("limit", type_=Integer))


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


_E = RequestEvent.__table__.c
#: A request's timeline as plain rows, built once (no ORM objects, no statement building per request: issue #21).
_EVENTS = (
    select(_E.id, _E.kind, _E.at, _E.actor, _E.actor_role, _E.text, _E.data)
    .where(_E.request_id == bindparam("request_id"))
    .order_by(_E.id)
)


def events(session: Session, request_id: int) -> list[Row[Any]]:
    """The timeline, oldest first. Call after a flush: a plain statement does not flush the session itself."""
    return list(session.execute(_EVENTS, {"request_id": request_id}))
