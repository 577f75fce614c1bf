"""``/api/hall/requests``: report, follow, work on and rate requests (S1). Out of scope is 404 (A3): another
university's request, another student's request, another department's request for its staff."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, Literal

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
from sanquan_kernel.etag import etag_for
from sanquan_kernel.principal import Principal
from sanquan_kernel.responses import json_response
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


def _answer(data: dict[str, Any], status_code: int = 200) -> Response:
    """A request's answer as plain data of its documented shape (``RequestDetail``), with its ETag."""
    return json_response(data, status_code=status_code, headers={"ETag": etag_for(data["version"])})


def _detail(session: SessionDep, r: HallRequest, principal: Principal) -> Response:
    session.flush()
    return _answer(service.detail(session, r, principal, service.place_name(session, r)))


@router.post(
    "/requests",
    status_code=201,
    response_model=RequestDetail,
    responses={200: {"description": "The request stored for this key"}},
)
def create_request(
    body: RequestIn,
    principal: Requester,
    session: SessionDep,
    scope: CurrentScope,
    idempotency_key: Annotated[str | None, Header(min_length=1, max_length=100)] = None,
) -> Response:
    """S1: report a problem or a suggestion. The same ``Idempotency-Key`` again answers 200 with the request
    stored the first time and stores nothing."""
    made = service.create(session, principal, scope, body, idempotency_key)
    if made.row is None:
        stored = repo.read(session, scope, made.id)
        if stored is None:
            raise NotFound("No such request")
        return _answer(service.detail(session, stored, principal, stored.place_name))
    # a request created just now: its one timeline entry is known, and its files are those of its body
    data = service.detail(
        session, made.row, principal, made.place_name, events=made.events, no_files=not body.attachment_ids
    )
    return _answer(data, 201)


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


@router.get("/requests", response_model=RequestPage)
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
) -> Response:
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
    stmt, params = repo.listing(
        scope, filters=filters, now=now, sort=sort, cursor=_parse_cursor(cursor, sort), limit=limit
    )
    rows = session.execute(stmt, params).all()
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
    items = [service.fields(r, principal, r.place_name, now) for r in rows]
    return json_response({"items": items, "next_cursor": next_cursor, "limit": limit})


@router.get("/requests/{request_id}", response_model=RequestDetail)
def get_request(request_id: int, principal: Reader, session: SessionDep, scope: CurrentScope) -> Response:
    """The request with its timeline and files."""
    r = repo.read(session, scope, request_id)
    if r is None:
        raise NotFound("No such request")
    return _answer(service.detail(session, r, principal, r.place_name))


@router.post("/requests/{request_id}/accept", response_model=RequestDetail)
def accept_request(
    principal: Handler,
    r: RequestDep,
    session: SessionDep,
    request: Request,
) -> Response:
    service.accept(session, request, principal, r)
    return _detail(session, r, principal)


@router.post("/requests/{request_id}/assign", response_model=RequestDetail)
def assign_request(
    principal: Handler,
    body: AssignIn,
    r: RequestDep,
    accounts: Accounts,
    session: SessionDep,
    request: Request,
) -> Response:
    service.assign(session, request, principal, accounts, r, body)
    return _detail(session, r, principal)


@router.post("/requests/{request_id}/transfer", response_model=RequestDetail)
def transfer_request(
    principal: Handler,
    body: TransferIn,
    r: RequestDep,
    orgs: Orgs,
    session: SessionDep,
    request: Request,
) -> Response:
    service.transfer(session, request, principal, orgs, r, body)
    return _detail(session, r, principal)


@router.post("/requests/{request_id}/answer", response_model=RequestDetail)
def answer_request(
    principal: Handler,
    body: AnswerIn,
    r: RequestDep,
    scope: CurrentScope,
    session: SessionDep,
    request: Request,
) -> Response:
    service.answer(session, request, principal, scope, r, body)
    return _detail(session, r, principal)


@router.post("/requests/{request_id}/close", response_model=RequestDetail)
def close_request(
    principal: Handler,
    r: RequestDep,
    session: SessionDep,
    request: Request,
) -> Response:
    service.close(session, request, principal, r)
    return _detail(session, r, principal)


@router.post("/requests/{request_id}/info", response_model=RequestDetail)
def add_request_info(
    principal: Requester,
    body: InfoIn,
    r: RequestDep,
    scope: CurrentScope,
    session: SessionDep,
    request: Request,
) -> Response:
    service.add_info(session, request, principal, scope, r, body)
    return _detail(session, r, principal)


@router.post("/requests/{request_id}/rate", response_model=RequestDetail)
def rate_request(
    principal: Requester,
    body: RateIn,
    r: RequestDep,
    session: SessionDep,
    request: Request,
) -> Response:
    service.rate(session, request, principal, r, body)
    return _detail(session, r, principal)


@router.post("/requests/{request_id}/reopen", response_model=RequestDetail)
def reopen_request(
    principal: Requester,
    body: ReopenIn,
    r: RequestDep,
    session: SessionDep,
    request: Request,
) -> Response:
    settings: Settings = request.app.state.kernel.settings
    service.reopen(session, request, principal, r, body, settings.reopen_within_days)
    return _detail(session, r, principal)


@router.post("/requests/{request_id}/withdraw", response_model=RequestDetail)
def withdraw_request(
    principal: Requester,
    r: RequestDep,
    session: SessionDep,
    request: Request,
) -> Response:
    service.withdraw(session, request, principal, r)
    return _detail(session, r, principal)


assert set(STATUSES) == {"new", "accepted", "answered", "closed", "withdrawn"}
