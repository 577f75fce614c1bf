"""``/api/plans``: supervision visits (督导检查), their findings and the universities' rectifications (整改), issue #19.

Visits are the province's (its administrator and its inspector); findings and rectifications are also read by the
university they concern (and a department manager, for their department's); out of scope is 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request, Response
from sqlalchemy import Select

from plans.deps import IndicatorReader, Orgs, ProvinceReader, RectificationReader, Supervisor, UniversityAdmin, only
from plans.supervision import repository as repo
from plans.supervision import service
from plans.supervision.models import Rectification, SupervisionVisit
from plans.supervision.schemas import (
    FindingCreate,
    FindingOut,
    RectificationOut,
    ResponseIn,
    ReturnIn,
    SupervisionIndicators,
    VerifyIn,
    VisitCreate,
    VisitDetail,
    VisitOut,
    VisitUpdate,
)
from plans.visibility import require_university
from plans.vocabulary import RectificationStatus
from sanquan_kernel.auth import CurrentScope
from sanquan_kernel.clock import today
from sanquan_kernel.db import SessionDep
from sanquan_kernel.errors import NotFound
from sanquan_kernel.etag import set_etag
from sanquan_kernel.exports import XLSX_MEDIA, ExportFormat, table_response
from sanquan_kernel.pagination import Page, PageDep, paginate
from sanquan_kernel.routing import ServiceRouter

router = ServiceRouter(tags=["supervision"])
Year = Annotated[int | None, Query(ge=2000, le=2100)]


def load_visit(visit_id: int, session: SessionDep) -> SupervisionVisit:
    """Visits are the province's: the route's caller check runs first."""
    visit = repo.get_visit(session, visit_id)
    if visit is None:
        raise NotFound("No such supervision visit")
    return visit


def load_rectification(rectification_id: int, session: SessionDep, scope: CurrentScope) -> Rectification:
    r = repo.get_rectification(session, scope, rectification_id)
    if r is None:
        raise NotFound("No such rectification")
    return r


VisitDep = Annotated[SupervisionVisit, Depends(load_visit)]
RectificationDep = Annotated[Rectification, Depends(load_rectification)]


def _visit_detail(response: Response, session: SessionDep, orgs: Orgs, visit: SupervisionVisit) -> VisitDetail:
    set_etag(response, visit.version)
    return service.visit_detail(session, orgs, visit)


def _rect(
    response: Response, session: SessionDep, scope: CurrentScope, orgs: Orgs, r: Rectification
) -> RectificationOut:
    found = repo.get_finding(session, scope, r.finding_id)
    assert found is not None
    visit = repo.get_visit(session, found[0].visit_id)
    assert visit is not None
    set_etag(response, r.version)
    return service.rectification_out(r, found[0], visit, orgs)


# -- visits ----------------------------------------------------------------------------------------------------
@router.get(
    "/supervision-visits",
    response_model=Page[VisitOut],
    dependencies=[only(ProvinceReader)],
    summary="Supervision visits, newest first (the province and its inspector)",
)
def list_visits(
    session: SessionDep,
    orgs: Orgs,
    page: PageDep,
    year: Year = None,
    university_id: int | None = None,
) -> Page[VisitOut]:
    items, total = paginate(session, repo.visits_stmt(year=year, university_id=university_id), page)
    return Page(items=service.visit_out(session, orgs, list(items)), total=total, limit=page.limit, offset=page.offset)


@router.post(
    "/supervision-visits",
    response_model=VisitDetail,
    status_code=201,
    summary="Record a supervision visit: its date, team and the universities visited",
)
def create_visit(
    body: VisitCreate, session: SessionDep, principal: Supervisor, orgs: Orgs, response: Response
) -> VisitDetail:
    visit = service.create_visit(session, principal, orgs, body)
    return _visit_detail(response, session, orgs, visit)


@router.get(
    "/supervision-visits/{visit_id}",
    response_model=VisitDetail,
    dependencies=[only(ProvinceReader)],
    summary="A visit with its findings and their rectifications",
)
def get_visit(visit: VisitDep, session: SessionDep, orgs: Orgs, response: Response) -> VisitDetail:
    return _visit_detail(response, session, orgs, visit)


@router.patch(
    "/supervision-visits/{visit_id}",
    response_model=VisitDetail,
    summary="Change a visit (If-Match); a university with findings stays on it (409 visit_has_findings)",
)
def update_visit(
    body: VisitUpdate,
    request: Request,
    session: SessionDep,
    principal: Supervisor,
    orgs: Orgs,
    response: Response,
    visit: VisitDep,
) -> VisitDetail:
    service.update_visit(session, request, principal, orgs, visit, body)
    return _visit_detail(response, session, orgs, visit)


@router.post(
    "/supervision-visits/{visit_id}/findings",
    response_model=FindingOut,
    status_code=201,
    summary="Record a finding at a visited university; it assigns the university a rectification with a deadline",
)
def add_finding(
    body: FindingCreate, session: SessionDep, principal: Supervisor, orgs: Orgs, visit: VisitDep
) -> FindingOut:
    finding, rect = service.add_finding(session, principal, orgs, visit, body)
    return service.finding_out(finding, rect, visit, orgs)


@router.get(
    "/findings/{finding_id}",
    response_model=FindingOut,
    dependencies=[only(RectificationReader)],
    summary="A finding and its rectification",
)
def get_finding(finding_id: int, session: SessionDep, scope: CurrentScope, orgs: Orgs) -> FindingOut:
    found = repo.get_finding(session, scope, finding_id)
    if found is None:
        raise NotFound("No such finding")
    visit = repo.get_visit(session, found[0].visit_id)
    assert visit is not None
    return service.finding_out(found[0], found[1], visit, orgs)


# -- rectifications --------------------------------------------------------------------------------------------
def _rect_stmt(
    scope: CurrentScope,
    orgs: Orgs,
    year: Year = None,
    university_id: int | None = None,
    status: RectificationStatus | None = None,
    overdue: bool | None = None,
    visit_id: int | None = None,
) -> Select[tuple[Rectification]]:
    require_university(orgs, scope, university_id)
    return repo.rectifications_stmt(
        scope,
        today=today(),
        year=year,
        university_id=university_id,
        status=status.value if status else None,
        overdue=overdue,
        visit_id=visit_id,
    )


RectStmt = Annotated[Select[tuple[Rectification]], Depends(_rect_stmt)]


@router.get(
    "/rectifications",
    response_model=Page[RectificationOut],
    dependencies=[only(RectificationReader)],
    summary="Rectifications in the caller's scope, by deadline; filter by year, university, status, overdue, visit",
)
def list_rectifications(stmt: RectStmt, session: SessionDep, orgs: Orgs, page: PageDep) -> Page[RectificationOut]:
    rows, total = paginate(session, stmt, page)
    day = today()
    return Page(
        items=[service.rectification_out(r, f, v, orgs, day) for r, f, v in repo.with_context(session, list(rows))],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


HEADERS = (
    "编号",
    "年度",
    "督导日期",
    "督导名称",
    "高校",
    "部门",
    "问题类别",
    "严重程度",
    "问题描述",
    "整改期限",
    "状态",
    "是否逾期",
    "整改措施",
    "核验意见",
    "销号日期",
)
CATEGORY_ZH = {
    "plan": "方案落实",
    "service": "服务质量",
    "safety": "安全管理",
    "education": "育人成效",
    "funding": "经费保障",
    "other": "其他",
}
SEVERITY_ZH = {"minor": "一般", "major": "较重", "critical": "严重"}
STATUS_ZH = {"assigned": "待整改", "responded": "待核验", "returned": "已退回", "closed": "已销号"}


@router.get(
    "/rectifications/export",
    response_class=Response,
    dependencies=[only(RectificationReader)],
    responses={
        200: {
            "content": {
                XLSX_MEDIA: {"schema": {"type": "string", "format": "binary"}},
                "text/csv": {"schema": {"type": "string"}},
            },
            "description": "整改台账 (XLSX or CSV)",
        }
    },
    summary="整改台账 as XLSX (Chinese headers) or CSV, with the list's filters",
)
def export_rectifications(
    stmt: RectStmt, session: SessionDep, orgs: Orgs, format: ExportFormat = ExportFormat.XLSX
) -> Response:
    day = today()
    rows = []
    for r, f, v in repo.with_context(session, list(session.scalars(stmt))):
        o = service.rectification_out(r, f, v, orgs, day)
        rows.append(
            [
                o.id,
                o.year,
                o.visited_on,
                o.visit_title,
                o.university_name,
                o.department_name or "",
                CATEGORY_ZH[o.category.value],
                SEVERITY_ZH[o.severity.value],
                o.description,
                o.due_on,
                STATUS_ZH[o.status.value],
                o.overdue,
                o.measures,
                o.verification_note,
                o.closed_on,
            ]
        )
    return table_response(HEADERS, rows, format, f"整改台账.{format.value}", sheet="整改台账")


@router.get(
    "/rectifications/{rectification_id}",
    response_model=RectificationOut,
    dependencies=[only(RectificationReader)],
    summary="A rectification",
)
def get_rectification(
    r: RectificationDep, session: SessionDep, scope: CurrentScope, orgs: Orgs, response: Response
) -> RectificationOut:
    return _rect(response, session, scope, orgs, r)


@router.post(
    "/rectifications/{rectification_id}/response",
    response_model=RectificationOut,
    summary="The university answers with its measures (If-Match): assigned or returned → responded",
)
def respond(
    body: ResponseIn,
    request: Request,
    session: SessionDep,
    scope: CurrentScope,
    principal: UniversityAdmin,
    orgs: Orgs,
    response: Response,
    r: RectificationDep,
) -> RectificationOut:
    service.respond(session, request, principal, r, body)
    return _rect(response, session, scope, orgs, r)


@router.post(
    "/rectifications/{rectification_id}/close",
    response_model=RectificationOut,
    summary="The province or its inspector verifies and closes it (销号, If-Match): responded → closed",
)
def close(
    body: VerifyIn,
    request: Request,
    session: SessionDep,
    scope: CurrentScope,
    principal: Supervisor,
    orgs: Orgs,
    response: Response,
    r: RectificationDep,
) -> RectificationOut:
    service.close(session, request, principal, r, body)
    return _rect(response, session, scope, orgs, r)


@router.post(
    "/rectifications/{rectification_id}/return",
    response_model=RectificationOut,
    summary="The province or its inspector sends the response back with the reason (If-Match): responded → returned",
)
def send_back(
    body: ReturnIn,
    request: Request,
    session: SessionDep,
    scope: CurrentScope,
    principal: Supervisor,
    orgs: Orgs,
    response: Response,
    r: RectificationDep,
) -> RectificationOut:
    service.send_back(session, request, principal, r, body)
    return _rect(response, session, scope, orgs, r)


@router.get(
    "/supervision-indicators",
    response_model=SupervisionIndicators,
    dependencies=[only(IndicatorReader)],
    summary="Per university of a year: findings by severity and the rectification rate (closed on time / due)",
)
def supervision_indicators(
    session: SessionDep,
    scope: CurrentScope,
    orgs: Orgs,
    year: Annotated[int, Query(ge=2000, le=2100)],
    university_id: int | None = None,
) -> SupervisionIndicators:
    require_university(orgs, scope, university_id)
    return service.indicators(session, scope, year, university_id)
