from __future__ import annotations

import functools
from typing import Annotated

import anyio
from fastapi import File, Query, Request, Response, UploadFile

from sanquan_kernel.auth import CurrentScope
from sanquan_kernel.db import SessionDep
from sanquan_kernel.exports import XLSX_MEDIA
from sanquan_kernel.pagination import Page, PageDep
from sanquan_kernel.routing import ServiceRouter
from sanquan_kernel.storage.names import content_disposition
from training.courses import attendance_import, repository, service
from training.courses.schemas import (
    AttendanceImportResult,
    AttendanceResult,
    CourseCreate,
    CourseOut,
    DeclaredCourseIn,
    EnrolmentOut,
    StaffIds,
)
from training.deps import CourseDeclarer, Organiser, Orgs, Reader
from training.records import workbooks
from training.records.router import _error_report_response, _max_rows, _read_upload

router = ServiceRouter(prefix="/courses", tags=["courses"])


@router.post("", response_model=CourseOut, status_code=201)
def create_course(body: CourseCreate, session: SessionDep, principal: Organiser, orgdir: Orgs) -> CourseOut:
    course = service.create(session, principal, orgdir, body)
    return service.to_out(course, orgdir, 0)


@router.post(
    "/declared",
    response_model=CourseOut,
    status_code=201,
    responses={200: {"model": CourseOut, "description": "The course declared before with this source_ref"}},
)
def declare_course(
    body: DeclaredCourseIn, session: SessionDep, principal: CourseDeclarer, orgdir: Orgs, response: Response
) -> CourseOut:
    """A course another service declares (an event declared a training, #19), once per ``source_ref``: 201 when
    made, 200 with the same course when it exists. Enrolment and attendance are then the course's usual ones."""
    course, made = service.declare(session, principal, body)
    if not made:
        response.status_code = 200
    ids = [course.id]
    return service.to_out(
        course,
        orgdir,
        repository.enrolled_counts(session, ids).get(course.id, 0),
        repository.attended_counts(session, ids).get(course.id, 0),
    )


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
    ids = [c.id for c in items]
    counts, attended = repository.enrolled_counts(session, ids), repository.attended_counts(session, ids)
    return Page(
        items=[service.to_out(c, orgdir, counts.get(c.id, 0), attended.get(c.id, 0)) for c in items],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get("/{course_id}", response_model=CourseOut)
def get_course(course_id: int, session: SessionDep, _: Reader, scope: CurrentScope, orgdir: Orgs) -> CourseOut:
    course = service.get_or_404(session, scope, course_id)
    ids = [course_id]
    return service.to_out(
        course,
        orgdir,
        repository.enrolled_counts(session, ids).get(course_id, 0),
        repository.attended_counts(session, ids).get(course_id, 0),
    )


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


@router.get(
    "/{course_id}/attendance/import-template",
    response_class=Response,
    responses={200: {"content": {XLSX_MEDIA: {}}}},
)
def attendance_import_template(course_id: int, session: SessionDep, _: Organiser, scope: CurrentScope) -> Response:
    """课程出勤导入模板.xlsx: the course's enrolled people the caller sees (工号, 姓名, 出勤 是), 是/否 drop-downs and a
    填写说明 sheet."""
    return Response(
        content=attendance_import.template(session, scope, course_id),
        media_type=XLSX_MEDIA,
        headers={"Content-Disposition": content_disposition(f"课程出勤导入模板-{course_id}.xlsx")},
    )


@router.post("/{course_id}/attendance/import", response_model=AttendanceImportResult)
async def import_attendance(
    course_id: int,
    request: Request,
    session: SessionDep,
    principal: Organiser,
    scope: CurrentScope,
    file: Annotated[UploadFile, File(description=".csv or .xlsx")],
    dry_run: bool = False,
) -> AttendanceImportResult:
    """Attendance from Excel: all or nothing, then the course's attendance path (ledger records made once)."""
    filename, content = await _read_upload(file)
    work = functools.partial(
        attendance_import.import_file,
        session,
        principal,
        scope,
        course_id,
        filename,
        content,
        dry_run=dry_run,
        max_rows=_max_rows(request),
    )
    return await anyio.to_thread.run_sync(work)


@router.post(
    "/{course_id}/attendance/import-report",
    response_class=Response,
    responses={200: {"content": {XLSX_MEDIA: {}}, "description": "The uploaded rows with their errors marked"}},
)
async def attendance_import_report(
    course_id: int,
    request: Request,
    session: SessionDep,
    _: Organiser,
    scope: CurrentScope,
    file: Annotated[UploadFile, File(description=".csv or .xlsx")],
    lang: Annotated[str, Query(pattern="^(zh|en)$")] = "zh",
) -> Response:
    """下载错误报告 of the attendance import (nothing stored)."""
    filename, content = await _read_upload(file)
    max_rows = _max_rows(request)

    def build() -> bytes:
        out = attendance_import.check_file(
            session, scope, course_id, filename, content, max_rows, max_errors=workbooks.REPORT_MAX_ERRORS
        )
        return workbooks.error_report(filename, content, out, max_rows, lang, attendance_import.sheet([]))

    return await _error_report_response(filename, lang, build)
