"""Queries of the decided ranking, objections and pilots."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import Select, delete, func, or_, select
from sqlalchemy.orm import Session

from evaluation.nominations.models import Nomination
from evaluation.results.models import Objection, PilotUniversity, ResultEntry
from sanquan_kernel.principal import Scope


class NominationBrief(NamedTuple):
    """What a ranking row shows of a nomination (columns only: a ranking reads a thousand of them)."""

    id: int
    title: str
    university_id: int
    department_id: int | None
    subject_name: str | None
    category: str | None


def submitted_nominations(session: Session, campaign_id: int) -> dict[int, NominationBrief]:
    rows = session.connection().execute(  # Core rows: no ORM row processing on a hot path
        select(
            Nomination.id,
            Nomination.title,
            Nomination.university_id,
            Nomination.department_id,
            Nomination.subject_name,
            Nomination.category,
        ).where(Nomination.campaign_id == campaign_id, Nomination.status == "submitted")
    )
    return {r[0]: NominationBrief(*r) for r in rows}


def entries(session: Session, campaign_id: int, *, scope: Scope | None = None) -> list[ResultEntry]:
    """The decided ranking. With a ``scope`` that is not the province's: the awarded entries, which are
    public once published, and the caller's own university's or department's entries."""
    stmt = select(ResultEntry).where(ResultEntry.campaign_id == campaign_id)
    if scope is not None and not scope.is_all:
        stmt = stmt.where(
            or_(
                ResultEntry.awarded.is_(True),
                scope.where(university=ResultEntry.university_id, department=ResultEntry.department_id),
            )
        )
    return list(session.scalars(stmt.order_by(ResultEntry.rank == 0, ResultEntry.rank, ResultEntry.nomination_id)))


def replace_entries(session: Session, campaign_id: int, rows: list[ResultEntry]) -> None:
    session.execute(delete(ResultEntry).where(ResultEntry.campaign_id == campaign_id))
    session.add_all(rows)
    session.flush()


def awarded_entry(session: Session, campaign_id: int, nomination_id: int) -> ResultEntry | None:
    return session.scalar(
        select(ResultEntry).where(
            ResultEntry.campaign_id == campaign_id,
            ResultEntry.nomination_id == nomination_id,
            ResultEntry.awarded.is_(True),
        )
    )


def objections_stmt(scope: Scope, campaign_id: int) -> Select[tuple[Objection]]:
    return (
        select(Objection)
        .where(Objection.campaign_id == campaign_id, scope.where(university=Objection.university_id))
        .order_by(Objection.id)
    )


def objection(session: Session, scope: Scope, objection_id: int) -> Objection | None:
    return session.scalar(
        select(Objection).where(Objection.id == objection_id, scope.where(university=Objection.university_id))
    )


def open_objections(session: Session, campaign_id: int) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Objection)
            .where(Objection.campaign_id == campaign_id, Objection.status == "open")
        )
        or 0
    )


def pilots_stmt(year: int | None, university_id: int | None) -> Select[tuple[PilotUniversity]]:
    stmt = select(PilotUniversity)
    if year is not None:
        stmt = stmt.where(PilotUniversity.year == year)
    if university_id is not None:
        stmt = stmt.where(PilotUniversity.university_id == university_id)
    return stmt.order_by(PilotUniversity.year, PilotUniversity.university_id)


def existing_pilots(session: Session, university_ids: list[int], years: list[int]) -> set[tuple[int, int]]:
    rows = session.execute(
        select(PilotUniversity.university_id, PilotUniversity.year).where(
            PilotUniversity.university_id.in_(university_ids), PilotUniversity.year.in_(years)
        )
    )
    return {(u, y) for u, y in rows}
