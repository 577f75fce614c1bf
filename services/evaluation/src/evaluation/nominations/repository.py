"""Nomination queries; every one filtered through the caller's ``Scope``.

An expert (scope ASSIGNED) sees a nomination only when it is assigned to them AND it is not of their own
university — the second test holds even if an assignment were made by mistake.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from evaluation.nominations.models import Nomination
from evaluation.review.models import Assignment
from sanquan_kernel.principal import Scope, ScopeKind


def visibility(scope: Scope) -> ColumnElement[bool]:
    mine = aliased(Assignment)  # aliased: callers may join Assignment themselves
    assigned: ColumnElement[bool] = exists().where(mine.nomination_id == Nomination.id, mine.expert_id == scope.user_id)
    if scope.university_id is not None:
        assigned = and_(assigned, Nomination.university_id != scope.university_id)
    return scope.where(university=Nomination.university_id, department=Nomination.department_id, assigned=assigned)


def get(session: Session, scope: Scope, nomination_id: int) -> Nomination | None:
    return session.scalar(select(Nomination).where(Nomination.id == nomination_id, visibility(scope)))


def list_stmt(
    scope: Scope,
    campaign_id: int,
    *,
    status: str | None = None,
    q: str | None = None,
    university_id: int | None = None,
    department_id: int | None = None,
    blind: bool = False,
) -> Select[tuple[Nomination]]:
    stmt = select(Nomination).where(Nomination.campaign_id == campaign_id, visibility(scope))
    if status is not None:
        stmt = stmt.where(Nomination.status == status)
    if university_id is not None:
        stmt = stmt.where(Nomination.university_id == university_id)
    if department_id is not None:
        stmt = stmt.where(Nomination.department_id == department_id)
    if q:
        pattern = f"%{q.strip()}%"
        # A blind expert may only search what they are shown: never by name.
        if blind and scope.kind is ScopeKind.ASSIGNED:
            stmt = stmt.where(Nomination.text.ilike(pattern))
        else:
            stmt = stmt.where(
                or_(
                    Nomination.title.ilike(pattern),
                    Nomination.subject_name.ilike(pattern),
                    Nomination.text.ilike(pattern),
                )
            )
    return stmt.order_by(Nomination.id)


def count_in_quota(
    session: Session, campaign_id: int, university_id: int, *, exclude_id: int, category: str | None = None
) -> int:
    """Nominations of a university that count against its quota (pre-selected or submitted)."""
    conds: list[Any] = [
        Nomination.campaign_id == campaign_id,
        Nomination.university_id == university_id,
        Nomination.status.in_(("preselected", "submitted")),
        Nomination.id != exclude_id,
    ]
    if category is not None:
        conds.append(Nomination.category == category)
    return session.scalar(select(func.count()).select_from(Nomination).where(*conds)) or 0
