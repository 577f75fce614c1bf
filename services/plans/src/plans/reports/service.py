"""Dashboards (P4: overdue work visible upward), the province overview and the indicators for the annual
assessment (E3 reads P1 approval, milestone completion, P5 special fund and P6 work-study ratio)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from plans.notices.service import Deadlines
from plans.plan.models import Plan
from plans.plan.service import approved_on_time
from plans.reports import export
from plans.reports import repository as repo
from plans.reports.schemas import (
    DepartmentStat,
    FundingStat,
    IndicatorItem,
    Indicators,
    LetterStat,
    MilestoneItem,
    PlanState,
    ProvinceOverview,
    ProvinceScreen,
    UniversityDashboard,
)
from plans.resources import repository as resources_repo
from plans.resources.service import work_study_ok, work_study_out, work_study_ratio
from plans.vocabulary import Category, PlanStatus
from sanquan_kernel.clock import today
from sanquan_kernel.orgdir import OrgDirectory
from sanquan_kernel.principal import Scope

_CATEGORIES = [c.value for c in Category]


def _rate(part: int | Decimal, whole: int | Decimal) -> float:
    return round(float(part) / float(whole), 4) if whole else 0.0


def _status(plan: repo.PlanFigures | None) -> PlanState:
    if plan is None:
        return "not_started"
    state: PlanState = PlanStatus(plan.status).value
    return state


# The overview has ~1,500 small objects: they are built as plain dicts and validated once, in one call to
# pydantic's core (building each model in Python, even with ``model_construct``, cost ~40 ms).
def _category_stats(by_cat: dict[str, repo.Counts], percents: dict[str, float] | None = None) -> list[dict[str, Any]]:
    return [
        {
            "category": c,
            "total": n.total,
            "done": n.done,
            "overdue": n.overdue,
            "completion_rate": _rate(n.done, n.total),
            "average_percent": (percents or {}).get(c),
        }
        for c in _CATEGORIES
        if (n := by_cat.get(c)) is not None
    ]


def _sum_counts(by_cat: dict[str, repo.Counts]) -> repo.Counts:
    return repo.Counts(
        sum(c.total for c in by_cat.values()),
        sum(c.done for c in by_cat.values()),
        sum(c.overdue for c in by_cat.values()),
    )


def province_overview(
    session: Session, scope: Scope, orgdir: OrgDirectory, year: int, *, figures: repo.YearFigures | None = None
) -> ProvinceOverview:
    """Every university of the org directory (not_started when it has no plan) and any with data.

    ``figures`` lets the benchmark feed figures gathered another way (one university at a time)."""
    as_of = today()
    fig = figures if figures is not None else repo.year_figures(session, scope, year, as_of)
    universities = {u.id: u for u in orgdir.fresh().universities(active_only=True)}
    ids = sorted(
        set(universities) | set(fig.plans) | set(fig.work_study) | set(fig.funding),
        key=lambda i: ((universities[i].code or "") if i in universities else "~", i),
    )
    rows: list[dict[str, Any]] = []
    by_status = {s: 0 for s in ("not_started", *[p.value for p in PlanStatus])}
    province_cat: dict[str, repo.Counts] = {}
    for uid in ids:
        plan = fig.plans.get(uid)
        by_cat = fig.tasks.get(uid, {})
        t = _sum_counts(by_cat)
        ms = fig.milestones.get(uid, repo.MilestoneCounts())
        ws = fig.work_study.get(uid)
        fund = fig.funding.get(uid, repo.Funding())
        for c, n in by_cat.items():
            agg = province_cat.setdefault(c, repo.Counts())
            agg.total, agg.done, agg.overdue = agg.total + n.total, agg.done + n.done, agg.overdue + n.overdue
        by_status[_status(plan)] += 1
        org = universities.get(uid)
        rows.append(
            {
                "university_id": uid,
                "university_name": org.name if org else orgdir.name(uid),
                "university_code": org.code if org else None,
                "plan_id": plan.id if plan else None,
                "plan_status": _status(plan),
                "tasks_total": t.total,
                "tasks_done": t.done,
                "tasks_overdue": t.overdue,
                "milestones_total": ms.total,
                "milestones_done": ms.done,
                "milestones_overdue": ms.overdue,
                "completion_rate": _rate(t.done, t.total),
                "by_category": _category_stats(by_cat),
                "total_posts": ws.total_posts if ws else None,
                "work_study_posts": ws.work_study_posts if ws else None,
                "work_study_ratio": work_study_ratio(ws.total_posts, ws.work_study_posts) if ws else None,
                "work_study_ok": work_study_ok(ws.total_posts, ws.work_study_posts) if ws else None,
                "special_fund_planned": float(fund.special_planned),
                "special_fund_spent": float(fund.special_spent),
            }
        )
    below = [r["university_id"] for r in rows if r["work_study_ok"] is False]
    totals = {
        "universities": len(rows),
        "by_status": by_status,
        "tasks_total": sum(r["tasks_total"] for r in rows),
        "tasks_done": sum(r["tasks_done"] for r in rows),
        "tasks_overdue": sum(r["tasks_overdue"] for r in rows),
        "milestones_overdue": sum(r["milestones_overdue"] for r in rows),
        "universities_with_overdue": sum(1 for r in rows if r["tasks_overdue"] or r["milestones_overdue"]),
        "work_study_below_minimum": len(below),
    }
    return ProvinceOverview.model_validate(
        {
            "year": year,
            "as_of": as_of,
            "totals": totals,
            "completion_by_category": _category_stats(province_cat),
            "work_study_below_minimum": below,
            "rows": rows,
        }
    )


def province_screen(session: Session, scope: Scope, orgdir: OrgDirectory, year: int, alerts: int) -> ProvinceScreen:
    """The province's big screen (#17): per university its city, plan status and roadmap (P4), and the latest
    overdue milestones. The overview's plan and milestone queries (no task, category or funding figures) and one
    top-N query for the alerts: three queries for any number of universities."""
    as_of = today()
    plans = repo.plan_figures(session, scope, year)
    milestones = repo.milestone_figures(session, scope, year, as_of)
    universities = {u.id: u for u in orgdir.fresh().universities(active_only=True)}
    ids = sorted(
        set(universities) | set(plans), key=lambda i: ((universities[i].code or "") if i in universities else "~", i)
    )
    by_status = {s: 0 for s in ("not_started", *[p.value for p in PlanStatus])}
    rows: list[dict[str, Any]] = []
    for uid in ids:
        status = _status(plans.get(uid))
        by_status[status] += 1
        ms = milestones.get(uid, repo.MilestoneCounts())
        org = universities.get(uid)
        rows.append(
            {
                "university_id": uid,
                "university_name": org.name if org else orgdir.name(uid),
                "city": org.city if org else None,
                "plan_status": status,
                "milestones_total": ms.total,
                "milestones_done": ms.done,
                "milestones_overdue": ms.overdue,
                "milestone_completion": _rate(ms.done, ms.total) if ms.total else None,
            }
        )
    items = [
        {
            "milestone_id": m.id,
            "title": m.title,
            "due_on": m.due_on,
            "days_overdue": (as_of - m.due_on).days,
            "task_title": task_title,
            "university_id": m.university_id,
            "university_name": orgdir.name(m.university_id),
            "department_name": orgdir.name(m.department_id),
        }
        for m, task_title in repo.latest_overdue_milestones(session, scope, year, as_of, alerts)
    ]
    totals = {
        "universities": len(rows),
        "by_status": by_status,
        "milestones_total": sum(r["milestones_total"] for r in rows),
        "milestones_done": sum(r["milestones_done"] for r in rows),
        "milestones_overdue": sum(r["milestones_overdue"] for r in rows),
        "universities_with_overdue": sum(1 for r in rows if r["milestones_overdue"]),
    }
    return ProvinceScreen.model_validate(
        {"year": year, "as_of": as_of, "totals": totals, "rows": rows, "alerts": items}
    )


def _milestone_item(row: Any, orgdir: OrgDirectory, as_of: date) -> MilestoneItem:
    """A row of ``repo.open_milestones`` (an open milestone with its task)."""
    return MilestoneItem(
        milestone_id=row.milestone_id,
        title=row.title,
        due_on=row.due_on,
        status=row.status,
        percent=row.percent,
        task_id=row.task_id,
        task_title=row.task_title,
        department_id=row.department_id,
        department_name=orgdir.name(row.department_id),
        days_overdue=max(0, (as_of - row.due_on).days),
    )


def university_dashboard(
    session: Session, scope: Scope, orgdir: OrgDirectory, university_id: int, year: int, due_within_days: int
) -> UniversityDashboard:
    """What one university sees (a department manager: their department's tasks within it)."""
    as_of = today()
    # The plan's tasks are counted once below (per category and department), not also by year_figures: a
    # university has one plan a year, and no tasks without one.
    fig = repo.year_figures(session, scope, year, as_of, university_id=university_id, with_tasks=False)
    plan = fig.plans.get(university_id)
    by_cat: dict[str, repo.Counts] = {}
    ms = fig.milestones.get(university_id, repo.MilestoneCounts())
    fund = fig.funding.get(university_id, repo.Funding())
    ws = fig.work_study.get(university_id)
    by_dept: list[DepartmentStat] = []
    soon: list[MilestoneItem] = []
    overdue: list[MilestoneItem] = []
    letters: dict[str, int] = {}
    percents: dict[str, float] = {}
    if plan is not None:
        counts = repo.plan_task_counts(session, scope, plan.id, as_of)
        by_cat, percents = counts.by_category, counts.percent_by_category
        by_dept = [
            DepartmentStat(
                department_id=d, department_name=orgdir.name(d), total=c.total, done=c.done, overdue=c.overdue
            )
            for d, c in counts.by_department
        ]
        late, due_soon = repo.open_milestones(
            session, scope, plan.id, as_of, due_to=as_of + timedelta(days=due_within_days)
        )
        soon = [_milestone_item(r, orgdir, as_of) for r in due_soon]
        overdue = [_milestone_item(r, orgdir, as_of) for r in late]
        letters = repo.letter_counts(session, scope, plan.id)
    t = _sum_counts(by_cat)
    return UniversityDashboard(
        year=year,
        as_of=as_of,
        university_id=university_id,
        university_name=orgdir.name(university_id),
        plan_id=plan.id if plan else None,
        plan_status=_status(plan),
        tasks_total=t.total,
        tasks_done=t.done,
        tasks_overdue=t.overdue,
        milestones_total=ms.total,
        milestones_done=ms.done,
        milestones_overdue=ms.overdue,
        by_category=_category_stats(by_cat, percents),
        by_department=by_dept,
        milestones_due_soon=soon,
        overdue_milestones=overdue,
        letters=LetterStat(
            total=sum(letters.values()),
            signed=letters.get("signed", 0),
            unsigned=letters.get("unsigned", 0),
            needs_resign=letters.get("needs_resign", 0),
        ),
        funding=FundingStat(
            special_fund_planned=float(fund.special_planned),
            special_fund_spent=float(fund.special_spent),
            other_planned=float(fund.other_planned),
            other_spent=float(fund.other_spent),
            special_fund_spent_rate=_rate(fund.special_spent, fund.special_planned),
        ),
        work_study=work_study_out(ws, orgdir) if ws else None,
    )


def indicators(session: Session, scope: Scope, year: int, university_id: int | None) -> Indicators:
    """One item per university with any plans data for the year; the rest are absent (the caller reads zeros).

    Milestones on time are judged at the end of the year (or today, during the year): a milestone counts as due
    when its due date has passed or it is done, and as on time when it was completed on or before its due date."""
    as_of = min(today(), date(year, 12, 31))
    fig = repo.year_figures(session, scope, year, as_of, university_id=university_id)
    deadlines = Deadlines(session)
    items: list[IndicatorItem] = []
    for uid in sorted(set(fig.plans) | set(fig.work_study) | set(fig.funding)):
        plan = fig.plans.get(uid)
        ms = fig.milestones.get(uid, repo.MilestoneCounts())
        ws = fig.work_study.get(uid)
        fund = fig.funding.get(uid, repo.Funding())
        total, posts = (ws.total_posts, ws.work_study_posts) if ws else (0, 0)
        items.append(
            IndicatorItem(
                university_id=uid,
                plan_status=_status(plan),
                plan_approved=_status(plan) == "approved",
                plan_approved_on_time=approved_on_time(plan, deadlines.plan_due_on(uid, year)) if plan else False,
                in_annual_work_plan=bool(plan and plan.in_annual_work_plan),
                milestones_total=ms.total,
                milestones_due=ms.due,
                milestones_done_on_time=ms.done_on_time,
                milestone_on_time_rate=_rate(ms.done_on_time, ms.due),
                total_posts=total,
                work_study_posts=posts,
                work_study_ratio=work_study_ratio(total, posts),
                work_study_ok=work_study_ok(total, posts),
                special_fund_set_up=fund.special_lines > 0 and fund.special_planned > 0,
                special_fund_planned=float(fund.special_planned),
                special_fund_spent=float(fund.special_spent),
                special_fund_spent_rate=_rate(fund.special_spent, fund.special_planned),
            )
        )
    return Indicators(year=year, items=items)


def plan_export(session: Session, scope: Scope, orgdir: OrgDirectory, plan: Plan) -> bytes:
    """The plan as XLSX: the tasks the caller can see (a department manager: their department's), the roadmap,
    funding lines and work-study posts of the plan's year."""
    rows = repo.plan_tasks_with_milestones(session, scope, plan.id)
    funding = list(
        session.scalars(resources_repo.funding_stmt(scope, year=plan.year, university_id=plan.university_id, kind=None))
    )
    ws = session.scalars(
        resources_repo.work_study_stmt(scope, year=plan.year, university_id=plan.university_id)
    ).first()
    return export.plan_workbook(plan, rows, funding, ws, orgdir)
