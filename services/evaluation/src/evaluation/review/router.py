from __future__ import annotations

from fastapi import Response

from evaluation.campaigns.router import CampaignDep
from evaluation.campaigns.service import load as load_campaign
from evaluation.deps import Accounts, Expert, Orgs, Person, ProvinceAdmin, ProvinceReader
from evaluation.nominations import service as nominations
from evaluation.nominations.router import NominationDep
from evaluation.review import repository as repo
from evaluation.review import service
from evaluation.review.schemas import (
    AssignIn,
    AssignmentOut,
    AutoAssignOut,
    ConflictIn,
    ConflictOut,
    PanelIn,
    PanelOut,
    ScoreSheetOut,
    ScoresIn,
)
from sanquan_kernel.auth import CurrentPrincipal, CurrentScope
from sanquan_kernel.db import SessionDep
from sanquan_kernel.errors import NotFound
from sanquan_kernel.pagination import Page, PageDep, paginate
from sanquan_kernel.routing import ServiceRouter

router = ServiceRouter(tags=["review"])


@router.get("/campaigns/{campaign_id}/experts", response_model=PanelOut)
def get_panel(campaign: CampaignDep, session: SessionDep, _: ProvinceReader) -> PanelOut:
    return service.panel(session, campaign)


@router.put("/campaigns/{campaign_id}/experts", response_model=PanelOut)
def put_panel(
    body: PanelIn,
    campaign: CampaignDep,
    session: SessionDep,
    principal: ProvinceAdmin,
    orgdir: Orgs,
    accounts: Accounts,
) -> PanelOut:
    """Name the campaign's experts by account id. An expert's university is their account's (null for
    province-level experts); a different ``university_id`` given here adds a conflict with that university."""
    return service.set_panel(session, principal, campaign, body, orgdir, accounts)


@router.post("/campaigns/{campaign_id}/assignments/auto", response_model=AutoAssignOut)
def auto_assign(
    campaign: CampaignDep, session: SessionDep, principal: ProvinceAdmin, accounts: Accounts
) -> AutoAssignOut:
    """Give every submitted nomination up to N experts, balanced by load, respecting conflicts of interest.
    Running it again only fills what is missing; ``short`` lists the nominations that could not get enough
    experts without a conflict of interest."""
    return service.auto_assign(session, principal, campaign, accounts)


@router.post("/campaigns/{campaign_id}/assignments", response_model=AssignmentOut, status_code=201)
def assign(
    body: AssignIn,
    campaign: CampaignDep,
    session: SessionDep,
    scope: CurrentScope,
    principal: ProvinceAdmin,
    accounts: Accounts,
) -> AssignmentOut:
    nomination = nominations.load(session, scope, body.nomination_id)
    if nomination.campaign_id != campaign.id:
        raise NotFound("No such nomination in this campaign")
    return AssignmentOut.model_validate(
        service.assign(session, principal, campaign, nomination, body.expert_id, accounts)
    )


@router.get("/campaigns/{campaign_id}/assignments", response_model=Page[AssignmentOut])
def list_assignments(
    campaign: CampaignDep,
    session: SessionDep,
    scope: CurrentScope,
    _: Person,
    page: PageDep,
    expert_id: int | None = None,
    nomination_id: int | None = None,
) -> Page[AssignmentOut]:
    """All assignments (province) or the caller's own (experts); other roles see none."""
    items, total = paginate(
        session, repo.assignments_stmt(scope, campaign.id, nomination_id=nomination_id, expert_id=expert_id), page
    )
    return Page(
        items=[AssignmentOut.model_validate(a) for a in items], total=total, limit=page.limit, offset=page.offset
    )


@router.delete("/assignments/{assignment_id}", status_code=204, response_class=Response)
def unassign(assignment_id: int, session: SessionDep, scope: CurrentScope, principal: ProvinceAdmin) -> Response:
    a = repo.assignment_by_id(session, scope, assignment_id)
    if a is None:
        raise NotFound("No such assignment")
    service.unassign(session, principal, load_campaign(session, scope, a.campaign_id), a)
    return Response(status_code=204)


@router.post("/campaigns/{campaign_id}/conflicts", response_model=ConflictOut, status_code=201)
def declare_conflict(
    body: ConflictIn, campaign: CampaignDep, session: SessionDep, scope: CurrentScope, principal: Expert
) -> ConflictOut:
    """An expert declares a conflict of interest with an assigned nomination or with a whole university."""
    nomination = None
    if body.nomination_id is not None:
        nomination = nominations.load(session, scope, body.nomination_id)
        if nomination.campaign_id != campaign.id:
            raise NotFound("No such nomination in this campaign")
    return service.declare_conflict(session, principal, campaign, body, nomination)


@router.get("/campaigns/{campaign_id}/conflicts", response_model=Page[ConflictOut])
def list_conflicts(
    campaign: CampaignDep, session: SessionDep, scope: CurrentScope, _: Person, page: PageDep
) -> Page[ConflictOut]:
    """All declared conflicts (province) or the caller's own (experts)."""
    items, total = paginate(session, repo.conflicts_stmt(scope, campaign.id), page)
    return Page(items=[ConflictOut.model_validate(c) for c in items], total=total, limit=page.limit, offset=page.offset)


@router.put("/nominations/{nomination_id}/scores", response_model=ScoreSheetOut)
def save_scores(
    body: ScoresIn, n: NominationDep, session: SessionDep, scope: CurrentScope, principal: CurrentPrincipal
) -> ScoreSheetOut:
    """An assigned expert scores (or revises) criteria during the review phase; each change is audited."""
    return service.save_scores(session, principal, load_campaign(session, scope, n.campaign_id), n, body)


@router.get("/nominations/{nomination_id}/scores", response_model=list[ScoreSheetOut])
def get_scores(
    n: NominationDep, session: SessionDep, scope: CurrentScope, principal: CurrentPrincipal
) -> list[ScoreSheetOut]:
    """Score sheets: every expert's (province) or only the caller's own (experts)."""
    return service.sheets(session, principal, load_campaign(session, scope, n.campaign_id), n)


@router.get("/assignments", response_model=Page[AssignmentOut])
def list_my_assignments(
    session: SessionDep, scope: CurrentScope, _: Person, page: PageDep, campaign_id: int | None = None
) -> Page[AssignmentOut]:
    """Across campaigns: an expert's own assignments (their work list); every assignment for the province."""
    items, total = paginate(session, repo.assignments_stmt(scope, campaign_id), page)
    return Page(
        items=[AssignmentOut.model_validate(a) for a in items], total=total, limit=page.limit, offset=page.offset
    )
