"""Every query on plans, submissions, review comments and change requests, filtered through ``Scope``."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from plans.plan.models import ChangeRequest, Plan, PlanSubmission, ReviewComment
from plans.tasks.models import Milestone, Task
from plans.visibility import plan_visible
from sanquan_kernel.principal import Scope


def get_plan(session: Session, scope: Scope, plan_id: int, *, for_update: bool = False) -> Plan | None:
    stmt = select(Plan).where(Plan.id == plan_id, plan_visible(scope, Plan.university_id))
    if for_update:
        stmt = stmt.with_for_update()
    return session.scalar(stmt)


def find_plan(session: Session, university_id: int, year: int) -> Plan | None:
    """The natural key (P1) — for the writer's own university only."""
    return session.scalar(select(Plan).where(Plan.university_id == university_id, Plan.year == year))


def list_plans_stmt(
    scope: Scope, *, year: int | None, university_id: int | None, status: str | None
) -> Select[tuple[Plan]]:
    stmt = select(Plan).where(plan_visible(scope, Plan.university_id))
    if year is not None:
        stmt = stmt.where(Plan.year == year)
    if university_id is not None:
        stmt = stmt.where(Plan.university_id == university_id)
    if status is not None:
        stmt = stmt.where(Plan.status == status)
    return stmt.order_by(Plan.year.desc(), Plan.university_id)


def submissions(session: Session, plan_id: int) -> list[PlanSubmission]:
    return list(
        session.scalars(select(PlanSubmission).where(PlanSubmission.plan_id == plan_id).order_by(PlanSubmission.seq))
    )


def submission(session: Session, plan_id: int, seq: int) -> PlanSubmission | None:
    return session.scalar(select(PlanSubmission).where(PlanSubmission.plan_id == plan_id, PlanSubmission.seq == seq))


def latest_submission(session: Session, plan_id: int) -> PlanSubmission | None:
    return session.scalar(
        select(PlanSubmission).where(PlanSubmission.plan_id == plan_id).order_by(PlanSubmission.seq.desc()).limit(1)
    )


def next_submission_seq(session: Session, plan_id: int) -> int:
    return (
        int(
            session.scalar(
                select(func.coalesce(func.max(PlanSubmission.seq), 0)).where(PlanSubmission.plan_id == plan_id)
            )
            or 0
        )
        + 1
    )


def comments(session: Session, plan_id: int) -> list[ReviewComment]:
    return list(
        session.scalars(select(ReviewComment).where(ReviewComment.plan_id == plan_id).order_by(ReviewComment.id))
    )


def change_requests_stmt(scope: Scope, plan_id: int, status: str | None) -> Select[tuple[ChangeRequest]]:
    stmt = select(ChangeRequest).where(
        ChangeRequest.plan_id == plan_id, plan_visible(scope, ChangeRequest.university_id)
    )
    if status is not None:
        stmt = stmt.where(ChangeRequest.status == status)
    return stmt.order_by(ChangeRequest.id.desc())


def all_change_requests_stmt(
    scope: Scope, *, status: str | None, university_id: int | None, year: int | None
) -> Select[tuple[ChangeRequest]]:
    """Change requests across plans (the province's queue; a university's own), newest first."""
    stmt = select(ChangeRequest).where(plan_visible(scope, ChangeRequest.university_id))
    if status is not None:
        stmt = stmt.where(ChangeRequest.status == status)
    if university_id is not None:
        stmt = stmt.where(ChangeRequest.university_id == university_id)
    if year is not None:
        stmt = stmt.join(Plan, Plan.id == ChangeRequest.plan_id).where(Plan.year == year)
    return stmt.order_by(ChangeRequest.id.desc())


def plan_years(session: Session, plan_ids: Collection[int]) -> dict[int, int]:
    if not plan_ids:
        return {}
    return {i: y for i, y in session.execute(select(Plan.id, Plan.year).where(Plan.id.in_(plan_ids)))}


def task_titles(session: Session, task_ids: Collection[int]) -> dict[int, str]:
    if not task_ids:
        return {}
    return {i: t for i, t in session.execute(select(Task.id, Task.title).where(Task.id.in_(task_ids)))}


def milestone_titles(session: Session, milestone_ids: Collection[int]) -> dict[int, str]:
    if not milestone_ids:
        return {}
    return {
        i: t for i, t in session.execute(select(Milestone.id, Milestone.title).where(Milestone.id.in_(milestone_ids)))
    }


def get_change_request(session: Session, scope: Scope, cr_id: int) -> ChangeRequest | None:
    return session.scalar(
        select(ChangeRequest).where(ChangeRequest.id == cr_id, plan_visible(scope, ChangeRequest.university_id))
    )
