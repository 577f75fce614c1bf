"""Campaign queries. Campaigns are public calls: every person sees them once they leave the draft phase."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session

from evaluation.campaigns.models import (
    Campaign,
    CampaignCategory,
    CampaignPhaseDate,
    CampaignType,
    RubricCriterion,
)
from evaluation.nominations.models import Nomination
from evaluation.review.models import Assignment
from sanquan_kernel.principal import Scope


def visible(scope: Scope) -> Select[tuple[Campaign]]:
    stmt = select(Campaign)
    return stmt if scope.is_all else stmt.where(Campaign.phase != "draft")


def get(session: Session, scope: Scope, campaign_id: int) -> Campaign | None:
    return session.scalar(visible(scope).where(Campaign.id == campaign_id))


def get_for_update(session: Session, campaign_id: int) -> Campaign | None:
    return session.get(Campaign, campaign_id, with_for_update=not _sqlite(session))


def _sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def list_stmt(scope: Scope, *, year: int | None, type_code: str | None, phase: str | None) -> Select[tuple[Campaign]]:
    stmt = visible(scope)
    if year is not None:
        stmt = stmt.where(Campaign.year == year)
    if type_code is not None:
        stmt = stmt.where(Campaign.type_code == type_code)
    if phase is not None:
        stmt = stmt.where(Campaign.phase == phase)
    return stmt.order_by(Campaign.year.desc(), Campaign.id.desc())


def phases(session: Session, campaign_ids: Sequence[int]) -> dict[int, list[CampaignPhaseDate]]:
    out: dict[int, list[CampaignPhaseDate]] = {i: [] for i in campaign_ids}
    for p in session.scalars(
        select(CampaignPhaseDate)
        .where(CampaignPhaseDate.campaign_id.in_(campaign_ids))
        .order_by(CampaignPhaseDate.starts_on, CampaignPhaseDate.id)
    ):
        out[p.campaign_id].append(p)
    return out


def categories(session: Session, campaign_ids: Sequence[int]) -> dict[int, list[CampaignCategory]]:
    out: dict[int, list[CampaignCategory]] = {i: [] for i in campaign_ids}
    for c in session.scalars(
        select(CampaignCategory).where(CampaignCategory.campaign_id.in_(campaign_ids)).order_by(CampaignCategory.id)
    ):
        out[c.campaign_id].append(c)
    return out


def replace_phases(session: Session, campaign_id: int, rows: list[CampaignPhaseDate]) -> None:
    session.execute(delete(CampaignPhaseDate).where(CampaignPhaseDate.campaign_id == campaign_id))
    session.add_all(rows)


def replace_categories(session: Session, campaign_id: int, rows: list[CampaignCategory]) -> None:
    session.execute(delete(CampaignCategory).where(CampaignCategory.campaign_id == campaign_id))
    session.add_all(rows)


def criteria(session: Session, campaign_id: int) -> list[RubricCriterion]:
    return list(
        session.scalars(
            select(RubricCriterion).where(RubricCriterion.campaign_id == campaign_id).order_by(RubricCriterion.position)
        )
    )


def replace_criteria(session: Session, campaign_id: int, rows: list[RubricCriterion]) -> None:
    session.execute(delete(RubricCriterion).where(RubricCriterion.campaign_id == campaign_id))
    session.flush()
    session.add_all(rows)
    session.flush()


def custom_types(session: Session) -> list[CampaignType]:
    return list(session.scalars(select(CampaignType).order_by(CampaignType.code)))


def custom_type(session: Session, code: str) -> CampaignType | None:
    return session.get(CampaignType, code)


def custom_subject_kinds(session: Session, codes: Iterable[str]) -> dict[str, str]:
    """code → subject kind of the custom types among ``codes``."""
    rows = session.execute(
        select(CampaignType.code, CampaignType.subject_kind).where(CampaignType.code.in_(sorted(codes)))
    )
    return {code: kind for code, kind in rows}


def submitted_count(session: Session, campaign_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Nomination)
            .where(Nomination.campaign_id == campaign_id, Nomination.status == "submitted")
        )
        or 0
    )


def unscored_submitted_count(session: Session, campaign_id: int) -> int:
    """Submitted nominations without a single complete score sheet."""
    scored = select(Assignment.nomination_id).where(
        Assignment.campaign_id == campaign_id, Assignment.complete.is_(True)
    )
    return (
        session.scalar(
            select(func.count())
            .select_from(Nomination)
            .where(
                Nomination.campaign_id == campaign_id, Nomination.status == "submitted", Nomination.id.not_in(scored)
            )
        )
        or 0
    )
