"""Every query of the reminders and the alert list.

The milestone reminders are one ``INSERT … SELECT`` into the outbox each (set-based: ~24,000 milestones of a
province in one statement, not a Python loop). Each event's id is derived from what it is about —
``evt_rm_<code>_<subject>_<day>``, the day being the due date it reminds of — so the outbox's unique id is the
dedupe key: ``ON CONFLICT (id) DO NOTHING`` makes a second run (or a second replica, or a run after a crash) write
nothing, and a milestone whose date moved is reminded again for its new date. The gateway's intake is idempotent
by the same id. Only here do SQLite and PostgreSQL differ (the JSON builders, the upsert's dialect).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, ColumnElement, Select, String, cast, func, literal, literal_column, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from plans.notices.models import Notice, NoticeExtension
from plans.plan.models import Plan
from plans.tasks.models import Milestone, Task
from plans.vocabulary import PlanStatus, WorkStatus
from sanquan_kernel.db import UTCDateTime
from sanquan_kernel.outbox import OUTBOX
from sanquan_kernel.principal import Scope

MILESTONE: Any = Milestone.__table__
TASK: Any = Task.__table__
PLAN: Any = Plan.__table__

#: The short code of each reminder in its event id (the id column holds 40 characters).
CODES = {
    "milestone.due_soon": "ms-soon",
    "milestone.overdue": "ms-over",
    "milestone.escalated": "ms-esc",
    "plan.not_submitted": "plan-late",
    "deadline.soon": "dl-soon",
}
_OUT_COLUMNS = ["id", "type", "university_id", "department_id", "subject", "occurred_at", "data"]


def event_id(type_: str, subject: str | int, day: date) -> str:
    """The id of the reminder of ``type_`` about ``subject`` for ``day`` (what the SQL below builds too)."""
    return f"evt_rm_{CODES[type_]}_{subject}_{day:%Y%m%d}"


def _insert(session: Session) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def _json_object(session: Session, pairs: dict[str, Any]) -> ColumnElement[Any]:
    postgres = session.get_bind().dialect.name == "postgresql"
    args: list[Any] = []
    for key, value in pairs.items():
        args += [literal_column(f"'{key}'"), value]  # keys are this module's constants
    return (func.json_build_object if postgres else func.json_object)(*args, type_=JSON)


def _json_list_of_one(session: Session, value: ColumnElement[Any]) -> ColumnElement[Any]:
    """``[value]``, or ``[]`` when it is NULL."""
    text = func.coalesce(literal("[") + cast(value, String) + literal("]"), literal("[]"))
    if session.get_bind().dialect.name == "postgresql":
        return cast(text, JSON)
    return func.json(text, type_=JSON)


def open_milestones() -> ColumnElement[bool]:
    """Milestones of a plan in force (approved) that are not done: the ones reminders and alerts are about."""
    condition: ColumnElement[bool] = (MILESTONE.c.status != WorkStatus.DONE.value) & (
        PLAN.c.status == PlanStatus.APPROVED.value
    )
    return condition


def _milestones_joined() -> Any:
    return MILESTONE.join(TASK, TASK.c.id == MILESTONE.c.task_id).join(PLAN, PLAN.c.id == MILESTONE.c.plan_id)


def emit_milestone_events(
    session: Session, type_: str, condition: ColumnElement[bool], now: datetime, **extra: int
) -> int:
    """One INSERT … SELECT of the ``type_`` event for every open milestone meeting ``condition`` and not yet told
    about its due date; returns how many were written."""
    key = (
        literal(f"evt_rm_{CODES[type_]}_")
        + cast(MILESTONE.c.id, String)
        + literal("_")
        + func.replace(cast(MILESTONE.c.due_on, String), "-", "")
    )
    data = _json_object(
        session,
        {
            "milestone_id": MILESTONE.c.id,
            "task_id": MILESTONE.c.task_id,
            "plan_id": MILESTONE.c.plan_id,
            "year": PLAN.c.year,
            "title": MILESTONE.c.title,
            "task_title": TASK.c.title,
            "due_on": MILESTONE.c.due_on,
            "responsible_user_id": TASK.c.responsible_user_id,
            "recipients": _json_list_of_one(session, TASK.c.responsible_user_id),
            **{k: literal_column(str(int(v))) for k, v in extra.items()},
        },
    )
    rows = (
        select(
            key,
            literal(type_),
            MILESTONE.c.university_id,
            MILESTONE.c.department_id,
            literal("milestone:") + cast(MILESTONE.c.id, String),
            literal(now, UTCDateTime()),
            data,
        )
        .select_from(_milestones_joined())
        .where(open_milestones(), condition)
    )
    stmt = _insert(session)(OUTBOX).from_select(_OUT_COLUMNS, rows).on_conflict_do_nothing(index_elements=["id"])
    return _written(session, stmt)


def emit_rows(session: Session, rows: list[dict[str, Any]]) -> int:
    """Write these events (one multi-row INSERT); those already written are left as they are."""
    if not rows:
        return 0
    stmt = _insert(session)(OUTBOX).values(rows).on_conflict_do_nothing(index_elements=["id"])
    return _written(session, stmt)


def _written(session: Session, stmt: Any) -> int:
    """How many rows the upsert wrote (the driver's rowcount of an INSERT … ON CONFLICT is -1 on PostgreSQL)."""
    return len(session.execute(stmt.returning(OUTBOX.c.seq)).all())


# -- plans and the year's deadline -------------------------------------------------------------------------------
def issued_notices(session: Session, years: list[int]) -> list[Notice]:
    return list(session.scalars(select(Notice).where(Notice.status == "issued", Notice.year.in_(years))))


def extensions(session: Session, notice_id: int) -> dict[int, date]:
    rows = session.execute(
        select(NoticeExtension.university_id, NoticeExtension.due_on).where(NoticeExtension.notice_id == notice_id)
    )
    return {uid: due for uid, due in rows}


def plans_of_year(session: Session, year: int) -> dict[int, Plan]:
    """The year's plans by university."""
    return {p.university_id: p for p in session.scalars(select(Plan).where(Plan.year == year))}


# -- the alert list ------------------------------------------------------------------------------------------------
def escalated_milestones(
    scope: Scope,
    today: date,
    after_days: int,
    *,
    university_id: int | None,
    department_id: int | None,
    min_days: int,
) -> Select[Any]:
    """Open milestones overdue more than ``after_days`` (and at least ``min_days``) in the caller's scope, the
    longest overdue first."""
    latest_due = today - timedelta(days=max(after_days + 1, min_days))
    stmt = (
        select(
            MILESTONE.c.id,
            MILESTONE.c.title,
            MILESTONE.c.due_on,
            MILESTONE.c.status,
            MILESTONE.c.percent,
            MILESTONE.c.university_id,
            MILESTONE.c.department_id,
            MILESTONE.c.task_id,
            MILESTONE.c.plan_id,
            TASK.c.title.label("task_title"),
            TASK.c.responsible_name,
            PLAN.c.year,
        )
        .select_from(_milestones_joined())
        .where(
            open_milestones(),
            MILESTONE.c.due_on <= latest_due,
            scope.where(university=MILESTONE.c.university_id, department=MILESTONE.c.department_id),
        )
        .order_by(MILESTONE.c.due_on, MILESTONE.c.id)
    )
    if university_id is not None:
        stmt = stmt.where(MILESTONE.c.university_id == university_id)
    if department_id is not None:
        stmt = stmt.where(MILESTONE.c.department_id == department_id)
    return stmt


def page_of(session: Session, stmt: Select[Any], limit: int, offset: int) -> tuple[list[Any], int]:
    rows = list(session.execute(stmt.limit(limit).offset(offset)))
    if len(rows) < limit and (rows or offset == 0):
        return rows, offset + len(rows)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    return rows, total
