from __future__ import annotations

from fastapi import Request, Response

from evaluation import exports
from evaluation.campaigns import service as campaigns
from evaluation.campaigns.router import CampaignDep
from evaluation.campaigns.schemas import Aggregation, CampaignOut
from evaluation.deps import Orgs, Person, ProvinceAdmin, ProvinceReader, UniversityAdmin
from evaluation.results import repository as repo
from evaluation.results import service
from evaluation.results.schemas import (
    AnswerIn,
    DecisionIn,
    ObjectionIn,
    ObjectionOut,
    PilotOut,
    PublishIn,
    RankingOut,
    ResultsOut,
)
from evaluation.visibility import require_orgs
from sanquan_kernel.auth import CurrentScope
from sanquan_kernel.clock import today
from sanquan_kernel.db import SessionDep
from sanquan_kernel.errors import Conflict, NotFound
from sanquan_kernel.etag import set_etag
from sanquan_kernel.exports import XLSX_MEDIA, ExportFormat, table_response
from sanquan_kernel.pagination import Page, PageDep, paginate
from sanquan_kernel.routing import ServiceRouter

router = ServiceRouter(tags=["results"])


@router.get("/campaigns/{campaign_id}/ranking", response_model=RankingOut)
def get_ranking(
    campaign: CampaignDep, session: SessionDep, _: ProvinceReader, orgdir: Orgs, method: Aggregation | None = None
) -> RankingOut:
    """The live ranking of submitted nominations (province only), by the campaign's method or ``method``."""
    if campaigns.phase_index(campaign.phase) < campaigns.phase_index("review"):
        raise Conflict("Nothing is ranked before the review phase")
    return service.ranking(session, campaign, orgdir, method)


@router.post("/campaigns/{campaign_id}/decision", response_model=ResultsOut)
def decide(
    body: DecisionIn,
    campaign: CampaignDep,
    session: SessionDep,
    principal: ProvinceAdmin,
    orgdir: Orgs,
    request: Request,
) -> ResultsOut:
    return service.decide(session, request, principal, campaign, body, orgdir)


@router.post("/campaigns/{campaign_id}/publish", response_model=CampaignOut)
def publish(
    body: PublishIn,
    campaign: CampaignDep,
    session: SessionDep,
    principal: ProvinceAdmin,
    request: Request,
    response: Response,
) -> CampaignOut:
    """Publish the decision for its publicity period (公示); objections are accepted during the period."""
    settings = request.app.state.kernel.settings
    service.publish(
        session,
        request,
        principal,
        campaign,
        body,
        today(),
        min_working_days=settings.publicity_min_working_days,
        allow_past=settings.record_past_publicity,
    )
    set_etag(response, campaign.version)
    return campaigns.to_out(session, [campaign])[0]


@router.post("/campaigns/{campaign_id}/finalize", response_model=CampaignOut)
def finalize(
    campaign: CampaignDep, session: SessionDep, principal: ProvinceAdmin, request: Request, response: Response
) -> CampaignOut:
    service.finalize(session, request, principal, campaign, today())
    set_etag(response, campaign.version)
    return campaigns.to_out(session, [campaign])[0]


@router.get("/campaigns/{campaign_id}/results", response_model=ResultsOut)
def get_results(campaign: CampaignDep, session: SessionDep, scope: CurrentScope, orgdir: Orgs) -> ResultsOut:
    """The decided results: the whole ranking for the province; once published, the awarded nominations (and
    one's own university's) for everyone else."""
    return service.results(session, scope, campaign, orgdir)


@router.get(
    "/campaigns/{campaign_id}/results/export",
    response_class=Response,
    responses={
        200: {
            "content": {"text/csv": {}, XLSX_MEDIA: {}},
            "description": "The visible results (the 公示 list) as CSV (the default) or XLSX (format=xlsx)",
        }
    },
)
def export_results(
    campaign: CampaignDep,
    session: SessionDep,
    scope: CurrentScope,
    orgdir: Orgs,
    format: ExportFormat = ExportFormat.CSV,
) -> Response:
    """The same rows as the results, Chinese headers, as CSV (UTF-8 with BOM) or XLSX."""
    out = service.results(session, scope, campaign, orgdir)
    categories = exports.category_names(session, campaign)
    rows = [
        [
            item.rank,
            item.nomination_id,
            item.title,
            item.university_name,
            item.subject_name,
            categories.get(item.category or "", item.category),
            item.score,
            item.awarded,
        ]
        for item in out.items
    ]
    name = exports.file_name("评选结果", campaign)
    return table_response(exports.RESULT_HEADERS, rows, format, name, sheet="评选结果")


@router.post("/campaigns/{campaign_id}/objections", response_model=ObjectionOut, status_code=201)
def lodge_objection(
    body: ObjectionIn, campaign: CampaignDep, session: SessionDep, principal: UniversityAdmin
) -> ObjectionOut:
    return ObjectionOut.model_validate(service.lodge_objection(session, principal, campaign, body, today()))


@router.get("/campaigns/{campaign_id}/objections", response_model=Page[ObjectionOut])
def list_objections(
    campaign: CampaignDep, session: SessionDep, scope: CurrentScope, _: Person, page: PageDep
) -> Page[ObjectionOut]:
    """Every objection (province) or the caller's university's own."""
    items, total = paginate(session, repo.objections_stmt(scope, campaign.id), page)
    return Page(
        items=[ObjectionOut.model_validate(o) for o in items], total=total, limit=page.limit, offset=page.offset
    )


@router.post("/objections/{objection_id}/answer", response_model=ObjectionOut)
def answer_objection(
    objection_id: int,
    body: AnswerIn,
    session: SessionDep,
    scope: CurrentScope,
    principal: ProvinceAdmin,
    request: Request,
) -> ObjectionOut:
    o = repo.objection(session, scope, objection_id)
    if o is None:
        raise NotFound("No such objection")
    return ObjectionOut.model_validate(service.answer_objection(session, request, principal, o, body.answer))


@router.get("/pilots", response_model=Page[PilotOut])
def list_pilots(
    session: SessionDep,
    _: Person,
    orgdir: Orgs,
    page: PageDep,
    year: int | None = None,
    university_id: int | None = None,
) -> Page[PilotOut]:
    """E1: pilot universities by year (public)."""
    require_orgs(orgdir, None, university_id)
    items, total = paginate(session, repo.pilots_stmt(year, university_id), page)
    out = [
        PilotOut(
            university_id=p.university_id,
            university_name=orgdir.name(p.university_id) or None,
            year=p.year,
            campaign_id=p.campaign_id,
        )
        for p in items
    ]
    return Page(items=out, total=total, limit=page.limit, offset=page.offset)
