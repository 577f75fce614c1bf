from __future__ import annotations

from fastapi import Request, Response

from evaluation import exports
from evaluation.assessment import repository as repo
from evaluation.assessment import service
from evaluation.assessment.metrics import METRICS
from evaluation.assessment.schemas import (
    FrameworkIn,
    FrameworkOut,
    GradeThresholds,
    MetricOut,
    RankingOut,
    SchoolType,
    ScorecardOut,
    ScorecardSummary,
    SelfReportIn,
    SelfReportOut,
    VerifyIn,
)
from evaluation.deps import Orgs, Person, ProvinceAdmin
from sanquan_kernel.auth import CurrentPrincipal, CurrentScope
from sanquan_kernel.db import SessionDep
from sanquan_kernel.errors import NotFound
from sanquan_kernel.etag import set_etag
from sanquan_kernel.exports import workbook_response
from sanquan_kernel.pagination import Page, PageDep, paginate
from sanquan_kernel.routing import ServiceRouter

router = ServiceRouter(prefix="/assessment", tags=["assessment"])


@router.get("/metrics", response_model=list[MetricOut])
def list_metrics(_: Person) -> list[MetricOut]:
    """What an indicator can measure, and from which source."""
    return [MetricOut(code=m.code, source=m.source, description=m.description) for m in METRICS.values()]


@router.get("/frameworks/{year}", response_model=FrameworkOut)
def get_framework(year: int, session: SessionDep, _: Person, response: Response) -> FrameworkOut:
    fw = service.load_framework(session, year)
    set_etag(response, fw.version)
    return service.framework_out(session, fw)


@router.put("/frameworks/{year}", response_model=FrameworkOut)
def put_framework(
    year: int, body: FrameworkIn, session: SessionDep, principal: ProvinceAdmin, request: Request, response: Response
) -> FrameworkOut:
    """Set the year's indicators (code, name, metric, target, weight); the source follows from the metric."""
    fw = service.put_framework(session, request, principal, year, body)
    set_etag(response, fw.version)
    return service.framework_out(session, fw)


@router.put("/frameworks/{year}/grades", response_model=FrameworkOut)
def put_grades(
    year: int,
    body: GradeThresholds,
    session: SessionDep,
    principal: ProvinceAdmin,
    request: Request,
    response: Response,
) -> FrameworkOut:
    """The year's grade bands (优秀 / 良好 / 合格 / 不合格) as the lowest percent of the maximum for pass, good and
    excellent, ascending; If-Match: the framework's ETag. Not after publication (409)."""
    fw = service.put_grades(session, request, principal, year, body)
    set_etag(response, fw.version)
    return service.framework_out(session, fw)


@router.post("/frameworks/{year}/default", response_model=FrameworkOut, status_code=201)
def create_default_framework(
    year: int, session: SessionDep, principal: ProvinceAdmin, response: Response
) -> FrameworkOut:
    """Create the year's framework from the seed's default indicators (E3)."""
    fw = service.default_framework(session, principal, year)
    set_etag(response, fw.version)
    return service.framework_out(session, fw)


@router.get("/{year}/self-reports", response_model=Page[SelfReportOut])
def list_self_reports(
    year: int, session: SessionDep, scope: CurrentScope, _: Person, page: PageDep
) -> Page[SelfReportOut]:
    items, total = paginate(session, repo.self_reports_stmt(scope, year), page)
    return Page(
        items=[SelfReportOut.model_validate(r) for r in items], total=total, limit=page.limit, offset=page.offset
    )


@router.put("/{year}/self-reports/{indicator_code}", response_model=SelfReportOut)
def put_self_report(
    year: int,
    indicator_code: str,
    body: SelfReportIn,
    session: SessionDep,
    principal: CurrentPrincipal,
    orgdir: Orgs,
    response: Response,
) -> SelfReportOut:
    """A university reports its value for a self-reported indicator, with evidence; the province verifies it."""
    row = service.report(session, principal, year, indicator_code, body, orgdir)
    set_etag(response, row.version)
    return SelfReportOut.model_validate(row)


