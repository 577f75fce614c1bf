"""``/api/plans/plans``: plans, their submission and review, diffs and change requests."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Query, Request, Response
from sqlalchemy import Select

from plans.deps import Orgs, PlanEditor, PlanReader, ProvinceOnly, ReviewReader, only, own_university
from plans.notices.service import Deadlines
from plans.plan import repository as repo
from plans.plan import service
from plans.plan.models import ChangeRequest, Plan
from plans.plan.schemas import (
    ApproveBody,
    ChangeDecision,
    ChangeRequestCreate,
    ChangeRequestItem,
    ChangeRequestOut,
    CommentOut,
    PlanCreate,
    PlanDiff,
    PlanOut,
    PlanUpdate,
    ReturnBody,
    SubmissionDetail,
    SubmissionOut,
)
from plans.reports.export import XLSX, change_requests_workbook
from plans.tasks.rules import Rules
from plans.visibility import require_university
from plans.vocabulary import PlanStatus
from sanquan_kernel.auth import CurrentPrincipal, CurrentScope
from sanquan_kernel.db import SessionDep
from sanquan_kernel.errors import NotFound
from sanquan_kernel.etag import set_etag
from sanquan_kernel.orgdir import OrgDirectory
from sanquan_kernel.pagination import Page, PageDep, paginate
from sanquan_kernel.routing import ServiceRouter
from sanquan_kernel.storage.names import content_disposition

router = ServiceRouter(tags=["plans"])
EXPORT_MAX_ROWS = 10_000


def load_plan(plan_id: int, session: SessionDep, scope: CurrentScope) -> Plan:
    """The plan, or 404 when it does not exist or lies outside the caller's scope (A3)."""
    plan = repo.get_plan(session, scope, plan_id)
    if plan is None:
        raise NotFound("No such plan")
    return plan


PlanDep = Annotated[Plan, Depends(load_plan)]


def _answer(response: Response, plan: Plan, orgs: OrgDirectory, session: SessionDep) -> PlanOut:
    set_etag(response, plan.version)
    return service.plan_out(plan, orgs, Deadlines(session).plan_due_on(plan.university_id, plan.year))


@router.get("/plans", response_model=Page[PlanOut], dependencies=[only(PlanReader)], summary="List plans")
def list_plans(
    session: SessionDep,
    scope: CurrentScope,
    page: PageDep,
    orgs: Orgs,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    university_id: int | None = None,
    status: PlanStatus | None = None,
) -> Page[PlanOut]:
    require_university(orgs, scope, university_id)
    items, total = paginate(
        session,
        repo.list_plans_stmt(scope, year=year, university_id=university_id, status=status.value if status else None),
        page,
    )
    deadlines = Deadlines(session)
    out = [service.plan_out(p, orgs, deadlines.plan_due_on(p.university_id, p.year)) for p in items]
    return Page(items=out, total=total, limit=page.limit, offset=page.offset)


@router.post(
    "/plans",
    response_model=PlanOut,
    status_code=201,
    dependencies=[only(PlanEditor)],
    summary="Create the university's plan for a year",
)
def create_plan(
    body: PlanCreate,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    orgs: Orgs,
) -> PlanOut:
    plan = service.create_plan(session, principal, own_university(principal), body)
    return _answer(response, plan, orgs, session)


@router.get("/plans/{plan_id}", response_model=PlanOut, dependencies=[only(PlanReader)], summary="A plan")
def get_plan(plan: PlanDep, response: Response, orgs: Orgs, session: SessionDep) -> PlanOut:
    return _answer(response, plan, orgs, session)


@router.patch(
    "/plans/{plan_id}",
    response_model=PlanOut,
    dependencies=[only(PlanEditor)],
    summary="Edit a draft or returned plan (If-Match)",
)
def update_plan(
    plan: PlanDep,
    body: PlanUpdate,
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    orgs: Orgs,
) -> PlanOut:
    service.update_plan(session, request, principal, plan, body)
    return _answer(response, plan, orgs, session)


@router.delete(
    "/plans/{plan_id}",
    status_code=204,
    response_class=Response,
    dependencies=[only(PlanEditor)],
    summary="Delete a draft that was never submitted (If-Match)",
)
def delete_plan(plan: PlanDep, request: Request, session: SessionDep, principal: CurrentPrincipal) -> Response:
    service.delete_plan(session, request, principal, plan)
    return Response(status_code=204)


