"""Every query of supervision (issue #19). Findings and rectifications carry their university and department, so
the kernel's scope is a plain equality on them: a university sees its own, a department manager the ones naming
their department, the province (and its inspector) everything."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, and_, delete, func, select
from sqlalchemy.orm import Session

from plans.supervision.models import Finding, Rectification, SupervisionVisit, VisitUniversity
from plans.vocabulary import RectificationStatus
from sanquan_kernel.principal import Scope

CLOSED = RectificationStatus.CLOSED.value


def _finding_scope(scope: Scope) -> object:
    return scope.where(university=Finding.university_id, department=Finding.department_id)


def visits_stmt(*, year: int | None, university_id: int | None) -> Select[tuple[SupervisionVisit]]:
    stmt = select(SupervisionVisit)
    if year is not None:
        stmt = stmt.where(SupervisionVisit.year == year)
    if university_id is not None:
        stmt = stmt.where(
            SupervisionVisit.id.in_(
                select(VisitUniversity.visit_id).where(VisitUniversity.university_id == university_id)
            )
        )
    return stmt.order_by(SupervisionVisit.visited_on.desc(), SupervisionVisit.id.desc())


def universities_of(session: Session, visit_ids: list[int]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {v: [] for v in visit_ids}
    if visit_ids:
        rows = session.execute(
            select(VisitUniversity.visit_id, VisitUniversity.university_id)
            .where(VisitUniversity.visit_id.in_(visit_ids))
            .order_by(VisitUniversity.university_id)
        )
        for v, u in rows:
            out[v].append(u)
    return out


def set_universities(session: Session, visit: SupervisionVisit, university_ids: list[int]) -> None:
    current = set(universities_of(session, [visit.id])[visit.id])
    wanted = set(university_ids)
    gone = current - wanted
    if gone:
        session.execute(
            delete(VisitUniversity).where(
                VisitUniversity.visit_id == visit.id, VisitUniversity.university_id.in_(sorted(gone))
            )
        )
    for u in sorted(wanted - current):
        session.add(VisitUniversity(visit_id=visit.id, university_id=u))
    session.flush()


def get_visit(session: Session, visit_id: int) -> SupervisionVisit | None:
    return session.get(SupervisionVisit, visit_id)


def visit_counts(session: Session, visit_ids: list[int]) -> dict[int, tuple[int, int]]:
    """visit id → (findings, rectifications not closed)."""
    if not visit_ids:
        return {}
    rows = session.execute(
        select(
            Finding.visit_id,
            func.count(Finding.id),
            func.count(Rectification.id).filter(Rectification.status != CLOSED),
        )
        .join(Rectification, Rectification.finding_id == Finding.id)
        .where(Finding.visit_id.in_(visit_ids))
        .group_by(Finding.visit_id)
    )
    return {v: (int(n), int(o)) for v, n, o in rows}


def findings_of_visit(session: Session, visit_id: int) -> list[tuple[Finding, Rectification]]:
    rows = session.execute(
        select(Finding, Rectification)
        .join(Rectification, Rectification.finding_id == Finding.id)
        .where(Finding.visit_id == visit_id)
        .order_by(Finding.id)
    )
    return [(f, r) for f, r in rows]


def get_finding(session: Session, scope: Scope, finding_id: int) -> tuple[Finding, Rectification] | None:
    row = session.execute(
        select(Finding, Rectification)
        .join(Rectification, Rectification.finding_id == Finding.id)
        .where(Finding.id == finding_id, _finding_scope(scope))  # type: ignore[arg-type]
    ).first()
    return (row[0], row[1]) if row else None


def get_rectification(session: Session, scope: Scope, rectification_id: int) -> Rectification | None:
    return session.scalar(
        select(Rectification).where(
            Rectification.id == rectification_id,
            scope.where(university=Rectification.university_id, department=Rectification.department_id),
        )
    )


def rectifications_stmt(
    scope: Scope,
    *,
    today: date,
    year: int | None = None,
    university_id: int | None = None,
    status: str | None = None,
    overdue: bool | None = None,
    visit_id: int | None = None,
) -> Select[tuple[Rectification]]:
    stmt = (
        select(Rectification)
        .join(Finding, Finding.id == Rectification.finding_id)
        .where(scope.where(university=Rectification.university_id, department=Rectification.department_id))
    )
    if year is not None:
        stmt = stmt.where(Rectification.year == year)
    if university_id is not None:
        stmt = stmt.where(Rectification.university_id == university_id)
    if status is not None:
        stmt = stmt.where(Rectification.status == status)
    if visit_id is not None:
        stmt = stmt.where(Finding.visit_id == visit_id)
    late = and_(Rectification.status != CLOSED, Rectification.due_on < today)
    if overdue is True:
        stmt = stmt.where(late)
    elif overdue is False:
        stmt = stmt.where(~late)
    return stmt.order_by(Rectification.due_on, Rectification.id)


def with_context(session: Session, rects: list[Rectification]) -> list[tuple[Rectification, Finding, SupervisionVisit]]:
    """Each rectification with its finding and visit (two queries for a page)."""
    findings = {f.id: f for f in session.scalars(select(Finding).where(Finding.id.in_([r.finding_id for r in rects])))}
    visits = {
        v.id: v
        for v in session.scalars(
            select(SupervisionVisit).where(SupervisionVisit.id.in_({f.visit_id for f in findings.values()}))
        )
    }
    return [(r, findings[r.finding_id], visits[findings[r.finding_id].visit_id]) for r in rects]


def overdue_not_escalated(session: Session, today: date) -> list[Rectification]:
    """Rectifications past their deadline, not closed, not yet escalated (the schedule's escalation job)."""
    return list(
        session.scalars(
            select(Rectification)
            .where(Rectification.status != CLOSED, Rectification.due_on < today, Rectification.escalated_at.is_(None))
            .order_by(Rectification.id)
        )
    )


@dataclass
class YearFigures:
    """Per university: visited in the year, findings by severity, rectifications due and closed on time."""

    visited: set[int] = field(default_factory=set)
    findings: dict[int, dict[str, int]] = field(default_factory=dict)
    due: dict[int, int] = field(default_factory=dict)
    on_time: dict[int, int] = field(default_factory=dict)


def year_figures(session: Session, scope: Scope, year: int, as_of: date, university_id: int | None) -> YearFigures:
    fig = YearFigures()
    fig.visited = set(
        session.scalars(
            select(VisitUniversity.university_id)
            .join(SupervisionVisit, SupervisionVisit.id == VisitUniversity.visit_id)
            .where(SupervisionVisit.year == year)
        )
    )
    f_stmt = (
        select(Finding.university_id, Finding.severity, func.count(Finding.id))
        .where(Finding.year == year, scope.where(university=Finding.university_id))
        .group_by(Finding.university_id, Finding.severity)
    )
    r_stmt = select(Rectification).where(
        Rectification.year == year, Rectification.due_on <= as_of, scope.where(university=Rectification.university_id)
    )
    if university_id is not None:
        f_stmt = f_stmt.where(Finding.university_id == university_id)
        r_stmt = r_stmt.where(Rectification.university_id == university_id)
    for uid, severity, n in session.execute(f_stmt):
        fig.visited.add(uid)
        fig.findings.setdefault(uid, {})[severity] = int(n)
    for r in session.scalars(r_stmt):
        fig.due[r.university_id] = fig.due.get(r.university_id, 0) + 1
        if r.status == CLOSED and r.closed_on is not None and r.closed_on <= r.due_on:
            fig.on_time[r.university_id] = fig.on_time.get(r.university_id, 0) + 1
    if university_id is not None:
        fig.visited &= {university_id}
    elif not scope.is_all:
        fig.visited = {u for u in fig.visited if scope.covers_org(u)}
    return fig
