"""Queries on self-reports, seen through the staff member's current place in the register."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from sanquan_kernel.pagination import PageParams, paginate
from sanquan_kernel.principal import Scope
from training.self_reports.models import SelfReport
from training.staff import repository as staff_repository
from training.staff.models import Staff


def _scoped(scope: Scope) -> Select[tuple[SelfReport]]:
    return select(SelfReport).join(Staff, Staff.id == SelfReport.staff_id).where(staff_repository.visible(scope))


def get(session: Session, scope: Scope, report_id: int) -> SelfReport | None:
    return session.scalar(_scoped(scope).where(SelfReport.id == report_id))


def list_page(
    session: Session, scope: Scope, page: PageParams, *, status: str | None, staff_id: int | None
) -> tuple[list[SelfReport], int]:
    stmt = _scoped(scope)
    if status is not None:
        stmt = stmt.where(SelfReport.status == status)
    if staff_id is not None:
        stmt = stmt.where(SelfReport.staff_id == staff_id)
    return paginate(session, stmt.order_by(SelfReport.submitted_at.desc(), SelfReport.id.desc()), page)
