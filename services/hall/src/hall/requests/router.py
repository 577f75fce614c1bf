"""``/api/hall/requests``: report, follow, work on and rate requests (S1). Out of scope is 404 (A3): another
university's request, another student's request, another department's request for its staff."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Literal

from fastapi import Depends, Header, Query, Request, Response

from hall.config import Settings
from hall.deps import Accounts, Handler, Orgs, Reader, Requester
from hall.requests import repository as repo
from hall.requests import service
from hall.requests.models import HallRequest
from hall.requests.schemas import (
    AnswerIn,
    AssignIn,
    InfoIn,
    RateIn,
    ReopenIn,
    RequestDetail,
    RequestIn,
    RequestPage,
    TransferIn,
)
from hall.vocabulary import STATUSES
from sanquan_kernel import clock
from sanquan_kernel.auth import CurrentScope
from sanquan_kernel.clock import PROVINCE_TZ
from sanquan_kernel.db import SessionDep
from sanquan_kernel.errors import NotFound, Unprocessable
from sanquan_kernel.etag import set_etag
from sanquan_kernel.principal import Principal
from sanquan_kernel.routing import ServiceRouter

router = ServiceRouter(tags=["requests"])
Id = Annotated[int, Query(ge=1, le=2**31 - 1)]
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def load_request(request_id: int, session: SessionDep, scope: CurrentScope) -> HallRequest:
    r = repo.get(session, scope, request_id)
    if r is None:
        raise NotFound("No such request")
    return r


RequestDep = Annotated[HallRequest, Depends(load_request)]


def _detail(
    session: SessionDep, response: Response, r: HallRequest, principal: Principal, *, no_files: bool = False
) -> RequestDetail:
    session.flush()
    set_etag(response, r.version)
    return service.detail(session, r, principal, no_files=no_files)


@router.post("/requests", status_code=201, responses={200: {"description": "The request stored for this key"}})
def create_request(
    body: RequestIn,
    principal: Requester,
    session: SessionDep,
    scope: CurrentScope,
    response: Response,
    idempotency_key: Annotated[str | None, Header(min_length=1, max_length=100)] = None,
) -> RequestDetail:
    """S1: report a problem or a suggestion. The same ``Idempotency-Key`` again answers 200 with the request
    stored the first time and stores nothing."""
    r, created = service.create(session, principal, scope, body, idempotency_key)
    if not created:
        response.status_code = 200
    # a request created just now has only the files of its body, none when it names none
    return _detail(session, response, r, principal, no_files=created and not body.attachment_ids)


def _parse_cursor(cursor: str | None, sort: str) -> tuple[datetime | None, int] | None:
    if cursor is None:
        return None
    try:
        if sort == "due":
            at, _, last = cursor.partition("_")
            return EPOCH + timedelta(microseconds=int(at)), int(last)
        return None, int(cursor)
    except ValueError:
        raise Unprocessable(
            "Not a cursor of this list", errors=[{"loc": ["query", "cursor"], "msg": "invalid", "type": "value"}]
        ) from None


def _day_start(d: date) -> datetime:
    return datetime.combine(d, time(0), PROVINCE_TZ)


@router.get("/requests")
def list_requests(
    principal: Reader,
    session: SessionDep,
    scope: CurrentScope,
    status: Annotated[list[Literal["new", "accepted", "answered", "closed", "withdrawn"]] | None, Query()] = None,
    category: Annotated[str | None, Query(max_length=32)] = None,
    place_id: Id | None = None,
    department_id: Id | None = None,
    university_id: Id | None = None,
    unrouted: bool | None = None,
    assignee_id: Id | None = None,
    breached: bool | None = None,
    q: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
    created_from: date | None = None,
    created_to: date | None = None,
    sort: Literal["newest", "due"] = "newest",
    cursor: Annotated[str | None, Query(max_length=80)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> RequestPage:
    """A student's or teacher's own requests; a department's queue for its staff and manager; a university's
    for its administrator; every university's for the province. Newest first, or ``sort=due`` (the queue: the
    earliest resolve promise first). Cursor pagination: pass ``next_cursor`` back as ``cursor``."""
    now = clock.now()
    filters = {
        "status": status,
        "category": category,
        "place_id": place_id,
        "department_id": department_id,
        "university_id": university_id,
        "unrouted": unrouted,
        "assignee_id": assignee_id,
        "breached": breached,
        "q": q,
        "created_from": _day_start(created_from) if created_from else None,
        "created_to": _day_start(created_to) + timedelta(days=1) if created_to else None,
    }
    stmt = repo.listing(scope, filters=filters, now=now, sort=sort, cursor=_parse_cursor(cursor, sort), limit=limit)
    rows = session.execute(stmt).all()
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        if sort == "due":
            micros = (last.resolve_due_at - EPOCH) // timedelta(microseconds=1)
            next_cursor = f"{micros}_{last.id}"
        else:
            next_cursor = str(last.id)
    names = service.place_names(session, rows)
    return RequestPage(
        items=[service.out(r, principal, names, now) for r in rows], next_cursor=next_cursor, limit=limit
    )


@router.get("/requests/{request_id}")
def get_request(
    principal: Reader,
    r: RequestDep,
    session: SessionDep,
    response: Response,
) -> RequestDetail:
    """The request with its timeline and files."""
    return _detail(session, response, r, principal)


@router.post("/requests/{request_id}/accept")
def accept_request(
    principal: Handler,
    r: RequestDep,
    session: SessionDep,
    request: Request,
    response: Response,
) -> RequestDetail:
    service.accept(session, request, principal, r)
    return _detail(session, response, r, principal)


@router.post("/requests/{request_id}/assign")
def assign_request(
    principal: Handler,
    body: AssignIn,
    r: RequestDep,
    accounts: Accounts,
    session: SessionDep,
    request: Request,
    response: Response,
) -> RequestDetail:
    service.assign(session, request, principal, accounts, r, body)
    return _detail(session, response, r, principal)


@router.post("/requests/{request_id}/transfer")
def transfer_request(
    principal: Handler,
    body: TransferIn,
    r: RequestDep,
    orgs: Orgs,
    session: SessionDep,
    request: Request,
    response: Response,
) -> RequestDetail:
    service.transfer(session, request, principal, orgs, r, body)
    return _detail(session, response, r, principal)


@router.post("/requests/{request_id}/answer")
def answer_request(
    principal: Handler,
    body: AnswerIn,
    r: RequestDep,
    scope: CurrentScope,
    session: SessionDep,
    request: Request,
    response: Response,
) -> RequestDetail:
    service.answer(session, request, principal, scope, r, body)
    return _detail(session, response, r, principal)


@router.post("/requests/{request_id}/close")
def close_request(
    principal: Handler,
    r: RequestDep,
    session: SessionDep,
    request: Request,
    response: Response,
) -> RequestDetail:
    service.close(session, request, principal, r)
    return _detail(session, response, r, principal)


@router.post("/requests/{request_id}/info")
def add_request_info(
    principal: Requester,
    body: InfoIn,
    r: RequestDep,
    scope: CurrentScope,
    session: SessionDep,
    request: Request,
    response: Response,
) -> RequestDetail:
    service.add_info(session, request, principal, scope, r, body)
    return _detail(session, response, r, principal)


@router.post("/requests/{request_id}/rate")
def rate_request(
    principal: Requester,
    body: RateIn,
    r: RequestDep,
    session: SessionDep,
    request: Request,
    response: Response,
) -> RequestDetail:
    service.rate(session, request, principal, r, body)
    return _detail(session, response, r, principal)


@router.post("/requests/{request_id}/reopen")
def reopen_request(
    principal: Requester,
    body: ReopenIn,
    r: RequestDep,
    session: SessionDep,
    request: Request,
    response: Response,
) -> RequestDetail:
    settings: Settings = request.app.state.kernel.settings
    service.reopen(session, request, principal, r, body, settings.reopen_within_days)
    return _detail(session, response, r, principal)


@router.post("/requests/{request_id}/withdraw")
def withdraw_request(
    principal: Requester,
    r: RequestDep,
    session: SessionDep,
    request: Request,
    response: Response,
) -> RequestDetail:
    service.withdraw(session, request, principal, r)
    return _detail(session, response, r, principal)


assert set(STATUSES) == {"new", "accepted", "answered", "closed", "withdrawn"}
