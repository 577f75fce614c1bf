from __future__ import annotations

import functools
from typing import Annotated

import anyio
from fastapi import File, Query, Request, Response, UploadFile

from sanquan_kernel.auth import CurrentScope
from sanquan_kernel.db import SessionDep
from sanquan_kernel.etag import set_etag
from sanquan_kernel.exports import XLSX_MEDIA
from sanquan_kernel.pagination import Page, PageDep
from sanquan_kernel.principal import Principal, Role
from sanquan_kernel.responses import json_response
from sanquan_kernel.routing import ServiceRouter
from sanquan_kernel.storage.names import content_disposition
from training.deps import Orgs, Reader, StaffImporter, StaffWriter
from training.records import workbooks
from training.records.router import _error_report_response, _max_rows, _read_upload
from training.staff import importer, repository, service
from training.staff.schemas import StaffImportResult, StaffOut, StaffUpsert

router = ServiceRouter(prefix="/staff", tags=["staff"])


@router.put(
    "/by-employee-no/{employee_no}",
    response_model=StaffOut,
    responses={201: {"model": StaffOut, "description": "Created"}},
)
def upsert_staff(
    employee_no: str,
    body: StaffUpsert,
    request: Request,
    response: Response,
    session: SessionDep,
    principal: StaffWriter,
    orgdir: Orgs,
) -> StaffOut:
    """Create (201) or replace (200) the staff member with this employee number in the caller's university."""
    staff, created = service.upsert(session, request, principal, orgdir, employee_no, body)
    response.status_code = 201 if created else 200
    set_etag(response, staff.version)
    return service.to_out(staff, orgdir)


@router.get("", response_model=Page[StaffOut])
def list_staff(
    session: SessionDep,
    _: Reader,
    scope: CurrentScope,
    orgdir: Orgs,
    page: PageDep,
    department_id: int | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    active: bool | None = None,
) -> Response:
    """Answered as plain data of ``Page[StaffOut]``, serialised directly (a list of the load mix)."""
    items, total = repository.list_rows(
        session, scope, page, LIST_FIELDS, department_id=department_id, q=q, active=active
    )
    for s in items:
        s["department_name"] = orgdir.name(s["department_id"])
    return json_response(
        {
            "items": [{f: s[f] for f in OUT_FIELDS} for s in items],
            "total": total,
            "limit": page.limit,
            "offset": page.offset,
        }
    )


#: ``StaffOut``'s fields in its order, and those read from the table (all but the department's name).
OUT_FIELDS = tuple(StaffOut.model_fields)
LIST_FIELDS = tuple(f for f in OUT_FIELDS if f != "department_name")


def _import_university(principal: Principal, university_id: int | None) -> int:
    return service.target_university(principal, university_id)


@router.get(
    "/import-template",
    response_class=Response,
    responses={200: {"content": {XLSX_MEDIA: {}}}},
)
def staff_import_template(principal: StaffImporter, orgdir: Orgs, university_id: int | None = None) -> Response:
    """人员名册导入模板.xlsx: Chinese headers, a grey example row (not imported), drop-down lists of the university's
    departments (a department manager: their own), employment types and 在岗, date cells and a 填写说明 sheet."""
    if principal.role is Role.PROVINCE_ADMIN and university_id is None:
        names: list[str] = []
    else:
        uni = _import_university(principal, university_id)
        depts = orgdir.departments_of(uni)
        if principal.role is Role.DEPARTMENT_MANAGER:
            depts = [d for d in depts if d.id == principal.department_id]
        names = [d.name for d in depts if d.active]
    return Response(
        content=workbooks.build_template(importer.sheet(names)),
        media_type=XLSX_MEDIA,
        headers={"Content-Disposition": content_disposition("人员名册导入模板.xlsx")},
    )


@router.post("/import", response_model=StaffImportResult)
async def import_staff(
    request: Request,
    session: SessionDep,
    principal: StaffImporter,
    orgdir: Orgs,
    file: Annotated[UploadFile, File(description=".csv or .xlsx")],
    dry_run: bool = False,
    university_id: int | None = None,
) -> StaffImportResult:
    """All or nothing: when any row is wrong nothing is stored and every wrong row is listed (Excel row numbers,
    Chinese reasons); otherwise each row creates or updates its person by employee number."""
    filename, content = await _read_upload(file)
    target = _import_university(principal, university_id)
    work = functools.partial(
        importer.import_file,
        session,
        request,
        principal,
        orgdir,
        target,
        filename,
        content,
        dry_run=dry_run,
        max_rows=_max_rows(request),
    )
    return await anyio.to_thread.run_sync(work)


@router.post(
    "/import-report",
    response_class=Response,
    responses={200: {"content": {XLSX_MEDIA: {}}, "description": "The uploaded rows with their errors marked"}},
)
async def staff_import_report(
    request: Request,
    session: SessionDep,
    principal: StaffImporter,
    orgdir: Orgs,
    file: Annotated[UploadFile, File(description=".csv or .xlsx")],
    university_id: int | None = None,
    lang: Annotated[str, Query(pattern="^(zh|en)$")] = "zh",
) -> Response:
    """下载错误报告 of the staff import (the records import's report: nothing stored)."""
    filename, content = await _read_upload(file)
    target = _import_university(principal, university_id)
    max_rows = _max_rows(request)

    def build() -> bytes:
        out = importer.check_file(
            session, principal, orgdir, target, filename, content, max_rows, max_errors=workbooks.REPORT_MAX_ERRORS
        )
        return workbooks.error_report(filename, content, out, max_rows, lang, importer.sheet([]))

    return await _error_report_response(filename, lang, build)


@router.get("/{staff_id}", response_model=StaffOut)
def get_staff(
    staff_id: int, response: Response, session: SessionDep, _: Reader, scope: CurrentScope, orgdir: Orgs
) -> StaffOut:
    staff = service.get_or_404(session, scope, staff_id)
    set_etag(response, staff.version)
    return service.to_out(staff, orgdir)
