"""Review queries: the panel, assignments, declared conflicts and scores."""

from __future__ import annotations

from sqlalchemy import Select, case, delete, func, select
from sqlalchemy.orm import Session

from evaluation.nominations.models import Nomination
from evaluation.nominations.repository import visibility as nomination_visibility
from evaluation.review.models import Assignment, CampaignExpert, DeclaredConflict, Score
from sanquan_kernel.principal import Scope


def panel(session: Session, campaign_id: int) -> list[CampaignExpert]:
    return list(
        session.scalars(
            select(CampaignExpert).where(CampaignExpert.campaign_id == campaign_id).order_by(CampaignExpert.expert_id)
        )
    )


def panel_member(session: Session, campaign_id: int, expert_id: int) -> CampaignExpert | None:
    return session.scalar(
        select(CampaignExpert).where(CampaignExpert.campaign_id == campaign_id, CampaignExpert.expert_id == expert_id)
    )


def loads(session: Session, campaign_id: int) -> dict[int, tuple[int, int]]:
    """expert id → (assigned, completed)."""
    rows = session.execute(
        select(Assignment.expert_id, func.count(), func.sum(case((Assignment.complete.is_(True), 1), else_=0)))
        .where(Assignment.campaign_id == campaign_id)
        .group_by(Assignment.expert_id)
    )
    return {e: (int(n), int(c or 0)) for e, n, c in rows}


def assignments_stmt(
    scope: Scope, campaign_id: int | None, *, nomination_id: int | None = None, expert_id: int | None = None
) -> Select[tuple[Assignment]]:
    """Assignments the caller may see: all (province) or an expert's own (never of their own university);
    universities never learn who reviews them."""
    stmt = (
        select(Assignment)
        .join(Nomination, Nomination.id == Assignment.nomination_id)
        .where(nomination_visibility(scope), scope.where(assigned=Assignment.expert_id == scope.user_id))
    )
    if campaign_id is not None:
        stmt = stmt.where(Assignment.campaign_id == campaign_id)
    if nomination_id is not None:
        stmt = stmt.where(Assignment.nomination_id == nomination_id)
    if expert_id is not None:
        stmt = stmt.where(Assignment.expert_id == expert_id)
    return stmt.order_by(Assignment.id)


def assignment(session: Session, nomination_id: int, expert_id: int) -> Assignment | None:
    return session.scalar(
        select(Assignment).where(Assignment.nomination_id == nomination_id, Assignment.expert_id == expert_id)
    )


def existing_pairs(session: Session, campaign_id: int) -> list[tuple[int, int]]:
    return [
        (n, e)
        for n, e in session.execute(
            select(Assignment.nomination_id, Assignment.expert_id).where(Assignment.campaign_id == campaign_id)
        )
    ]


def conflicts(session: Session, campaign_id: int) -> list[DeclaredConflict]:
    return list(session.scalars(select(DeclaredConflict).where(DeclaredConflict.campaign_id == campaign_id)))


def conflicts_stmt(scope: Scope, campaign_id: int) -> Select[tuple[DeclaredConflict]]:
    stmt = select(DeclaredConflict).where(DeclaredConflict.campaign_id == campaign_id)
    return stmt.where(scope.where(assigned=DeclaredConflict.expert_id == scope.user_id)).order_by(DeclaredConflict.id)


def has_conflict(session: Session, campaign_id: int, expert_id: int, nomination: Nomination) -> bool:
    return (
        session.scalar(
            select(func.count())
            .select_from(DeclaredConflict)
            .where(
                DeclaredConflict.campaign_id == campaign_id,
                DeclaredConflict.expert_id == expert_id,
                (DeclaredConflict.nomination_id == nomination.id)
                | (DeclaredConflict.university_id == nomination.university_id),
            )
        )
        != 0
    )


def submitted(session: Session, campaign_id: int) -> list[tuple[int, int]]:
    return [
        (i, u)
        for i, u in session.execute(
            select(Nomination.id, Nomination.university_id).where(
                Nomination.campaign_id == campaign_id, Nomination.status == "submitted"
            )
        )
    ]


def scores(session: Session, assignment_id: int) -> list[Score]:
    return list(session.scalars(select(Score).where(Score.assignment_id == assignment_id)))


def assignments_of_expert_for_university(
    session: Session, campaign_id: int, expert_id: int, university_id: int
) -> list[Assignment]:
    return list(
        session.scalars(
            select(Assignment)
            .join(Nomination, Nomination.id == Assignment.nomination_id)
            .where(
                Assignment.campaign_id == campaign_id,
                Assignment.expert_id == expert_id,
                Nomination.university_id == university_id,
            )
        )
    )


def delete_assignment(session: Session, a: Assignment) -> None:
    session.execute(delete(Score).where(Score.assignment_id == a.id))
    session.delete(a)


def complete_totals(session: Session, campaign_id: int) -> list[tuple[int, int, float]]:
    """(nomination_id, expert_id, total) of every complete sheet of the campaign. Callers keep the submitted
    nominations' sheets (a plain indexed read: no join for the planner to get wrong on fresh statistics)."""
    rows = session.connection().execute(  # Core rows: no ORM row processing on a hot path
        select(Assignment.nomination_id, Assignment.expert_id, Assignment.total).where(
            Assignment.campaign_id == campaign_id, Assignment.complete.is_(True)
        )
    )
    return [(n, e, float(t)) for n, e, t in rows]


def assignments_stmt_for_nomination(nomination_id: int) -> Select[tuple[Assignment]]:
    """Every assignment of a nomination — for the province only (callers check the role)."""
    return select(Assignment).where(Assignment.nomination_id == nomination_id).order_by(Assignment.expert_id)


def delete_assignments_of(session: Session, nomination_id: int) -> int:
    """A withdrawn nomination leaves every expert's list, with its scores."""
    ids = list(session.scalars(select(Assignment.id).where(Assignment.nomination_id == nomination_id)))
    if ids:
        session.execute(delete(Score).where(Score.assignment_id.in_(ids)))
        session.execute(delete(Assignment).where(Assignment.id.in_(ids)))
    return len(ids)


def assignment_by_id(session: Session, scope: Scope, assignment_id: int) -> Assignment | None:
    return session.scalar(assignments_stmt(scope, None).where(Assignment.id == assignment_id))
