from __future__ import annotations

from fastapi import Request, Response
from sqlalchemy import select

from evaluation.cases import service
from evaluation.cases.models import TypicalCase
from evaluation.cases.schemas import CaseIn, CaseOut
from evaluation.deps import Orgs, ProvinceAdmin
from sanquan_kernel.db import SessionDep
from sanquan_kernel.errors import NotFound
from sanquan_kernel.etag import set_etag
from sanquan_kernel.pagination import Page, PageDep, paginate
from sanquan_kernel.routing import ServiceRouter

router = ServiceRouter(prefix="/cases", tags=["typical cases"])


def _load(session: SessionDep, case_id: int) -> TypicalCase:
    c = session.get(TypicalCase, case_id)
    if c is None:
        raise NotFound("No such case")
    return c


@router.get("", response_model=Page[CaseOut])
def list_cases(session: SessionDep, _: ProvinceAdmin, orgdir: Orgs, page: PageDep) -> Page[CaseOut]:
    """The typical-case library, drafts and published (the province's)."""
    stmt = select(TypicalCase).order_by(TypicalCase.year.desc(), TypicalCase.id.desc())
    items, total = paginate(session, stmt, page)
    counts = service.photo_counts(session)
    return Page(
        items=[service.out(c, orgdir, counts) for c in items], total=total, limit=page.limit, offset=page.offset
    )


@router.post("", response_model=CaseOut, status_code=201)
def create_case(
    body: CaseIn, session: SessionDep, principal: ProvinceAdmin, orgdir: Orgs, response: Response
) -> CaseOut:
    c = service.create(session, principal, body, orgdir)
    set_etag(response, c.version)
    return service.out(c, orgdir, {})


@router.get("/{case_id}", response_model=CaseOut)
def get_case(case_id: int, session: SessionDep, _: ProvinceAdmin, orgdir: Orgs, response: Response) -> CaseOut:
    c = _load(session, case_id)
    set_etag(response, c.version)
    return service.out(c, orgdir, service.photo_counts(session))


@router.put("/{case_id}", response_model=CaseOut)
def update_case(
    case_id: int,
    body: CaseIn,
    session: SessionDep,
    principal: ProvinceAdmin,
    orgdir: Orgs,
    request: Request,
    response: Response,
) -> CaseOut:
    """Change or (un)publish a case (If-Match: its ETag)."""
    c = service.update(session, request, principal, _load(session, case_id), body, orgdir)
    set_etag(response, c.version)
    return service.out(c, orgdir, service.photo_counts(session))


@router.delete("/{case_id}", status_code=204)
def delete_case(case_id: int, session: SessionDep, principal: ProvinceAdmin, request: Request) -> Response:
    service.delete(session, request, principal, _load(session, case_id))
    return Response(status_code=204)
