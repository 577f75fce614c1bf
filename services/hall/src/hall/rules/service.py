"""Routing (which department receives a request) and promises (how soon it is accepted and resolved), S1."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.orm import Session

from hall import vocabulary as v
from hall.places import service as places
from hall.places.models import Place
from hall.rules.models import Promise, RoutingRule
from hall.rules.schemas import PromiseIn, PromiseOut, RoutingRuleIn
from sanquan_kernel.errors import Unprocessable
from sanquan_kernel.orgdir import OrgDirectory


def rules(session: Session, university_id: int) -> list[RoutingRule]:
    return list(
        session.scalars(
            select(RoutingRule)
            .where(RoutingRule.university_id == university_id)
            .order_by(RoutingRule.category, RoutingRule.place_id.is_not(None), RoutingRule.place_id)
        )
    )


def replace_rules(session: Session, orgs: OrgDirectory, university_id: int, items: list[RoutingRuleIn]) -> None:
    """All of the university's rules at once: every department one of its own, every place one of its own, each
    (category, place) once; anything wrong changes nothing (422 naming the item)."""
    seen: set[tuple[str, int | None]] = set()
    place_ids = {r.place_id for r in items if r.place_id is not None}
    own_places = (
        set(session.scalars(select(Place.id).where(Place.id.in_(place_ids), Place.university_id == university_id)))
        if place_ids
        else set()
    )
    for i, r in enumerate(items):
        if not orgs.is_department_of(r.department_id, university_id):
            raise _bad(i, "department_id", "not a department of this university")
        if r.place_id is not None and r.place_id not in own_places:
            raise _bad(i, "place_id", "not a place of this university")
        if (r.category, r.place_id) in seen:
            raise _bad(i, "category", "a second rule for this category and place")
        seen.add((r.category, r.place_id))
    session.execute(delete(RoutingRule).where(RoutingRule.university_id == university_id))
    for r in items:
        session.add(RoutingRule(university_id=university_id, **r.model_dump()))
    session.flush()


def _bad(i: int, field: str, msg: str) -> Unprocessable:
    return Unprocessable(
        f"Rule {i + 1}: {msg}", errors=[{"loc": ["body", "rules", i, field], "msg": msg, "type": "value"}]
    )


# A new request's two reads as plain statements built once (issue #21: no ORM objects, no statement building).
_RULE, _PROMISE = RoutingRule.__table__.c, Promise.__table__.c
_RULES_OF = select(_RULE.place_id, _RULE.department_id).where(
    _RULE.university_id == bindparam("university_id"), _RULE.category == bindparam("category")
)
_PROMISE_OF = select(_PROMISE.accept_within_minutes, _PROMISE.resolve_within_minutes, _PROMISE.working_hours).where(
    _PROMISE.university_id == bindparam("university_id"), _PROMISE.category == bindparam("category")
)


def route(session: Session, university_id: int, category: str, place_id: int | None) -> int | None:
    """The department for a new request: the rule of the category at the place or the nearest place it lies in,
    else the category's rule without a place; none → null (the university administrator's inbox)."""
    candidates: dict[int | None, int] = dict(
        session.execute(_RULES_OF, {"university_id": university_id, "category": category}).tuples().all()
    )
    for pid in places.ancestors(session, place_id):
        if pid in candidates:
            return candidates[pid]
    return candidates.get(None)


def promises(session: Session, university_id: int) -> list[PromiseOut]:
    rows = {p.category: p for p in session.scalars(select(Promise).where(Promise.university_id == university_id))}
    out: list[PromiseOut] = []
    for category in v.CATEGORIES:
        row = rows.get(category)
        if row is None:
            out.append(
                PromiseOut.model_validate(
                    {
                        "category": category,
                        "accept_within_minutes": v.DEFAULT_ACCEPT_MINUTES,
                        "resolve_within_minutes": v.DEFAULT_RESOLVE_MINUTES,
                        "working_hours": v.DEFAULT_WORKING_HOURS,
                        "default": True,
                    }
                )
            )
        else:
            out.append(
                PromiseOut.model_validate(
                    {
                        "category": category,
                        "accept_within_minutes": row.accept_within_minutes,
                        "resolve_within_minutes": row.resolve_within_minutes,
                        "working_hours": row.working_hours,
                    }
                )
            )
    return out


def promise_of(session: Session, university_id: int, category: str) -> tuple[int, int, dict[str, Any] | None]:
    """Call with no change of promises pending in the session: a plain statement does not flush it."""
    row = session.execute(_PROMISE_OF, {"university_id": university_id, "category": category}).first()
    if row is None:
        return v.DEFAULT_ACCEPT_MINUTES, v.DEFAULT_RESOLVE_MINUTES, dict(v.DEFAULT_WORKING_HOURS)
    return row.accept_within_minutes, row.resolve_within_minutes, row.working_hours


def put_promises(session: Session, university_id: int, items: list[PromiseIn]) -> None:
    """The categories named are set; the others keep what they had (a category never set has the defaults)."""
    seen: set[str] = set()
    for i, p in enumerate(items):
        if p.category in seen:
            raise Unprocessable(
                "A category twice",
                errors=[{"loc": ["body", "promises", i, "category"], "msg": "twice", "type": "value"}],
            )
        seen.add(p.category)
    for p in items:
        row = session.get(Promise, (university_id, p.category))
        wh = p.working_hours.model_dump() if p.working_hours is not None else None
        if row is None:
            session.add(
                Promise(
                    university_id=university_id,
                    category=p.category,
                    accept_within_minutes=p.accept_within_minutes,
                    resolve_within_minutes=p.resolve_within_minutes,
                    working_hours=wh,
                )
            )
        else:
            row.accept_within_minutes = p.accept_within_minutes
            row.resolve_within_minutes = p.resolve_within_minutes
            row.working_hours = wh
    session.flush()
