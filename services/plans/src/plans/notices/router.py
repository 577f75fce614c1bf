"""``/api/plans/notices``: the year's notice (通知) of the province — drafts, issue, corrections, acknowledgements
and extensions of the plan submission deadline (issue #18)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request, Response

from plans.deps import Orgs, PlanReader, ProvinceOnly, ProvinceReader, UniversityAdmin, only, own_university
from plans.notices import repository as repo
from plans.notices import service
from plans.notices.models import Notice
from plans.notices.schemas import (
    AcknowledgementOut,
    CorrectionCreate,
    ExtensionCreate,
    NoticeCreate,
    NoticeDetail,
    NoticeOut,
    NoticeStatus,
    NoticeUpdate,
    Standings,
)
from sanquan_kernel.auth import CurrentPrincipal
from sanquan_kernel.db import SessionDep
from sanquan_kernel.errors import NotFound
from sanquan_kernel.etag import set_etag
from sanquan_kernel.pagination import Page, PageDep, paginate
from sanquan_kernel.routing import ServiceRouter

router = ServiceRouter(tags=["notices"])


def load_notice(notice_id: int, session: SessionDep, principal: CurrentPrincipal) -> Notice:
    """The notice, or 404: drafts exist for the province only."""
    notice = repo.get_notice(session, principal, notice_id)
    if notice is None:
        raise NotFound("No such notice")
    return notice


NoticeDep = Annotated[Notice, Depends(load_notice)]


def _detail(response: Response, session: SessionDep, principal: CurrentPrincipal, notice: Notice) -> NoticeDetail:
    set_etag(response, notice.version)
    return service.notice_detail(session, principal, notice)


@router.get(
    "/notices",
    response_model=Page[NoticeOut],
    dependencies=[only(PlanReader)],
    summary="The province's notices (others than the province: issued ones only), newest year first",
)
def list_notices(
    session: SessionDep,
    principal: CurrentPrincipal,
    page: PageDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    status: NoticeStatus | None = None,
) -> Page[NoticeOut]:
    stmt = repo.list_stmt(principal, year=year, status=status.value if status else None)
    items, total = paginate(session, stmt, page)
    return Page(
        items=[service.notice_out(session, principal, n) for n in items],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.post(
    "/notices",
    response_model=NoticeDetail,
    status_code=201,
    dependencies=[only(ProvinceOnly)],
    summary="Write the notice of a year (a draft; one notice per year)",
)
def create_notice(
    body: NoticeCreate, session: SessionDep, principal: CurrentPrincipal, response: Response
) -> NoticeDetail:
    notice = service.create_notice(session, principal, body)
    return _detail(response, session, principal, notice)


@router.get("/notices/{notice_id}", response_model=NoticeDetail, dependencies=[only(PlanReader)], summary="A notice")
def get_notice(notice: NoticeDep, session: SessionDep, principal: CurrentPrincipal, response: Response) -> NoticeDetail:
    return _detail(response, session, principal, notice)


@router.patch(
    "/notices/{notice_id}",
    response_model=NoticeDetail,
    dependencies=[only(ProvinceOnly)],
    summary="Edit a draft notice (If-Match); an issued one answers 409 notice_issued",
)
def update_notice(
    notice: NoticeDep,
    body: NoticeUpdate,
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
) -> NoticeDetail:
    service.update_notice(session, request, principal, notice, body)
    return _detail(response, session, principal, notice)


@router.delete(
    "/notices/{notice_id}",
    status_code=204,
    response_class=Response,
    dependencies=[only(ProvinceOnly)],
    summary="Delete a draft notice (If-Match)",
)
def delete_notice(notice: NoticeDep, request: Request, session: SessionDep, principal: CurrentPrincipal) -> Response:
    service.delete_notice(session, request, principal, notice)
    return Response(status_code=204)


@router.post(
    "/notices/{notice_id}/issue",
    response_model=NoticeDetail,
    dependencies=[only(ProvinceOnly)],
    summary="Issue a draft notice to every university (If-Match)",
)
def issue_notice(
    notice: NoticeDep, request: Request, session: SessionDep, principal: CurrentPrincipal, response: Response
) -> NoticeDetail:
    service.issue_notice(session, request, principal, notice)
    return _detail(response, session, principal, notice)


@router.post(
    "/notices/{notice_id}/corrections",
    response_model=NoticeDetail,
    dependencies=[only(ProvinceOnly)],
    summary="Correct an issued notice, with the reason (If-Match); recorded in its corrections",
)
def correct_notice(
    notice: NoticeDep,
    body: CorrectionCreate,
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
) -> NoticeDetail:
    service.correct_notice(session, request, principal, notice, body)
    return _detail(response, session, principal, notice)


@router.post(
    "/notices/{notice_id}/acknowledgement",
    response_model=AcknowledgementOut,
    status_code=201,
    dependencies=[only(UniversityAdmin)],
    responses={200: {"model": AcknowledgementOut, "description": "Already acknowledged: the first one"}},
    summary="The caller's university acknowledges the issued notice (idempotent)",
)
def acknowledge(
    notice: NoticeDep, session: SessionDep, principal: CurrentPrincipal, response: Response
) -> AcknowledgementOut:
    ack, created = service.acknowledge(session, principal, notice, own_university(principal))
    response.status_code = 201 if created else 200
    return service.ack_out(ack)


@router.get(
    "/notices/{notice_id}/acknowledgements",
    response_model=Standings,
    dependencies=[only(ProvinceReader)],
    summary="Every university: acknowledged or not, and its plan deadline (with extensions)",
)
def list_acknowledgements(notice: NoticeDep, session: SessionDep, orgs: Orgs) -> Standings:
    return service.standings(session, notice, orgs)


@router.post(
    "/notices/{notice_id}/extensions",
    response_model=Standings,
    dependencies=[only(ProvinceOnly)],
    summary="Move one university's plan submission deadline, with the reason (audited; a later grant replaces it)",
)
def grant_extension(
    notice: NoticeDep, body: ExtensionCreate, session: SessionDep, principal: CurrentPrincipal, orgs: Orgs
) -> Standings:
    service.grant_extension(session, principal, notice, body, orgs)
    return service.standings(session, notice, orgs)
