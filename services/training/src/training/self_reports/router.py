from __future__ import annotations

from fastapi import Request, Response

from sanquan_kernel.auth import CurrentScope
from sanquan_kernel.db import SessionDep
from sanquan_kernel.etag import set_etag
from sanquan_kernel.pagination import Page, PageDep
from sanquan_kernel.routing import ServiceRouter
from training.deps import Reader, SelfReportDecider, StaffMember
from training.self_reports import repository, service
from training.self_reports.models import SelfReportStatus
from training.self_reports.schemas import Rejection, SelfReportCreate, SelfReportOut

router = ServiceRouter(prefix="/self-reports", tags=["self-reports"])


@router.post("", response_model=SelfReportOut, status_code=201)
def submit_self_report(
    body: SelfReportCreate, response: Response, session: SessionDep, principal: StaffMember, scope: CurrentScope
) -> SelfReportOut:
    report = service.submit(session, principal, scope, body)
    set_etag(response, report.version)
    return service.to_outs(session, [report])[0]


@router.get("", response_model=Page[SelfReportOut])
def list_self_reports(
    session: SessionDep,
    _: Reader,
    scope: CurrentScope,
    page: PageDep,
    status: SelfReportStatus | None = None,
    staff_id: int | None = None,
) -> Page[SelfReportOut]:
    items, total = repository.list_page(
        session, scope, page, status=status.value if status else None, staff_id=staff_id
    )
    return Page(items=service.to_outs(session, items), total=total, limit=page.limit, offset=page.offset)


@router.get("/{report_id}", response_model=SelfReportOut)
def get_self_report(
    report_id: int, response: Response, session: SessionDep, _: Reader, scope: CurrentScope
) -> SelfReportOut:
    report = service.get_or_404(session, scope, report_id)
    set_etag(response, report.version)
    return service.to_outs(session, [report])[0]


@router.post("/{report_id}/approve", response_model=SelfReportOut)
def approve_self_report(
    report_id: int,
    request: Request,
    response: Response,
    session: SessionDep,
    principal: SelfReportDecider,
    scope: CurrentScope,
) -> SelfReportOut:
    """Approve: the report becomes a ledger record (source ``self_report``) in the same transaction."""
    report = service.approve(session, request, principal, scope, report_id)
    set_etag(response, report.version)
    return service.to_outs(session, [report])[0]


@router.post("/{report_id}/reject", response_model=SelfReportOut)
def reject_self_report(
    report_id: int,
    body: Rejection,
    request: Request,
    response: Response,
    session: SessionDep,
    principal: SelfReportDecider,
    scope: CurrentScope,
) -> SelfReportOut:
    report = service.reject(session, request, principal, scope, report_id, body.reason)
    set_etag(response, report.version)
    return service.to_outs(session, [report])[0]
