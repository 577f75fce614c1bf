"""Set-based queries behind the dashboards, the province overview and the indicators: each answers for every
university at once (grouped), filtered through the caller's ``Scope`` — never one query per university."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import ColumnElement, Date, Executable, Integer, Row, and_, bindparam, func, or_, select, true
from sqlalchemy.orm import Session

from plans.letters.models import ResponsibilityLetter
from plans.plan.models import Plan
from plans.resources.models import FundingLine, WorkStudyPosts
from plans.tasks.models import Milestone, Task
from plans.tasks.repository import milestone_overdue, milestone_visible, task_overdue, task_visible
from plans.visibility import plan_visible
from plans.vocabulary import FundingKind, WorkStatus
from sanquan_kernel.principal import Scope, ScopeKind

DONE = WorkStatus.DONE.value


class PlanFigures(Protocol):
    """The columns of ``_PLAN_FIGURES`` (plain rows: 160 ORM objects would cost more than the query)."""

    id: int
    university_id: int
    status: str
    submission_due_on: date | None
    first_submitted_at: datetime | None
    in_annual_work_plan: bool


@dataclass
class Counts:
    total: int = 0
    done: int = 0
    overdue: int = 0


@dataclass
class MilestoneCounts(Counts):
    due: int = 0  # due by the as-of day, or already done: the ones that can be judged on time
    done_on_time: int = 0


@dataclass
class Funding:
    special_planned: Decimal = Decimal(0)
    special_spent: Decimal = Decimal(0)
    other_planned: Decimal = Decimal(0)
    other_spent: Decimal = Decimal(0)
    special_lines: int = 0


@dataclass
class YearFigures:
    """Everything the overview and the indicators need for one year, keyed by university."""

    plans: dict[int, PlanFigures] = field(default_factory=dict)
    tasks: dict[int, dict[str, Counts]] = field(default_factory=dict)  # university → category → counts
    milestones: dict[int, MilestoneCounts] = field(default_factory=dict)
    work_study: dict[int, WorkStudyPosts] = field(default_factory=dict)
    funding: dict[int, Funding] = field(default_factory=dict)


def _uni_filter(col: Any, university_id: int | None) -> ColumnElement[bool]:
    """One university (``:university_id``) or every one: the statements below are built once for each case."""
    return col == bindparam("university_id", type_=Integer) if university_id is not None else true()


#: The dashboards' and the overview's statements, built once per (name, scope kind, one university or all): building
#: a statement and its cache key cost SQLAlchemy more than executing it (the dashboard's seven did, in-process).
#: The scope's ids, the year, the day and the plan are bound parameters (``_params``).
_BUILT: dict[tuple[str, ScopeKind, bool], Any] = {}
YEAR = bindparam("year", type_=Integer)
AS_OF = bindparam("as_of", type_=Date)
PLAN_ID = bindparam("plan_id", type_=Integer)


def _built(name: str, scope: Scope, one: bool, build: Callable[[], Executable]) -> Any:
    key = (name, scope.kind, one)
    stmt = _BUILT.get(key)
    if stmt is None:
        stmt = _BUILT[key] = build()
    return stmt


def _params(scope: Scope, **values: Any) -> dict[str, Any]:
    return {**scope.params, **values}


#: What the figures need of a plan (its texts can be long and are not read here).
_PLAN_FIGURES = (
    Plan.id,
    Plan.university_id,
    Plan.status,
    Plan.submission_due_on,
    Plan.first_submitted_at,
    Plan.in_annual_work_plan,
)


def year_figures(
    session: Session,
    scope: Scope,
    year: int,
    as_of: date,
    *,
    university_id: int | None = None,
    with_tasks: bool = True,
) -> YearFigures:
    """Five grouped queries, whatever the number of universities (four without the task counts: a university's
    dashboard counts its plan's tasks with ``plan_task_counts``)."""
    out = YearFigures(plans=plan_figures(session, scope, year, university_id=university_id))
    if with_tasks:
        _task_figures(session, scope, year, as_of, university_id, out)
    _milestone_and_resource_figures(session, scope, year, as_of, university_id, out)
    return out


def plan_figures(
    session: Session, scope: Scope, year: int, *, university_id: int | None = None
) -> dict[int, PlanFigures]:
    """Each visible university's plan of the year (its columns in ``_PLAN_FIGURES``), by university."""
    stmt = _built(
        "plans",
        scope,
        university_id is not None,
        lambda: select(*_PLAN_FIGURES).where(
            Plan.year == YEAR,
            plan_visible(scope, Plan.university_id, bound=True),
            _uni_filter(Plan.university_id, university_id),
        ),
    )
    rows = session.connection().execute(stmt, _params(scope, year=year, university_id=university_id))
    return {plan.university_id: plan for plan in rows}


def _task_figures(
    session: Session, scope: Scope, year: int, as_of: date, university_id: int | None, out: YearFigures
) -> None:
    stmt = _built(
        "tasks",
        scope,
        university_id is not None,
        lambda: (
            select(
                Task.university_id,
                Task.category,
                func.count(),
                func.count().filter(Task.status == DONE),
                func.count().filter(task_overdue(AS_OF)),
            )
            .join(Plan, Plan.id == Task.plan_id)
            .where(Plan.year == YEAR, task_visible(scope, bound=True), _uni_filter(Task.university_id, university_id))
            .group_by(Task.university_id, Task.category)
        ),
    )
    task_rows = session.connection().execute(stmt, _params(scope, year=year, as_of=as_of, university_id=university_id))
    for uni, cat, total, done, overdue in task_rows:
        out.tasks.setdefault(uni, {})[cat] = Counts(int(total), int(done), int(overdue))


def _milestone_and_resource_figures(
    session: Session, scope: Scope, year: int, as_of: date, university_id: int | None, out: YearFigures
) -> None:
    out.milestones = milestone_figures(session, scope, year, as_of, university_id=university_id)

    one = university_id is not None
    params = _params(scope, year=year, university_id=university_id)
    ws_stmt = _built(
        "work_study",
        scope,
        one,
        lambda: select(WorkStudyPosts).where(
            WorkStudyPosts.year == YEAR,
            plan_visible(scope, WorkStudyPosts.university_id, bound=True),
            _uni_filter(WorkStudyPosts.university_id, university_id),
        ),
    )
    for ws in session.scalars(ws_stmt, params):
        out.work_study[ws.university_id] = ws

    fund_stmt = _built(
        "funding",
        scope,
        one,
        lambda: (
            select(
                FundingLine.university_id,
                FundingLine.kind,
                func.count(),
                func.coalesce(func.sum(FundingLine.planned_amount), 0),
                func.coalesce(func.sum(FundingLine.spent_amount), 0),
            )
            .where(
                FundingLine.year == YEAR,
                plan_visible(scope, FundingLine.university_id, bound=True),
                _uni_filter(FundingLine.university_id, university_id),
            )
            .group_by(FundingLine.university_id, FundingLine.kind)
        ),
    )
    fund_rows = session.connection().execute(fund_stmt, params)
    for uni, kind, lines, planned, spent in fund_rows:
        f = out.funding.setdefault(uni, Funding())
        if kind == FundingKind.SPECIAL_FUND:
            f.special_planned, f.special_spent, f.special_lines = Decimal(planned), Decimal(spent), int(lines)
        else:
            f.other_planned, f.other_spent = Decimal(planned), Decimal(spent)


# -- one university's dashboard ------------------------------------------------------------------------
@dataclass
class PlanTaskCounts:
    """A plan's visible tasks counted per category and per department, and the average percent per category."""

    by_category: dict[str, Counts] = field(default_factory=dict)
    by_department: list[tuple[int, Counts]] = field(default_factory=list)
    percent_by_category: dict[str, float] = field(default_factory=dict)


def milestone_figures(
    session: Session, scope: Scope, year: int, as_of: date, *, university_id: int | None = None
) -> dict[int, MilestoneCounts]:
    """Each visible university's milestones of the year: total, done, overdue, due and done on time (one grouped
    query)."""
    out: dict[int, MilestoneCounts] = {}
    stmt = _built(
        "milestones",
        scope,
        university_id is not None,
        lambda: (
            select(
                Milestone.university_id,
                func.count(),
                func.count().filter(Milestone.status == DONE),
                func.count().filter(milestone_overdue(AS_OF)),
                func.count().filter(or_(Milestone.due_on <= AS_OF, Milestone.status == DONE)),
                func.count().filter(and_(Milestone.status == DONE, Milestone.completed_on <= Milestone.due_on)),
            )
            .where(
                Milestone.plan_id.in_(select(Plan.id).where(Plan.year == YEAR)),
                milestone_visible(scope, bound=True),
                _uni_filter(Milestone.university_id, university_id),
            )
            .group_by(Milestone.university_id)
        ),
    )
    ms_rows = session.connection().execute(stmt, _params(scope, year=year, as_of=as_of, university_id=university_id))
    for uni, total, done, overdue, due, on_time in ms_rows:
        out[uni] = MilestoneCounts(int(total), int(done), int(overdue), int(due), int(on_time))
    return out


def plan_task_counts(session: Session, scope: Scope, plan_id: int, as_of: date) -> PlanTaskCounts:
    """One grouped query (per category and department) for the dashboard's task counts per category and per
    department and its average percent per category: the plan's share of ``year_figures``' task counts (a
    university has one plan a year)."""
    stmt = _built(
        "plan_tasks",
        scope,
        True,
        lambda: (
            select(
                Task.category,
                Task.department_id,
                func.count(),
                func.count().filter(Task.status == DONE),
                func.count().filter(task_overdue(AS_OF)),
                func.coalesce(func.sum(Task.percent), 0),
            )
            .where(Task.plan_id == PLAN_ID, task_visible(scope, bound=True))
            .group_by(Task.category, Task.department_id)
        ),
    )
    rows = session.connection().execute(stmt, _params(scope, plan_id=plan_id, as_of=as_of))
    out = PlanTaskCounts()
    by_dept: dict[int, Counts] = {}
    percent_sum: dict[str, int] = {}
    for cat, dept, total, done, overdue, percents in rows:
        for c in (out.by_category.setdefault(cat, Counts()), by_dept.setdefault(dept, Counts())):
            c.total, c.done, c.overdue = c.total + int(total), c.done + int(done), c.overdue + int(overdue)
        percent_sum[cat] = percent_sum.get(cat, 0) + int(percents)
    out.by_department = sorted(by_dept.items())
    out.percent_by_category = {c: round(percent_sum[c] / n.total, 1) for c, n in out.by_category.items()}
    return out


#: What the dashboard lists of an open milestone and its task (plain rows: no ORM objects).
_OPEN_MILESTONE = (
    Milestone.id.label("milestone_id"),
    Milestone.title,
    Milestone.due_on,
    Milestone.status,
    Milestone.percent,
    Task.id.label("task_id"),
    Task.title.label("task_title"),
    Task.department_id,
)


def milestones_between(
    session: Session,
    scope: Scope,
    plan_id: int,
    *,
    overdue_as_of: date | None = None,
    due_from: date | None = None,
    due_to: date | None = None,
    limit: int = 200,
) -> list[Row[Any]]:
    """The plan's open milestones the scope sees (``_OPEN_MILESTONE``'s columns), by due day."""
    stmt = (
        select(*_OPEN_MILESTONE)
        .join(Task, Task.id == Milestone.task_id)
        .where(Task.plan_id == plan_id, task_visible(scope), Milestone.status != DONE)
    )
    if overdue_as_of is not None:
        stmt = stmt.where(milestone_overdue(overdue_as_of))
    if due_from is not None:
        stmt = stmt.where(Milestone.due_on >= due_from)
    if due_to is not None:
        stmt = stmt.where(Milestone.due_on <= due_to)
    return list(session.connection().execute(stmt.order_by(Milestone.due_on, Milestone.id).limit(limit)))


def open_milestones(
    session: Session, scope: Scope, plan_id: int, as_of: date, due_to: date, limit: int = 200
) -> tuple[list[Row[Any]], list[Row[Any]]]:
    """The dashboard's two lists, ``milestones_between(overdue_as_of=as_of)`` and ``milestones_between(due_from=
    as_of, due_to=due_to)``, in one query: both are the open milestones due by ``due_to``, split at ``as_of``
    (the overdue ones sort first). Only when more than ``limit`` are overdue does the second list need its own.
    Plain rows of ``_OPEN_MILESTONE``, by a statement built once per scope kind (and limit)."""
    stmt = _built(
        f"open_milestones_{limit}",
        scope,
        True,
        lambda: (
            select(*_OPEN_MILESTONE)
            .join(Task, Task.id == Milestone.task_id)
            .where(
                Task.plan_id == PLAN_ID,
                task_visible(scope, bound=True),
                Milestone.status != DONE,
                Milestone.due_on <= bindparam("due_to", type_=Date),
            )
            .order_by(Milestone.due_on, Milestone.id)
            .limit(2 * limit + 1)
        ),
    )
    rows = list(session.connection().execute(stmt, _params(scope, plan_id=plan_id, due_to=due_to)))
    overdue = [r for r in rows if r.due_on < as_of]
    soon = [r for r in rows if r.due_on >= as_of]
    if len(rows) > 2 * limit and len(overdue) > limit:
        soon = milestones_between(session, scope, plan_id, due_from=as_of, due_to=due_to, limit=limit)
    return overdue[:limit], soon[:limit]


def letter_counts(session: Session, scope: Scope, plan_id: int) -> dict[str, int]:
    L = ResponsibilityLetter
    stmt = _built(
        "letters",
        scope,
        True,
        lambda: (
            select(L.status, func.count())
            .where(
                L.plan_id == PLAN_ID,
                scope.bound(university=L.__table__.c.university_id, department=L.__table__.c.department_id),
            )
            .group_by(L.status)
        ),
    )
    return {s: int(n) for s, n in session.connection().execute(stmt, _params(scope, plan_id=plan_id))}


def plan_tasks_with_milestones(session: Session, scope: Scope, plan_id: int) -> list[tuple[Task, Milestone | None]]:
    """For the plan export: every visible task with each of its milestones (one row per pair)."""
    return [
        (t, m)
        for t, m in session.execute(
            select(Task, Milestone)
            .outerjoin(Milestone, Milestone.task_id == Task.id)
            .where(Task.plan_id == plan_id, task_visible(scope))
            .order_by(Task.sort_order, Task.id, Milestone.seq, Milestone.id)
        )
    ]


def latest_overdue_milestones(
    session: Session, scope: Scope, year: int, as_of: date, limit: int
) -> list[tuple[Milestone, str]]:
    """The province's most recently overdue milestones of a year (the big screen's alerts), with their task's
    title: one query, a top-N sort of the overdue ones."""
    stmt = (
        select(Milestone, Task.title)
        .join(Task, Task.id == Milestone.task_id)
        .where(
            Milestone.plan_id.in_(select(Plan.id).where(Plan.year == year)),
            milestone_overdue(as_of),
            milestone_visible(scope),
        )
        .order_by(Milestone.due_on.desc(), Milestone.id.desc())
        .limit(limit)
    )
    return [(m, title) for m, title in session.execute(stmt)]
