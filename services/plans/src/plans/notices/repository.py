"""Every query on notices. Drafts are the province's own: everyone else sees issued notices only."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, Select, select, true
from sqlalchemy.orm import Session

from plans.notices.models import Notice, NoticeAcknowledgement, NoticeCorrection, NoticeExtension
from plans.notices.schemas import NoticeStatus
from sanquan_kernel.principal import PROVINCE_ROLES, Principal

ISSUED = NoticeStatus.ISSUED.value


def notice_visible(principal: Principal) -> ColumnElement[bool]:
    if principal.role in PROVINCE_ROLES:
        return true()
    return Notice.status == ISSUED


def get_notice(session: Session, principal: Principal, notice_id: int) -> Notice | None:
    return session.scalar(select(Notice).where(Notice.id == notice_id, notice_visible(principal)))


def list_stmt(principal: Principal, *, year: int | None, status: str | None) -> Select[tuple[Notice]]:
    stmt = select(Notice).where(notice_visible(principal))
    if year is not None:
        stmt = stmt.where(Notice.year == year)
    if status is not None:
        stmt = stmt.where(Notice.status == status)
    return stmt.order_by(Notice.year.desc(), Notice.id.desc())


def find_by_year(session: Session, year: int) -> Notice | None:
    return session.scalar(select(Notice).where(Notice.year == year))


def issued_notice(session: Session, year: int) -> Notice | None:
    return session.scalar(select(Notice).where(Notice.year == year, Notice.status == ISSUED))


def acknowledgement(session: Session, notice_id: int, university_id: int) -> NoticeAcknowledgement | None:
    return session.scalar(
        select(NoticeAcknowledgement).where(
            NoticeAcknowledgement.notice_id == notice_id, NoticeAcknowledgement.university_id == university_id
        )
    )


def acknowledgements(session: Session, notice_id: int) -> dict[int, NoticeAcknowledgement]:
    rows = session.scalars(select(NoticeAcknowledgement).where(NoticeAcknowledgement.notice_id == notice_id))
    return {a.university_id: a for a in rows}


def extension(session: Session, notice_id: int, university_id: int) -> NoticeExtension | None:
    return session.scalar(
        select(NoticeExtension).where(
            NoticeExtension.notice_id == notice_id, NoticeExtension.university_id == university_id
        )
    )


def extensions(session: Session, notice_id: int) -> dict[int, NoticeExtension]:
    rows = session.scalars(select(NoticeExtension).where(NoticeExtension.notice_id == notice_id))
    return {e.university_id: e for e in rows}


def corrections(session: Session, notice_id: int) -> list[NoticeCorrection]:
    stmt = select(NoticeCorrection).where(NoticeCorrection.notice_id == notice_id).order_by(NoticeCorrection.id)
    return list(session.scalars(stmt))


def year_deadlines(session: Session, year: int) -> tuple[date | None, dict[int, date]]:
    """The issued notice's plan deadline of the year (None: no notice issued) and the extended ones by university."""
    notice = issued_notice(session, year)
    if notice is None:
        return None, {}
    rows = session.execute(
        select(NoticeExtension.university_id, NoticeExtension.due_on).where(NoticeExtension.notice_id == notice.id)
    )
    return notice.plan_due_on, {uid: due for uid, due in rows}