@router.post("/self-reports/{report_id}/verify", response_model=SelfReportOut)
def verify_self_report(
    report_id: int,
    body: VerifyIn,
    session: SessionDep,
    scope: CurrentScope,
    principal: ProvinceAdmin,
    request: Request,
    response: Response,
) -> SelfReportOut:
    row = repo.self_report(session, scope, report_id)
    if row is None:
        raise NotFound("No such self-reported value")
    row = service.verify(session, request, principal, row, body.accepted, body.note)
    set_etag(response, row.version)
    return SelfReportOut.model_validate(row)


@router.post("/{year}/scorecards/compute", response_model=list[ScorecardSummary])
def compute_scorecards(
    year: int,
    session: SessionDep,
    scope: CurrentScope,
    principal: ProvinceAdmin,
    orgdir: Orgs,
    request: Request,
    university_id: int | None = None,
) -> list[ScorecardSummary]:
    """(Re)compute the year's scorecards — every active university, or one — from the plans and training
    services and this service's own data. Indicators whose source is down come back ``unavailable``."""
    k = request.app.state.kernel
    service.compute(
        session,
        principal,
        year,
        orgdir,
        client=k.service_client,
        plans_url=k.settings.plans_url,
        training_url=k.settings.training_url,
        timeout=k.settings.source_timeout,
        university_id=university_id,
        hall_url=k.settings.hall_url,
    )
    session.flush()
    return service.ranking(session, scope, year, orgdir).items


@router.get("/{year}/scorecards", response_model=RankingOut)
def get_ranking(
    year: int, session: SessionDep, scope: CurrentScope, _: Person, orgdir: Orgs, school_type: SchoolType | None = None
) -> RankingOut:
    """The provincial ranking (province) with grades, and ranks overall and within school type; ``school_type``
    keeps one type's lines. A university sees its own line with its ranks."""
    return service.ranking(session, scope, year, orgdir, school_type)


@router.get(
    "/{year}/scorecards/export",
    response_class=Response,
    responses={200: {"content": {exports.XLSX_MEDIA: {}}, "description": "考核总览 and 指标明细 sheets"}},
)
def export_scorecards(
    year: int, session: SessionDep, scope: CurrentScope, _: Person, orgdir: Orgs, school_type: SchoolType | None = None
) -> Response:
    """The year's assessment as XLSX (Chinese headers): an overview sheet (ranks, grade, total) and every
    indicator of every visible scorecard in long format (source, value, target, weight, score, reason). The
    province exports every university; a university only its own scorecard."""
    ranked, items = service.export_rows(session, scope, year, orgdir, school_type)
    overview = [exports.assessment_overview_row(s) for s in ranked.items]
    detail = [exports.assessment_item_row(s, i) for s in ranked.items for i in items[s.university_id]]
    return workbook_response(
        [
            ("考核总览", exports.ASSESSMENT_HEADERS, overview),
            ("指标明细", exports.ASSESSMENT_ITEM_HEADERS, detail),
        ],
        f"{year}年度考核结果",
    )


@router.get("/{year}/scorecards/{university_id}", response_model=ScorecardOut)
def get_scorecard(
    year: int, university_id: int, session: SessionDep, scope: CurrentScope, _: Person, orgdir: Orgs
) -> ScorecardOut:
    """One university's scorecard: each indicator's value, target, score or the reason it is unavailable, and
    the source figures it was computed from."""
    return service.detail(session, scope, year, university_id, orgdir)


@router.post("/{year}/publish", response_model=FrameworkOut)
def publish_assessment(year: int, session: SessionDep, principal: ProvinceAdmin) -> FrameworkOut:
    """Publish the year's assessment: its framework and scorecards never change afterwards."""
    return service.framework_out(session, service.publish(session, principal, year))
