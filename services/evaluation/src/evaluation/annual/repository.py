"""Every query of the annual summaries: a university's administrator sees its own, the province (and its
inspector) every one."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from evaluation.annual.models import AnnualSummary
from evaluation.cases.models import TypicalCase
from evaluation.results.models import PilotUniversity
from sanquan_kernel.principal import Scope


def summaries_stmt(
    scope: Scope, *, year: int | None, status: str | None, university_id: int | None
) -> Select[tuple[AnnualSummary]]:
    stmt = select(AnnualSummary).where(scope.where(university=AnnualSummary.university_id))
    if year is not None:
        stmt = stmt.where(AnnualSummary.year == year)
    if status is not None:
        stmt = stmt.where(AnnualSummary.status == status)
    if university_id is not None:
        stmt = stmt.where(AnnualSummary.university_id == university_id)
    return stmt.order_by(AnnualSummary.year.desc(), AnnualSummary.university_id)


def get(session: Session, scope: Scope, summary_id: int) -> AnnualSummary | None:
    return session.scalar(
        select(AnnualSummary).where(AnnualSummary.id == summary_id, scope.where(university=AnnualSummary.university_id))
    )


def of(session: Session, year: int, university_id: int) -> AnnualSummary | None:
    return session.scalar(
        select(AnnualSummary).where(AnnualSummary.year == year, AnnualSummary.university_id == university_id)
    )


def status_counts(session: Session, year: int) -> dict[str, int]:
    rows = session.execute(
        select(AnnualSummary.status, func.count()).where(AnnualSummary.year == year).group_by(AnnualSummary.status)
    )
    return {s: int(n) for s, n in rows}


def accepted(session: Session, year: int) -> list[AnnualSummary]:
    return list(
        session.scalars(
            select(AnnualSummary)
            .where(AnnualSummary.year == year, AnnualSummary.status == "accepted")
            .order_by(AnnualSummary.university_id)
        )
    )


def pilots(session: Session, year: int) -> list[int]:
    return list(
        session.scalars(
            select(PilotUniversity.university_id)
            .where(PilotUniversity.year == year)
            .order_by(PilotUniversity.university_id)
        )
    )


def published_cases(session: Session, year: int) -> list[TypicalCase]:
    return list(
        session.scalars(
            select(TypicalCase)
            .where(TypicalCase.year == year, TypicalCase.published.is_(True))
            .order_by(TypicalCase.category, TypicalCase.id)
        )
    )
