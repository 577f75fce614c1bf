"""``/api/evaluation``: annual summaries (年度总结) and the province's annual report (issue #19, Y3).

A university's administrator writes its own summary; the province's administrator accepts or returns it; the
province's inspector (督导) reads every summary and the report and changes nothing. Out of scope is 404."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Query, Request, Response

from evaluation.annual import report, service
from evaluation.annual import repository as repo
from evaluation.annual.figures import Sources
from evaluation.annual.models import AnnualSummary
from evaluation.annual.schemas import (
    ReturnIn,
    ReviewIn,
    SummaryBrief,
    SummaryCreate,
    SummaryOut,
    SummaryStatus,
    SummaryUpdate,
)
from evaluation.deps import Orgs, ProvinceAdmin, ProvinceReader, UniversityAdmin, only
from sanquan_kernel.auth import CurrentScope
from sanquan_kernel.db import SessionDep
from sanquan_kernel.deps import require
from sanquan_kernel.errors import NotFound
from sanquan_kernel.etag import set_etag
from sanquan_kernel.pagination import Page, PageDep, paginate
from sanquan_kernel.principal import Principal, Role
from sanquan_kernel.routing import ServiceRouter
from sanquan_kernel.storage.names import content_disposition

router = ServiceRouter(tags=["annual"])
#: Who reads summaries: the province, its inspector, and a university's administrator (its own).
SummaryReader = Annotated[Principal, require(Role.PROVINCE_ADMIN, Role.INSPECTOR, Role.UNIVERSITY_ADMIN)]
Year = Annotated[int, Query(ge=2000, le=2100)]


def sources(request: Request) -> Sources:
    k = request.app.state.kernel
    return Sources(k.service_client, k.settings.plans_url, k.settings.training_url, k.settings.source_timeout)


SourcesDep = Annotated[Sources, Depends(sources)]


def load(summary_id: int, session: SessionDep, scope: CurrentScope, _: SummaryReader) -> AnnualSummary:
    s = repo.get(session, scope, summary_id)
    if s is None:
        raise NotFound("No such annual summary")
    return s


SummaryDep = Annotated[AnnualSummary, Depends(load)]


def _answer(response: Response, s: AnnualSummary, orgs: Orgs) -> SummaryOut:
    set_etag(response, s.version)
    return service.out(s, orgs)


@router.get(
    "/annual-summaries",
    response_model=Page[SummaryBrief],
    dependencies=[only(SummaryReader)],
    summary="Annual summaries in the caller's scope (the province: every university's), by year and university",
)
def list_summaries(
    session: SessionDep,
    scope: CurrentScope,
    orgs: Orgs,
    page: PageDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    status: SummaryStatus | None = None,
    university_id: int | None = None,
) -> Page[SummaryBrief]:
    stmt = repo.summaries_stmt(scope, year=year, status=status, university_id=university_id)
    items, total = paginate(session, stmt, page)
    return Page(items=[service.brief(s, orgs) for s in items], total=total, limit=page.limit, offset=page.offset)


@router.post(
    "/annual-summaries",
    response_model=SummaryOut,
    status_code=201,
    summary="Start the university's summary of a year, its figures pre-filled (409 annual_summary_exists)",
)
def create_summary(
    body: SummaryCreate,
    session: SessionDep,
    principal: UniversityAdmin,
    orgs: Orgs,
    src: SourcesDep,
    response: Response,
) -> SummaryOut:
    s = service.create(session, principal, src, body.year)
    return _answer(response, s, orgs)


@router.get("/annual-summaries/{summary_id}", response_model=SummaryOut, summary="An annual summary")
def get_summary(s: SummaryDep, orgs: Orgs, response: Response) -> SummaryOut:
    return _answer(response, s, orgs)


@router.patch(
    "/annual-summaries/{summary_id}",
    response_model=SummaryOut,
    summary="Write the narrative per section (If-Match); a draft or returned summary only",
)
def update_summary(
    body: SummaryUpdate,
    request: Request,
    session: SessionDep,
    principal: UniversityAdmin,
    orgs: Orgs,
    response: Response,
    s: SummaryDep,
) -> SummaryOut:
    service.update(session, request, principal, s, body)
    return _answer(response, s, orgs)


@router.post(
    "/annual-summaries/{summary_id}/refresh",
    response_model=SummaryOut,
    summary="Gather the figures again (If-Match); a draft or returned summary only",
)
def refresh_summary(
    request: Request,
    session: SessionDep,
    principal: UniversityAdmin,
    orgs: Orgs,
    src: SourcesDep,
    response: Response,
    s: SummaryDep,
) -> SummaryOut:
    service.refresh(session, request, principal, src, s)
    return _answer(response, s, orgs)


@router.post(
    "/annual-summaries/{summary_id}/submit",
    response_model=SummaryOut,
    summary="Submit it to the province (If-Match): draft or returned → submitted",
)
def submit_summary(
    request: Request, session: SessionDep, principal: UniversityAdmin, orgs: Orgs, response: Response, s: SummaryDep
) -> SummaryOut:
    service.submit(session, request, principal, s)
    return _answer(response, s, orgs)


@router.post(
    "/annual-summaries/{summary_id}/accept",
    response_model=SummaryOut,
    summary="The province accepts it (If-Match): submitted → accepted",
)
def accept_summary(
    body: ReviewIn,
    request: Request,
    session: SessionDep,
    principal: ProvinceAdmin,
    orgs: Orgs,
    response: Response,
    s: SummaryDep,
) -> SummaryOut:
    service.accept(session, request, principal, s, body)
    return _answer(response, s, orgs)


@router.post(
    "/annual-summaries/{summary_id}/return",
    response_model=SummaryOut,
    summary="The province returns it with a comment (If-Match): submitted → returned",
)
def return_summary(
    body: ReturnIn,
    request: Request,
    session: SessionDep,
    principal: ProvinceAdmin,
    orgs: Orgs,
    response: Response,
    s: SummaryDep,
) -> SummaryOut:
    service.send_back(session, request, principal, s, body)
    return _answer(response, s, orgs)


MEDIA = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


@router.get(
    "/annual-report",
    response_class=Response,
    dependencies=[only(ProvinceReader)],
    responses={200: {"content": {m: {"schema": {"type": "string", "format": "binary"}} for m in MEDIA.values()}}},
    summary="The province's annual report of the reform (年度报告) as DOCX or PDF, with its tables and charts",
)
def annual_report(
    session: SessionDep,
    orgs: Orgs,
    src: SourcesDep,
    year: Year,
    format: Literal["docx", "pdf"] = "docx",
) -> Response:
    data = report.collect(session, src, orgs.fresh(), year)
    body = report.render(data, format)
    return Response(
        body,
        media_type=MEDIA[format],
        headers={"Content-Disposition": content_disposition(f"{year}年度高校后勤三全育人工作报告.{format}")},
    )