@router.post(
    "/plans/{plan_id}/submit",
    response_model=PlanOut,
    dependencies=[only(PlanEditor)],
    summary="Submit the plan to the province (stores a snapshot)",
)
def submit_plan(
    plan: PlanDep,
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    scope: CurrentScope,
    response: Response,
    orgs: Orgs,
) -> PlanOut:
    service.submit(session, request, principal, scope, plan)
    return _answer(response, plan, orgs, session)


@router.post(
    "/plans/{plan_id}/approve",
    response_model=PlanOut,
    dependencies=[only(ProvinceOnly)],
    summary="Approve the submitted plan (province)",
)
def approve_plan(
    plan: PlanDep,
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    orgs: Orgs,
    body: ApproveBody | None = None,
) -> PlanOut:
    service.approve(session, request, principal, plan, body.comment if body else "")
    return _answer(response, plan, orgs, session)


@router.post(
    "/plans/{plan_id}/return",
    response_model=PlanOut,
    dependencies=[only(ProvinceOnly)],
    summary="Return the submitted plan with comments, overall and per task (province)",
)
def return_plan(
    plan: PlanDep,
    body: ReturnBody,
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    orgs: Orgs,
) -> PlanOut:
    service.return_plan(session, request, principal, plan, body)
    return _answer(response, plan, orgs, session)


@router.get(
    "/plans/{plan_id}/submissions",
    response_model=Page[SubmissionOut],
    dependencies=[only(ReviewReader)],
    summary="The plan's submissions, oldest first",
)
def list_submissions(plan: PlanDep, session: SessionDep, page: PageDep) -> Page[SubmissionOut]:
    subs = repo.submissions(session, plan.id)
    window = subs[page.offset : page.offset + page.limit]
    return Page(
        items=[SubmissionOut.model_validate(s, from_attributes=True) for s in window],
        total=len(subs),
        limit=page.limit,
        offset=page.offset,
    )


@router.get(
    "/plans/{plan_id}/submissions/{seq}",
    response_model=SubmissionDetail,
    dependencies=[only(ReviewReader)],
    summary="One submission with its snapshot",
)
def get_submission(plan: PlanDep, seq: int, session: SessionDep) -> SubmissionDetail:
    sub = repo.submission(session, plan.id, seq)
    if sub is None:
        raise NotFound("No such submission")
    return SubmissionDetail.model_validate(sub, from_attributes=True)


@router.get(
    "/plans/{plan_id}/diff",
    response_model=PlanDiff,
    dependencies=[only(ReviewReader)],
    summary="What changed between a submission (default: the latest) and the one before it, or since the latest",
)
def get_diff(
    plan: PlanDep,
    session: SessionDep,
    scope: CurrentScope,
    seq: Annotated[int | None, Query(ge=1)] = None,
    current: Annotated[
        bool, Query(description="Compare the plan as it is now with its latest submission (`seq` is ignored)")
    ] = False,
) -> PlanDiff:
    if current:
        return service.diff_current(session, scope, plan)
    return service.diff(session, plan, seq)


@router.get(
    "/plans/{plan_id}/comments",
    response_model=Page[CommentOut],
    dependencies=[only(ReviewReader)],
    summary="The province's review comments, overall (task_id null) and per task",
)
def list_comments(plan: PlanDep, session: SessionDep, page: PageDep) -> Page[CommentOut]:
    comments = repo.comments(session, plan.id)
    window = comments[page.offset : page.offset + page.limit]
    return Page(
        items=[CommentOut.model_validate(c, from_attributes=True) for c in window],
        total=len(comments),
        limit=page.limit,
        offset=page.offset,
    )


# -- change requests -----------------------------------------------------------------------------------
def load_change_request(cr_id: int, session: SessionDep, scope: CurrentScope) -> ChangeRequest:
    cr = repo.get_change_request(session, scope, cr_id)
    if cr is None:
        raise NotFound("No such change request")
    return cr


ChangeRequestDep = Annotated[ChangeRequest, Depends(load_change_request)]


def _cr_answer(response: Response, cr: ChangeRequest) -> ChangeRequestOut:
    set_etag(response, cr.version)
    return ChangeRequestOut.model_validate(cr, from_attributes=True)


