from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request, Response

from evaluation import exports
from evaluation.campaigns.router import CampaignDep
from evaluation.campaigns.service import load as load_campaign
from evaluation.deps import Orgs, Person
from evaluation.nominations import repository as repo
from evaluation.nominations import service
from evaluation.nominations.models import Nomination
from evaluation.nominations.schemas import NominationIn, NominationOut, NominationStatus, NominationUpdate
from evaluation.visibility import require_orgs
from sanquan_kernel.auth import CurrentPrincipal, CurrentScope
from sanquan_kernel.clock import PROVINCE_TZ, today
from sanquan_kernel.db import SessionDep
from sanquan_kernel.etag import set_etag
from sanquan_kernel.exports import XLSX_MEDIA, ExportFormat, table_response
from sanquan_kernel.pagination import Page, PageDep, paginate
from sanquan_kernel.routing import ServiceRouter

router = ServiceRouter(tags=["nominations"])


def _nomination(nomination_id: int, session: SessionDep, scope: CurrentScope, _: Person) -> Nomination:
    return service.load(session, scope, nomination_id)


NominationDep = Annotated[Nomination, Depends(_nomination)]


def _one(session: SessionDep, scope: CurrentScope, n: Nomination, orgdir: Orgs, response: Response) -> NominationOut:
    campaign = load_campaign(session, scope, n.campaign_id)
    set_etag(response, n.version)
    return service.to_out(n, orgdir, blind=service.is_blind_for(campaign, scope))


@router.get("/campaigns/{campaign_id}/nominations", response_model=Page[NominationOut])
def list_nominations(
    campaign: CampaignDep,
    session: SessionDep,
    scope: CurrentScope,
    orgdir: Orgs,
    page: PageDep,
    status: NominationStatus | None = None,
    q: str | None = None,
    university_id: int | None = None,
    department_id: int | None = None,
) -> Page[NominationOut]:
    """The nominations the caller may see: all (province), their university's or department's, or those assigned
    to them (experts; never one of their own university). ``q`` searches titles, names and texts."""
    require_orgs(orgdir, scope, university_id, department_id)
    blind = service.is_blind_for(campaign, scope)
    stmt = repo.list_stmt(
        scope,
        campaign.id,
        status=status,
        q=q,
        university_id=None if blind else university_id,
        department_id=None if blind else department_id,
        blind=campaign.blind,
    )
    items, total = paginate(session, stmt, page)
    return Page(
        items=[service.to_out(n, orgdir, blind=blind) for n in items], total=total, limit=page.limit, offset=page.offset
    )


@router.get(
    "/campaigns/{campaign_id}/nominations/export",
    response_class=Response,
    responses={
        200: {
            "content": {"text/csv": {}, XLSX_MEDIA: {}},
            "description": "The visible nominations as CSV (the default) or XLSX (format=xlsx), Chinese headers",
        }
    },
)
def export_nominations(
    campaign: CampaignDep,
    session: SessionDep,
    scope: CurrentScope,
    orgdir: Orgs,
    status: NominationStatus | None = None,
    q: str | None = None,
    format: ExportFormat = ExportFormat.CSV,
) -> Response:
    """The same rows as the list, as CSV (UTF-8 with BOM for spreadsheet programs) or XLSX."""
    blind = service.is_blind_for(campaign, scope)
    stmt = repo.list_stmt(scope, campaign.id, status=status, q=q, blind=campaign.blind)
    categories = exports.category_names(session, campaign)
    rows = []
    for n in session.scalars(stmt):
        out = service.to_out(n, orgdir, blind=blind)
        rows.append(
            [
                out.id,
                exports.NOMINATION_STATUS_ZH.get(out.status, out.status),
                exports.SUBJECT_KIND_ZH.get(out.subject_kind, out.subject_kind),
                out.university_id,
                out.university_name,
                out.department_name,
                out.subject_name,
                categories.get(out.category or "", out.category),
                out.title,
                _local(out.submitted_at),
            ]
        )
    name = exports.file_name("推荐名单", campaign)
    return table_response(exports.NOMINATION_HEADERS, rows, format, name, sheet="推荐名单")


def _local(at: datetime | None) -> str | None:
    return at.astimezone(PROVINCE_TZ).strftime("%Y-%m-%d %H:%M") if at is not None else None


@router.post("/campaigns/{campaign_id}/nominations", response_model=NominationOut, status_code=201)
def create_nomination(
    body: NominationIn,
    campaign: CampaignDep,
    session: SessionDep,
    principal: CurrentPrincipal,
    scope: CurrentScope,
    orgdir: Orgs,
    request: Request,
    response: Response,
) -> NominationOut:
    k = request.app.state.kernel
    n = service.create(
        session,
        principal,
        campaign,
        body,
        orgdir,
        client=k.service_client,
        training_url=k.settings.training_url,
        timeout=k.settings.source_timeout,
        today=today(),
    )
    return _one(session, scope, n, orgdir, response)


@router.get("/nominations/{nomination_id}", response_model=NominationOut)
def get_nomination(
    n: NominationDep, request: Request, session: SessionDep, scope: CurrentScope, orgdir: Orgs, response: Response
) -> NominationOut:
    return _one(session, scope, n, orgdir, response)


@router.patch("/nominations/{nomination_id}", response_model=NominationOut)
def update_nomination(
    body: NominationUpdate,
    n: NominationDep,
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    scope: CurrentScope,
    orgdir: Orgs,
    response: Response,
) -> NominationOut:
    campaign = load_campaign(session, scope, n.campaign_id)
    service.update(session, request, principal, campaign, n, body)
    return _one(session, scope, n, orgdir, response)


@router.post("/nominations/{nomination_id}/preselect", response_model=NominationOut)
def preselect_nomination(
    n: NominationDep,
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    scope: CurrentScope,
    orgdir: Orgs,
    response: Response,
) -> NominationOut:
    service.preselect(session, request, principal, n)
    return _one(session, scope, n, orgdir, response)


@router.post("/nominations/{nomination_id}/submit", response_model=NominationOut)
def submit_nomination(
    n: NominationDep,
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    scope: CurrentScope,
    orgdir: Orgs,
    response: Response,
) -> NominationOut:
    service.submit(session, request, principal, n)
    return _one(session, scope, n, orgdir, response)


@router.post("/nominations/{nomination_id}/withdraw", response_model=NominationOut)
def withdraw_nomination(
    n: NominationDep,
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    scope: CurrentScope,
    orgdir: Orgs,
    response: Response,
) -> NominationOut:
    service.withdraw(session, request, principal, n)
    return _one(session, scope, n, orgdir, response)
