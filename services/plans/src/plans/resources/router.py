"""``/api/plans``: funding lines (P5) and work-study posts (P6)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request, Response

from plans.deps import Orgs, PlanEditor, PlanReader, only, own_university
from plans.resources import repository as repo
from plans.resources import service
from plans.resources.models import FundingLine
from plans.resources.schemas import FundingCreate, FundingOut, FundingUpdate, WorkStudyOut, WorkStudyPut
from plans.visibility import require_university
from plans.vocabulary import FundingKind
from sanquan_kernel.auth import CurrentPrincipal, CurrentScope
from sanquan_kernel.db import SessionDep
from sanquan_kernel.errors import NotFound, Unprocessable
from sanquan_kernel.etag import set_etag
from sanquan_kernel.pagination import Page, PageDep, paginate
from sanquan_kernel.routing import ServiceRouter

router = ServiceRouter(tags=["funding and work-study posts"])
Year = Annotated[int | None, Query(ge=2000, le=2100)]


def load_funding(line_id: int, session: SessionDep, scope: CurrentScope) -> FundingLine:
    line = repo.get_funding(session, scope, line_id)
    if line is None:
        raise NotFound("No such funding line")
    return line


FundingDep = Annotated[FundingLine, Depends(load_funding)]


@router.get(
    "/funding-lines",
    response_model=Page[FundingOut],
    dependencies=[only(PlanReader)],
    summary="Funding lines (P5: the special fund and other funding), planned and spent",
)
def list_funding(
    session: SessionDep,
    scope: CurrentScope,
    page: PageDep,
    orgs: Orgs,
    year: Year = None,
    university_id: int | None = None,
    kind: FundingKind | None = None,
) -> Page[FundingOut]:
    require_university(orgs, scope, university_id)
    stmt = repo.funding_stmt(scope, year=year, university_id=university_id, kind=kind.value if kind else None)
    items, total = paginate(session, stmt, page)
    return Page(items=[service.funding_out(f) for f in items], total=total, limit=page.limit, offset=page.offset)


@router.post(
    "/funding-lines",
    response_model=FundingOut,
    status_code=201,
    dependencies=[only(PlanEditor)],
    summary="Add a funding line of the caller's university",
)
def create_funding(
    body: FundingCreate, session: SessionDep, principal: CurrentPrincipal, response: Response
) -> FundingOut:
    line = service.create_funding(session, principal, own_university(principal), body)
    set_etag(response, line.version)
    return service.funding_out(line)


@router.get(
    "/funding-lines/{line_id}", response_model=FundingOut, dependencies=[only(PlanReader)], summary="A funding line"
)
def get_funding(line: FundingDep, response: Response) -> FundingOut:
    set_etag(response, line.version)
    return service.funding_out(line)


@router.patch(
    "/funding-lines/{line_id}",
    response_model=FundingOut,
    dependencies=[only(PlanEditor)],
    summary="Edit a funding line, e.g. the amount spent (If-Match)",
)
def update_funding(
    line: FundingDep,
    body: FundingUpdate,
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
) -> FundingOut:
    service.update_funding(session, request, principal, line, body)
    set_etag(response, line.version)
    return service.funding_out(line)


@router.delete(
    "/funding-lines/{line_id}",
    status_code=204,
    response_class=Response,
    dependencies=[only(PlanEditor)],
    summary="Remove a funding line (If-Match)",
)
def delete_funding(line: FundingDep, request: Request, session: SessionDep, principal: CurrentPrincipal) -> Response:
    service.delete_funding(session, request, principal, line)
    return Response(status_code=204)


@router.get(
    "/work-study-posts",
    response_model=Page[WorkStudyOut],
    dependencies=[only(PlanReader)],
    summary="Work-study posts per university and year (P6), with the ratio and the 10% check",
)
def list_work_study(
    session: SessionDep,
    scope: CurrentScope,
    page: PageDep,
    orgs: Orgs,
    year: Year = None,
    university_id: int | None = None,
    below_minimum: Annotated[bool, Query(description="Only those below 10%")] = False,
) -> Page[WorkStudyOut]:
    require_university(orgs, scope, university_id)
    stmt = repo.work_study_stmt(scope, year=year, university_id=university_id, below_minimum=below_minimum)
    items, total = paginate(session, stmt, page)
    return Page(
        items=[service.work_study_out(w, orgs) for w in items], total=total, limit=page.limit, offset=page.offset
    )


@router.put(
    "/work-study-posts/{year}",
    response_model=WorkStudyOut,
    dependencies=[only(PlanEditor)],
    responses={201: {"model": WorkStudyOut, "description": "Created"}},
    summary="Set the caller's university's posts of a year (201 created, 200 replaced; If-Match)",
)
def put_work_study(
    year: Annotated[int, Path(ge=2000, le=2100)],
    body: WorkStudyPut,
    request: Request,
    session: SessionDep,
    principal: CurrentPrincipal,
    response: Response,
    orgs: Orgs,
) -> WorkStudyOut:
    university_id = own_university(principal)
    errors = []
    if body.year is not None and body.year != year:
        errors.append({"loc": ["body", "year"], "msg": f"must be the path's year ({year})"})
    if body.university_id is not None and body.university_id != university_id:
        errors.append({"loc": ["body", "university_id"], "msg": "must be your own university"})
    if errors:
        raise Unprocessable("The body does not describe this year's posts of your university", errors=errors)
    row, created = service.put_work_study(session, request, principal, university_id, year, body)
    response.status_code = 201 if created else 200
    set_etag(response, row.version)
    return service.work_study_out(row, orgs)
