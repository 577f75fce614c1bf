"""Assessment queries; scorecards and self-reported values are filtered through the caller's ``Scope``."""

from __future__ import annotations

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session

from evaluation.assessment.models import (
    Indicator,
    IndicatorFramework,
    Scorecard,
    ScorecardItem,
    SelfReportedValue,
)
from evaluation.campaigns.models import Campaign
from evaluation.results.models import ResultEntry
from sanquan_kernel.principal import Scope


def framework(session: Session, year: int) -> IndicatorFramework | None:
    return session.scalar(select(IndicatorFramework).where(IndicatorFramework.year == year))


def indicators(session: Session, framework_id: int) -> list[Indicator]:
    return list(
        session.scalars(select(Indicator).where(Indicator.framework_id == framework_id).order_by(Indicator.position))
    )


def replace_indicators(session: Session, framework_id: int, rows: list[Indicator]) -> None:
    session.execute(delete(Indicator).where(Indicator.framework_id == framework_id))
    session.flush()
    session.add_all(rows)
    session.flush()


def self_reports_stmt(scope: Scope, year: int) -> Select[tuple[SelfReportedValue]]:
    return (
        select(SelfReportedValue)
        .where(SelfReportedValue.year == year, scope.where(university=SelfReportedValue.university_id))
        .order_by(SelfReportedValue.university_id, SelfReportedValue.indicator_code)
    )


def self_report(session: Session, scope: Scope, report_id: int) -> SelfReportedValue | None:
    return session.scalar(
        select(SelfReportedValue).where(
            SelfReportedValue.id == report_id, scope.where(university=SelfReportedValue.university_id)
        )
    )


def self_report_for(session: Session, year: int, university_id: int, code: str) -> SelfReportedValue | None:
    return session.scalar(
        select(SelfReportedValue).where(
            SelfReportedValue.year == year,
            SelfReportedValue.university_id == university_id,
            SelfReportedValue.indicator_code == code,
        )
    )


def self_reports_of_year(session: Session, year: int) -> dict[tuple[int, str], SelfReportedValue]:
    return {
        (r.university_id, r.indicator_code): r
        for r in session.scalars(select(SelfReportedValue).where(SelfReportedValue.year == year))
    }


def final_campaigns(session: Session, year: int) -> int:
    """E2: campaigns of the year with final results (pilot selection excluded): the denominator of awards."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(Campaign)
            .where(Campaign.year == year, Campaign.phase == "final", Campaign.type_code != "pilot")
        )
        or 0
    )


def awards_won(session: Session, year: int) -> dict[int, int]:
    """E2: awarded nominations per university in final campaigns of the year (pilot selection excluded)."""
    rows = session.execute(
        select(ResultEntry.university_id, func.count())
        .join(Campaign, Campaign.id == ResultEntry.campaign_id)
        .where(
            Campaign.year == year,
            Campaign.phase == "final",
            Campaign.type_code != "pilot",
            ResultEntry.awarded.is_(True),
        )
        .group_by(ResultEntry.university_id)
    )
    return {u: int(n) for u, n in rows}


def scorecards_stmt(scope: Scope, year: int) -> Select[tuple[Scorecard]]:
    return select(Scorecard).where(Scorecard.year == year, scope.where(university=Scorecard.university_id))


def scorecard(session: Session, scope: Scope, year: int, university_id: int) -> Scorecard | None:
    return session.scalar(scorecards_stmt(scope, year).where(Scorecard.university_id == university_id))


def scorecard_any(session: Session, year: int, university_id: int) -> Scorecard | None:
    return session.scalar(select(Scorecard).where(Scorecard.year == year, Scorecard.university_id == university_id))


def items(session: Session, scorecard_ids: list[int]) -> dict[int, list[ScorecardItem]]:
    out: dict[int, list[ScorecardItem]] = {i: [] for i in scorecard_ids}
    for it in session.scalars(
        select(ScorecardItem).where(ScorecardItem.scorecard_id.in_(scorecard_ids)).order_by(ScorecardItem.position)
    ):
        out[it.scorecard_id].append(it)
    return out


def replace_items(session: Session, scorecard_id: int, rows: list[ScorecardItem]) -> None:
    session.execute(delete(ScorecardItem).where(ScorecardItem.scorecard_id == scorecard_id))
    session.add_all(rows)


def scorecards_stmt_all(year: int) -> Select[tuple[Scorecard]]:
    """Every scorecard of a year: for the ranking positions, never returned as such to a non-province caller."""
    return select(Scorecard).where(Scorecard.year == year)
