from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request, Response

from evaluation.campaigns import repository as repo
from evaluation.campaigns import service
from evaluation.campaigns.models import Campaign
from evaluation.campaigns.schemas import (
    AdvanceIn,
    CampaignIn,
    CampaignOut,
    CampaignSettings,
    CampaignTypeIn,
    CampaignTypeOut,
    Phase,
    RubricIn,
    RubricOut,
)
from evaluation.deps import Person, ProvinceAdmin
from sanquan_kernel.auth import CurrentScope
from sanquan_kernel.db import SessionDep
from sanquan_kernel.etag import set_etag
from sanquan_kernel.pagination import Page, PageDep, paginate
from sanquan_kernel.routing import ServiceRouter

router = ServiceRouter(tags=["campaigns"])


def _campaign(campaign_id: int, session: SessionDep, scope: CurrentScope, _: Person) -> Campaign:
    return service.load(session, scope, campaign_id)


CampaignDep = Annotated[Campaign, Depends(_campaign)]


def _one(session: SessionDep, campaign: Campaign, response: Response) -> CampaignOut:
    set_etag(response, campaign.version)
    return service.to_out(session, [campaign])[0]


@router.get("/campaign-types", response_model=list[CampaignTypeOut])
def list_campaign_types(session: SessionDep, _: Person) -> list[CampaignTypeOut]:
    return service.list_types(session)


@router.post("/campaign-types", response_model=CampaignTypeOut, status_code=201)
def add_campaign_type(body: CampaignTypeIn, session: SessionDep, principal: ProvinceAdmin) -> CampaignTypeOut:
    return service.add_type(session, principal, body)


@router.get("/campaigns", response_model=Page[CampaignOut])
def list_campaigns(
    session: SessionDep,
    scope: CurrentScope,
    _: Person,
    page: PageDep,
    year: int | None = None,
    type: str | None = None,
    phase: Annotated[Phase | None, Query()] = None,
) -> Page[CampaignOut]:
    items, total = paginate(session, repo.list_stmt(scope, year=year, type_code=type, phase=phase), page)
    # The parametrised page, exactly the response model: answered in this thread, not validated again (routing)
    return Page[CampaignOut](items=service.to_out(session, items), total=total, limit=page.limit, offset=page.offset)


@router.post("/campaigns", response_model=CampaignOut, status_code=201)
def create_campaign(body: CampaignIn, session: SessionDep, principal: ProvinceAdmin, response: Response) -> CampaignOut:
    return _one(session, service.create(session, principal, body), response)


@router.get("/campaigns/{campaign_id}", response_model=CampaignOut)
def get_campaign(campaign: CampaignDep, session: SessionDep, response: Response) -> CampaignOut:
    return _one(session, campaign, response)


@router.patch("/campaigns/{campaign_id}", response_model=CampaignOut)
def update_campaign(
    body: CampaignSettings,
    campaign: CampaignDep,
    session: SessionDep,
    principal: ProvinceAdmin,
    request: Request,
    response: Response,
) -> CampaignOut:
    return _one(session, service.update(session, request, principal, campaign, body), response)


@router.post("/campaigns/{campaign_id}/advance", response_model=CampaignOut)
def advance_campaign(
    body: AdvanceIn,
    campaign: CampaignDep,
    session: SessionDep,
    principal: ProvinceAdmin,
    request: Request,
    response: Response,
) -> CampaignOut:
    """Move the campaign to its next phase (nomination, preselection, review, decision), after that phase's guard."""
    return _one(session, service.advance(session, request, principal, campaign, body.to), response)


@router.get("/campaigns/{campaign_id}/rubric", response_model=RubricOut)
def get_rubric(campaign: CampaignDep, session: SessionDep) -> RubricOut:
    return service.rubric(session, campaign)


@router.put("/campaigns/{campaign_id}/rubric", response_model=RubricOut)
def put_rubric(
    body: RubricIn, campaign: CampaignDep, session: SessionDep, principal: ProvinceAdmin, request: Request
) -> RubricOut:
    return service.replace_rubric(session, request, principal, campaign, body)
