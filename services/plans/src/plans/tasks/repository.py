"""Every query on tasks, milestones and progress reports, filtered through the caller's ``Scope``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select, update
from sqlalchemy.orm import Session

from plans.common import WorkStatus
from plans.plan.models import Plan
from plans.tasks.models import Milestone, ProgressReport, Task
from sanquan_kernel.principal import Scope


def task_visible(scope: Scope) -> ColumnElement[bool]:
    """A department manager sees their department's tasks; a university its own; the province all."""
    return scope.where(university=Task.university_id, department=Task.department_id)


def task_overdue(as_of: date) -> ColumnElement[bool]:
    return and_(Task.due_on < as_of, Task.status != WorkStatus.DONE.value)


def milestone_overdue(as_of: date) -> ColumnElement[bool]:
    return and_(Milestone.due_on < as_of, Milestone.status != WorkStatus.DONE.value)


def get_task(session: Session, scope: Scope, task_id: int) -> Task | None:
    return session.scalar(select(Task).where(Task.id == task_id, task_visible(scope)))


def get_task_and_plan_status(session: Session, scope: Scope, task_id: int) -> tuple[Task, str] | None:
    row = session.execute(
        select(Task, Plan.status).join(Plan, Plan.id == Task.plan_id).where(Task.id == task_id, task_visible(scope))
    ).first()
    return (row[0], row[1]) if row is not None else None


def list_tasks_stmt(
    scope: Scope,
    plan_id: int,
    *,
    category: str | None = None,
    department_id: int | None = None,
    overdue_as_of: date | None = None,
) -> Select[tuple[Task]]:
    stmt = select(Task).where(Task.plan_id == plan_id, task_visible(scope))
    if category is not None:
        stmt = stmt.where(Task.category == category)
    if department_id is not None:
        stmt = stmt.where(Task.department_id == department_id)
    if overdue_as_of is not None:
        stmt = stmt.where(task_overdue(overdue_as_of))
    return stmt.order_by(Task.sort_order, Task.id)


def tasks_of_plan(session: Session, scope: Scope, plan_id: int) -> list[Task]:
    return list(session.scalars(list_tasks_stmt(scope, plan_id)))


def milestones_of(session: Session, task_ids: Sequence[int]) -> dict[int, list[Milestone]]:
    """Milestones of tasks the caller already holds (so already in scope), in roadmap order."""
    out: dict[int, list[Milestone]] = {tid: [] for tid in task_ids}
    if not task_ids:
        return out
    for m in session.scalars(
        select(Milestone)
        .where(Milestone.task_id.in_(task_ids))
        .order_by(Milestone.task_id, Milestone.seq, Milestone.id)
    ):
        out[m.task_id].append(m)
    return out


def milestone_visible(scope: Scope) -> ColumnElement[bool]:
    return scope.where(university=Milestone.university_id, department=Milestone.department_id)


def move_milestones(session: Session, task_id: int, department_id: int) -> None:
    """Keep the denormalised department of a task's milestones in step when the task changes department."""
    session.execute(update(Milestone).where(Milestone.task_id == task_id).values(department_id=department_id))


def get_milestone(session: Session, scope: Scope, milestone_id: int) -> tuple[Milestone, Task] | None:
    row = session.execute(
        select(Milestone, Task)
        .join(Task, Task.id == Milestone.task_id)
        .where(Milestone.id == milestone_id, task_visible(scope))
    ).first()
    return (row[0], row[1]) if row else None


def next_milestone_seq(session: Session, task_id: int) -> int:
    return (
        int(session.scalar(select(func.coalesce(func.max(Milestone.seq), 0)).where(Milestone.task_id == task_id)) or 0)
        + 1
    )


def set_task_progress(
    session: Session, task_id: int, status: str, percent: int, completed_on: date | None
) -> tuple[int, int]:
    """Set a task's status, percent and completion outright and count its version up (in SQL, so that concurrent
    writers each count); answers the task's university and department as stored."""
    row = session.execute(
        update(Task)
        .where(Task.id == task_id)
        .values(status=status, percent=percent, completed_on=completed_on, version=Task.version + 1)
        .returning(Task.university_id, Task.department_id)
        .execution_options(synchronize_session=False)
    ).one()
    return int(row[0]), int(row[1])


def milestone_stats(session: Session, task_id: int) -> tuple[int, int, int, Any]:
    """(count, done, sum of percent, latest completion) of a task's milestones."""
    row = session.execute(
        select(
            func.count(),
            func.count().filter(Milestone.status == WorkStatus.DONE.value),
            func.coalesce(func.sum(Milestone.percent), 0),
            func.max(Milestone.completed_on),
        ).where(Milestone.task_id == task_id)
    ).one()
    return int(row[0]), int(row[1]), int(row[2]), row[3]


def progress_stmt(scope: Scope, task_id: int) -> Select[tuple[ProgressReport]]:
    return (
        select(ProgressReport)
        .where(
            ProgressReport.task_id == task_id,
            scope.where(university=ProgressReport.university_id, department=ProgressReport.department_id),
        )
        .order_by(ProgressReport.reported_at.desc(), ProgressReport.id.desc())
    )
