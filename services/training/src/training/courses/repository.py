"""Queries on courses and enrolments. A province course is open to everyone; a university course to that
university; a department course to that department (and its university's admins)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import ColumnElement, and_, func, or_, select, true
from sqlalchemy.orm import Session

from sanquan_kernel.pagination import PageParams, paginate
from sanquan_kernel.principal import Scope
from training.courses.models import Course, Enrolment
from training.staff import repository as staff_repository
from training.staff.models import Staff


def visible(scope: Scope) -> ColumnElement[bool]:
    if scope.is_all:
        return true()
    own_university_course = and_(Course.university_id == scope.university_id, Course.department_id.is_(None))
    return or_(
        Course.university_id.is_(None),
        own_university_course,
        scope.where(university=Course.university_id, department=Course.department_id),
    )


def get(session: Session, scope: Scope, course_id: int) -> Course | None:
    return session.scalar(select(Course).where(Course.id == course_id, visible(scope)))


def list_page(session: Session, scope: Scope, page: PageParams, year: int | None) -> tuple[list[Course], int]:
    stmt = select(Course).where(visible(scope))
    if year is not None:
        stmt = stmt.where(Course.starts_on.between(date(year, 1, 1), date(year, 12, 31)))
    return paginate(session, stmt.order_by(Course.starts_on.desc(), Course.id.desc()), page)


def enrolled_counts(session: Session, course_ids: Sequence[int]) -> dict[int, int]:
    if not course_ids:
        return {}
    rows = session.execute(
        select(Enrolment.course_id, func.count(Enrolment.id))
        .where(Enrolment.course_id.in_(course_ids))
        .group_by(Enrolment.course_id)
    )
    return {cid: n for cid, n in rows}


def attended_counts(session: Session, course_ids: Sequence[int]) -> dict[int, int]:
    if not course_ids:
        return {}
    rows = session.execute(
        select(Enrolment.course_id, func.count(Enrolment.id))
        .where(Enrolment.course_id.in_(course_ids), Enrolment.attended.is_(True))
        .group_by(Enrolment.course_id)
    )
    return {cid: n for cid, n in rows}


def by_source(session: Session, source_ref: str) -> Course | None:
    return session.scalar(select(Course).where(Course.source_ref == source_ref))


def enrolments(
    session: Session, scope: Scope, course_id: int, staff_ids: Sequence[int] | None = None
) -> list[Enrolment]:
    """The enrolments of staff the caller can see (a department manager sees their own people only)."""
    stmt = (
        select(Enrolment)
        .join(Staff, Staff.id == Enrolment.staff_id)
        .where(Enrolment.course_id == course_id, staff_repository.visible(scope))
    )
    if staff_ids is not None:
        stmt = stmt.where(Enrolment.staff_id.in_(staff_ids))
    return list(session.scalars(stmt.order_by(Staff.employee_no, Enrolment.id)))


def visible_staff(session: Session, scope: Scope, staff_ids: Sequence[int]) -> list[Staff]:
    return list(session.scalars(select(Staff).where(Staff.id.in_(staff_ids), staff_repository.visible(scope))))
