"""Every query on tasks, milestones and progress reports, filtered through the caller's ``Scope``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, and_, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from plans.plan.models import Plan
from plans.tasks.models import Milestone, ProgressReport, Task
from plans.vocabulary import WorkStatus
from sanquan_kernel.principal import Scope, ScopeKind


def task_visible(scope: Scope, *, bound: bool = False) -> ColumnElement[bool]:
    """A department manager sees their department's tasks; a university its own; the province all. ``bound``: with
    the scope's ids as parameters (``scope.params``), for a statement built once per scope kind."""
    if bound:
        t = Task.__table__.c
        return scope.bound(university=t.university_id, department=t.department_id)
    return scope.where(university=Task.university_id, department=Task.department_id)


def task_overdue(as_of: date | ColumnElement[Any]) -> ColumnElement[bool]:
    return and_(Task.due_on < as_of, Task.status != WorkStatus.DONE.value)


def milestone_overdue(as_of: date | ColumnElement[Any]) -> ColumnElement[bool]:
    return and_(Milestone.due_on < as_of, Milestone.status != WorkStatus.DONE.value)


def get_task(session: Session, scope: Scope, task_id: int) -> Task | None:
    return session.scalar(select(Task).where(Task.id == task_id, task_visible(scope)))


TASK_TABLE: Table = Task.__table__  # type: ignore[assignment]
PLAN_TABLE: Table = Plan.__table__  # type: ignore[assignment]
PROGRESS_TABLE: Table = ProgressReport.__table__  # type: ignore[assignment]
_PLAN_STATUS: dict[ScopeKind, Select[Any]] = {}


def plan_status_of_task(session: Session, scope: Scope, task_id: int) -> str | None:
    """The status of the plan of a task the scope sees (None: no such task for this caller). A statement built
    once per scope kind, on the session's connection: it precedes every progress report."""
    stmt = _PLAN_STATUS.get(scope.kind)
    if stmt is None:
        t, p = TASK_TABLE.c, PLAN_TABLE.c
        visible = scope.bound(university=t.university_id, department=t.department_id)
        stmt = _PLAN_STATUS[scope.kind] = (
            select(p.status)
            .join_from(TASK_TABLE, PLAN_TABLE, p.id == t.plan_id)
            .where(t.id == bindparam("task_id"), visible)
        )
    status: str | None = session.connection().execute(stmt, {**scope.params, "task_id": task_id}).scalar()
    return status


_SET_PROGRESS = (
    update(TASK_TABLE)
    .where(TASK_TABLE.c.id == bindparam("task_id"))
    .values(
        status=bindparam("status"),
        percent=bindparam("percent"),
        completed_on=bindparam("completed_on"),
        version=TASK_TABLE.c.version + 1,  # updated_at: the column's onupdate
    )
    .returning(TASK_TABLE.c.university_id, TASK_TABLE.c.department_id)
)
_ADD_REPORT = insert(PROGRESS_TABLE).returning(*PROGRESS_TABLE.c)


def add_progress_report(session: Session, values: dict[str, Any]) -> dict[str, Any]:
    """Append a progress report; answers its row."""
    return dict(session.connection().execute(_ADD_REPORT, values).mappings().one())


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


def milestone_visible(scope: Scope, *, bound: bool = False) -> ColumnElement[bool]:
    if bound:
        m = Milestone.__table__.c
        return scope.bound(university=m.university_id, department=m.department_id)
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
    params = {"task_id": task_id, "status": status, "percent": percent, "completed_on": completed_on}
    row = session.connection().execute(_SET_PROGRESS, params).one()
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