ChangeStatus = Literal["pending", "approved", "rejected"]


def _all_change_requests(
    session: SessionDep,
    scope: CurrentScope,
    orgs: Orgs,
    status: ChangeStatus | None = None,
    university_id: int | None = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> Select[tuple[ChangeRequest]]:
    require_university(orgs, scope, university_id)
    return repo.all_change_requests_stmt(scope, status=status, university_id=university_id, year=year)


AllChangeRequests = Annotated[Select[tuple[ChangeRequest]], Depends(_all_change_requests)]


@router.get(
    "/change-requests",
    response_model=Page[ChangeRequestItem],
    dependencies=[only(ReviewReader)],
    summary="Change requests across plans, newest first (the province's queue; a university sees its own)",
)
def list_all_change_requests(
    stmt: AllChangeRequests, session: SessionDep, page: PageDep, orgs: Orgs
) -> Page[ChangeRequestItem]:
    items, total = paginate(session, stmt, page)
    return Page(
        items=service.change_request_items(session, items, orgs), total=total, limit=page.limit, offset=page.offset
    )


@router.get(
    "/change-requests/export",
    dependencies=[only(ReviewReader)],
    response_class=Response,
    responses={
        200: {
            "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
            "description": "An XLSX workbook",
        }
    },
    summary="The same list as XLSX (same filters, at most 10,000 rows)",
)
def export_all_change_requests(stmt: AllChangeRequests, session: SessionDep, orgs: Orgs) -> Response:
    crs = list(session.scalars(stmt.limit(EXPORT_MAX_ROWS)))
    data = change_requests_workbook(service.change_request_items(session, crs, orgs), orgs)
    return Response(data, media_type=XLSX, headers={"Content-Disposition": content_disposition("变更申请.xlsx")})


@router.post(
    "/plans/{plan_id}/change-requests",
    response_model=ChangeRequestOut,
    status_code=201,
    dependencies=[only(PlanEditor)],
    summary="Ask the province to change an approved plan",
)
def create_change_request(
    plan: PlanDep,
    body: ChangeRequestCreate,
    session: SessionDep,
    principal: CurrentPrincipal,
    scope: CurrentScope,
    response: Response,
    rules: Rules,
) -> ChangeRequestOut:
    return _cr_answer(response, service.request_change(session, principal, scope, plan, body, rules))


@router.get(
    "/plans/{plan_id}/change-requests",
    response_model=Page[ChangeRequestOut],
    dependencies=[only(ReviewReader)],
    summary="The plan's change requests, newest first",
)
def list_change_requests(
    plan: PlanDep,
    session: SessionDep,
    scope: CurrentScope,
    page: PageDep,
    status: ChangeStatus | None = None,
) -> Page[ChangeRequestOut]:
    items, total = paginate(session, repo.change_requests_stmt(scope, plan.id, status), page)
    return Page(
        items=[ChangeRequestOut.model_validate(c, from_attributes=True) for c in items],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get(
    "/change-requests/{cr_id}",
    response_model=ChangeRequestOut,
    dependencies=[only(ReviewReader)],
    summary="A change request",
)
def get_change_request(cr: ChangeRequestDep, response: Response) -> ChangeRequestOut:
    return _cr_answer(response, cr)


@router.post(
    "/change-requests/{cr_id}/approve",
    response_model=ChangeRequestOut,
    dependencies=[only(ProvinceOnly)],
    summary="Approve a change request and apply it (province)",
)
def approve_change_request(
    cr: ChangeRequestDep,
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    rules: Rules,
    body: ChangeDecision | None = None,
) -> ChangeRequestOut:
    service.decide_change(session, request, principal, cr, True, body.comment if body else "", rules)
    return _cr_answer(response, cr)


@router.post(
    "/change-requests/{cr_id}/reject",
    response_model=ChangeRequestOut,
    dependencies=[only(ProvinceOnly)],
    summary="Reject a change request (province)",
)
def reject_change_request(
    cr: ChangeRequestDep,
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    rules: Rules,
    body: ChangeDecision | None = None,
) -> ChangeRequestOut:
    service.decide_change(session, request, principal, cr, False, body.comment if body else "", rules)
    return _cr_answer(response, cr)
