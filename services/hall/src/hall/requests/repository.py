"""Every query of requests. ``visible`` is the one place a scope becomes a filter of the hall's requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, and_, bindparam, false, literal, or_, select
from sqlalchemy.orm import Session

from hall.requests.models import HallRequest, RequestEvent
from sanquan_kernel.principal import Scope, ScopeKind

R = HallRequest


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


def get(session: Session, scope: Scope, request_id: int, *, for_update: bool = False) -> HallRequest | None:
    stmt = select(R).where(R.id == request_id, visible(scope))
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


_KEYED = select(R.__table__.c.id).where(
    R.__table__.c.requester_id == bindparam("requester_id"), R.__table__.c.idempotency_key == bindparam("key")
)


def by_idempotency_key(session: Session, requester_id: int, key: str) -> HallRequest | None:
    """The request stored for this key. Mostly there is none: that is one plain statement built once (issue #21)."""
    found = session.execute(_KEYED, {"requester_id": requester_id, "key": key}).scalar()
    return None if found is None else session.get(R, found)


def accept_breached(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(R.accepted_at.is_not(None), R.accepted_at > R.accept_due_at),
        and_(R.accepted_at.is_(None), R.status == "new", R.accept_due_at < now),
    )


def resolve_breached(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(R.resolved_at.is_not(None), R.resolved_at > R.resolve_due_at),
        and_(R.resolved_at.is_(None), R.status.in_(("new", "accepted")), R.resolve_due_at < now),
    )


#: A listing's rows: the request's columns as plain rows, not ORM objects (issue #21).
Listed = HallRequest | Row[Any]


def is_breached(r: Listed, now: datetime) -> bool:
    accept = r.accepted_at > r.accept_due_at if r.accepted_at else r.status == "new" and r.accept_due_at < now
    resolve = (
        r.resolved_at > r.resolve_due_at
        if r.resolved_at
        else r.status in ("new", "accepted") and r.resolve_due_at < now
    )
    return bool(accept or resolve)


def listing(
    scope: Scope,
    *,
    filters: dict[str, Any],
    now: datetime,
    sort: str,
    cursor: tuple[datetime | None, int] | None,
    limit: int,
) -> Select[Any]:
    """The page's statement: plain rows of the request's columns (one more than ``limit``)."""
    stmt = select(*R.__table__.c).where(visible(scope))
    if (v := filters.get("status")) is not None:
        # the statuses as literals (a fixed vocabulary): the planner then sees that a queue's "new or accepted"
        # is the partial index's predicate, also in a prepared statement
        stmt = stmt.where(R.status.in_([literal(s, literal_execute=True) for s in sorted(set(v))]))
    if (v := filters.get("category")) is not None:
        stmt = stmt.where(R.category == v)
    if (v := filters.get("place_id")) is not None:
        stmt = stmt.where(R.place_id == v)
    if (v := filters.get("department_id")) is not None:
        stmt = stmt.where(R.department_id == v)
    if (v := filters.get("university_id")) is not None:
        stmt = stmt.where(R.university_id == v)
    if filters.get("unrouted"):
        stmt = stmt.where(R.department_id.is_(None))
    if (v := filters.get("assignee_id")) is not None:
        stmt = stmt.where(R.assignee_id == v)
    if (v := filters.get("breached")) is not None:
        cond = or_(accept_breached(now), resolve_breached(now))
        stmt = stmt.where(cond if v else ~cond)
    if (v := filters.get("q")) is not None:
        like = "%" + _escape_like(v) + "%"
        stmt = stmt.where(or_(R.description.ilike(like, escape="\\"), R.number.ilike(like, escape="\\")))
    if (v := filters.get("created_from")) is not None:
        stmt = stmt.where(R.created_at >= v)
    if (v := filters.get("created_to")) is not None:
        stmt = stmt.where(R.created_at < v)
    if sort == "due":
        if cursor is not None and cursor[0] is not None:
            due, last = cursor
            stmt = stmt.where(or_(R.resolve_due_at > due, and_(R.resolve_due_at == due, R.id > last)))
        stmt = stmt.order_by(R.resolve_due_at, R.id)
    else:
        if cursor is not None:
            stmt = stmt.where(R.id < cursor[1])
        stmt = stmt.order_by(R.id.desc())
    return stmt.limit(limit + 1)


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
