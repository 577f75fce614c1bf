from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request, Response

from sanquan_kernel.auth import CurrentScope
from sanquan_kernel.db import SessionDep
from sanquan_kernel.etag import set_etag
from sanquan_kernel.pagination import Page, PageDep
from sanquan_kernel.routing import ServiceRouter
from training.deps import Orgs, Reader, StaffWriter
from training.staff import repository, service
from training.staff.schemas import StaffOut, StaffUpsert

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
) -> Page[StaffOut]:
    items, total = repository.list_page(session, scope, page, department_id=department_id, q=q, active=active)
    return Page(items=[service.to_out(s, orgdir) for s in items], total=total, limit=page.limit, offset=page.offset)


@router.get("/{staff_id}", response_model=StaffOut)
def get_staff(
    staff_id: int, response: Response, session: SessionDep, _: Reader, scope: CurrentScope, orgdir: Orgs
) -> StaffOut:
    staff = service.get_or_404(session, scope, staff_id)
    set_etag(response, staff.version)
    return service.to_out(staff, orgdir)
