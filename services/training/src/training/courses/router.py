from __future__ import annotations

from typing import Annotated

from fastapi import Query

from sanquan_kernel.auth import CurrentScope
from sanquan_kernel.db import SessionDep
from sanquan_kernel.pagination import Page, PageDep
from sanquan_kernel.routing import ServiceRouter
from training.courses import repository, service
from training.courses.schemas import AttendanceResult, CourseCreate, CourseOut, EnrolmentOut, StaffIds
from training.deps import Organiser, Orgs, Reader

router = ServiceRouter(prefix="/courses", tags=["courses"])


@router.post("", response_model=CourseOut, status_code=201)
def create_course(body: CourseCreate, session: SessionDep, principal: Organiser, orgdir: Orgs) -> CourseOut:
    course = service.create(session, principal, orgdir, body)
    return service.to_out(course, orgdir, 0)


@router.get("", response_model=Page[CourseOut])
def list_courses(
    session: SessionDep,
    _: Reader,
    scope: CurrentScope,
    orgdir: Orgs,
    page: PageDep,
    year: Annotated[int | None, Query(ge=1900, le=2999)] = None,
) -> Page[CourseOut]:
    items, total = repository.list_page(session, scope, page, year)
    counts = repository.enrolled_counts(session, [c.id for c in items])
    return Page(
        items=[service.to_out(c, orgdir, counts.get(c.id, 0)) for c in items],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/{course_id}", response_model=CourseOut)
def get_course(course_id: int, session: SessionDep, _: Reader, scope: CurrentScope, orgdir: Orgs) -> CourseOut:
    course = service.get_or_404(session, scope, course_id)
    return service.to_out(course, orgdir, repository.enrolled_counts(session, [course_id]).get(course_id, 0))


@router.get("/{course_id}/enrolments", response_model=list[EnrolmentOut])
def list_enrolments(course_id: int, session: SessionDep, _: Reader, scope: CurrentScope) -> list[EnrolmentOut]:
    service.get_or_404(session, scope, course_id)
    return service.enrolment_outs(session, repository.enrolments(session, scope, course_id))


@router.post("/{course_id}/enrolments", response_model=list[EnrolmentOut])
def enrol_staff(
    course_id: int, body: StaffIds, session: SessionDep, principal: Organiser, scope: CurrentScope
) -> list[EnrolmentOut]:
    """Enrol staff the caller can see; people already enrolled are left as they are."""
    return service.enrolment_outs(session, service.enrol(session, principal, scope, course_id, body.staff_ids))


@router.post("/{course_id}/attendance", response_model=AttendanceResult)
def record_attendance(
    course_id: int, body: StaffIds, session: SessionDep, principal: Organiser, scope: CurrentScope
) -> AttendanceResult:
    """Tick who attended: their ledger records are made in the same transaction."""
    return service.attend(session, principal, scope, course_id, body.staff_ids)
