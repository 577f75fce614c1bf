"""``GET /api/plans/annual-figures``: what the annual summaries (年度总结) and the province's annual report take from
plans (issue #19, Y3): per university of a year, task and milestone completion by category (P3), overdue
milestones (P4) and the rectifications (Y2). Read by the province, its inspector and the evaluation service
(``plans:indicators``), which puts them beside training's and its own figures."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, Field
from sqlalchemy import case, func, select

from plans.deps import IndicatorReader, only
from plans.plan.models import Plan
from plans.supervision.models import Rectification
from plans.tasks.models import Milestone, Task
from plans.vocabulary import RectificationStatus, WorkStatus
from sanquan_kernel.clock import today
from sanquan_kernel.db import SessionDep
from sanquan_kernel.routing import ServiceRouter

router = ServiceRouter(tags=["annual"])

DONE = WorkStatus.DONE.value
CLOSED = RectificationStatus.CLOSED.value


class CategoryFigures(BaseModel):
    category: str
    tasks: int
    tasks_done: int
    milestones: int
    milestones_done: int
    completion: float | None = Field(description="milestones done / milestones (tasks when none); null with none")


class AnnualFiguresItem(BaseModel):
    university_id: int
    plan_status: str | None
    categories: list[CategoryFigures]
    milestones: int
    milestones_done: int
    milestones_overdue: int = Field(description="not done and past the due date (as of the year's end or today)")
    completion: float | None
    rectifications: int
    rectifications_closed: int
    rectifications_open: int


class AnnualFigures(BaseModel):
    year: int
    as_of: date
    items: list[AnnualFiguresItem]


def _rate(done: int, total: int) -> float | None:
    return round(done / total, 4) if total else None


@router.get(
    "/annual-figures",
    response_model=AnnualFigures,
    dependencies=[only(IndicatorReader)],
    summary="Per university of a year: completion by task category, overdue milestones, rectifications",
)
def annual_figures(
    session: SessionDep,
    year: Annotated[int, Query(ge=2000, le=2100)],
    university_id: Annotated[int | None, Query()] = None,
) -> AnnualFigures:
    as_of = min(today(), date(year, 12, 31))
    plans = select(Plan.id, Plan.university_id, Plan.status).where(Plan.year == year)
    if university_id is not None:
        plans = plans.where(Plan.university_id == university_id)
    status = {u: s for _, u, s in session.execute(plans)}
    by: dict[int, dict[str, list[int]]] = {}  # university → category → [tasks, done, ms, ms done]
    overdue: dict[int, int] = {}
    t_stmt = (
        select(Task.university_id, Task.category, func.count(Task.id), func.count(case((Task.status == DONE, 1))))
        .join(Plan, Plan.id == Task.plan_id)
        .where(Plan.year == year)
        .group_by(Task.university_id, Task.category)
    )
    m_stmt = (
        select(
            Milestone.university_id,
            Task.category,
            func.count(Milestone.id),
            func.count(case((Milestone.status == DONE, 1))),
            func.count(case(((Milestone.status != DONE) & (Milestone.due_on < as_of), 1))),
        )
        .join(Task, Task.id == Milestone.task_id)
        .join(Plan, Plan.id == Milestone.plan_id)
        .where(Plan.year == year)
        .group_by(Milestone.university_id, Task.category)
    )
    if university_id is not None:
        t_stmt = t_stmt.where(Task.university_id == university_id)
        m_stmt = m_stmt.where(Milestone.university_id == university_id)
    for u, cat, n, done in session.execute(t_stmt):
        by.setdefault(u, {}).setdefault(cat, [0, 0, 0, 0])[0:2] = [n, done]
    for u, cat, n, done, late in session.execute(m_stmt):
        by.setdefault(u, {}).setdefault(cat, [0, 0, 0, 0])[2:4] = [n, done]
        overdue[u] = overdue.get(u, 0) + late
    r_stmt = (
        select(
            Rectification.university_id,
            func.count(Rectification.id),
            func.count(case((Rectification.status == CLOSED, 1))),
        )
        .where(Rectification.year == year)
        .group_by(Rectification.university_id)
    )
    if university_id is not None:
        r_stmt = r_stmt.where(Rectification.university_id == university_id)
    rect = {u: (n, c) for u, n, c in session.execute(r_stmt)}
    items = []
    for u in sorted({*status, *by, *rect}):
        cats = by.get(u, {})
        out = []
        for cat in sorted(cats):
            t, td, m, md = cats[cat]
            out.append(
                CategoryFigures(
                    category=cat,
                    tasks=t,
                    tasks_done=td,
                    milestones=m,
                    milestones_done=md,
                    completion=_rate(md, m) if m else _rate(td, t),
                )
            )
        ms, msd = sum(c[2] for c in cats.values()), sum(c[3] for c in cats.values())
        rn, rc = rect.get(u, (0, 0))
        items.append(
            AnnualFiguresItem(
                university_id=u,
                plan_status=status.get(u),
                categories=out,
                milestones=ms,
                milestones_done=msd,
                milestones_overdue=overdue.get(u, 0),
                completion=_rate(msd, ms),
                rectifications=rn,
                rectifications_closed=rc,
                rectifications_open=rn - rc,
            )
        )
    return AnnualFigures(year=year, as_of=as_of, items=items)
