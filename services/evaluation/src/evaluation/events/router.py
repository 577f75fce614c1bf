"""``/api/evaluation/events``: promotion meetings, seminars, commendation conferences and theory study sessions
(E4, issue #19). The province organises the province's and the association's, a university's administrator their
own university's; everyone in scope reads (another university's event is 404 unless it invites theirs); the
inspector reads; students and integration clients are refused. Materials: ``/events/{event_id}/attachments``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request, Response

from evaluation.deps import Orgs, Person
from evaluation.events import service
from evaluation.events.models import Event
from evaluation.events.schemas import (
    CancelIn,
    EventKind,
    EventStatus,
    HoldIn,
    LogisticsEventIn,
    LogisticsEventOut,
    LogisticsEventUpdate,
    TrainingIn,
)
from sanquan_kernel.auth import CurrentScope
from sanquan_kernel.clock import today
from sanquan_kernel.db import SessionDep
from sanquan_kernel.deps import require
from sanquan_kernel.etag import set_etag
from sanquan_kernel.pagination import Page, PageDep, paginate
from sanquan_kernel.principal import Principal, Role
from sanquan_kernel.routing import ServiceRouter

router = ServiceRouter(tags=["events"])
#: Who organises events: the province (its own and the association's) and a university's administrator (its own).
Organiser = Annotated[Principal, require(Role.PROVINCE_ADMIN, Role.UNIVERSITY_ADMIN)]


def _event(event_id: int, session: SessionDep, scope: CurrentScope, _: Person) -> Event:
    return service.load(session, scope, event_id)


EventDep = Annotated[Event, Depends(_event)]


def _one(
    session: SessionDep, e: Event, orgdir: Orgs, response: Response, request: Request | None = None
) -> LogisticsEventOut:
    counts = None
    if request is not None:
        k = request.app.state.kernel
        counts = service.course_counts(k.service_client, k.settings.training_url, k.settings.source_timeout, e)
    set_etag(response, e.version)
    return service.to_out(session, [e], orgdir, counts)[0]


@router.get("/events", response_model=Page[LogisticsEventOut])
def list_events(
    session: SessionDep,
    scope: CurrentScope,
    _: Person,
    orgdir: Orgs,
    page: PageDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    kind: EventKind | None = None,
    status: EventStatus | None = None,
    campaign_id: int | None = None,
) -> Page[LogisticsEventOut]:
    """The events the caller reads, latest first (the training counts are on the detail only)."""
    stmt = service.list_stmt(scope, year=year, kind=kind, status=status, campaign_id=campaign_id)
    items, total = paginate(session, stmt, page)
    return Page(items=service.to_out(session, items, orgdir), total=total, limit=page.limit, offset=page.offset)


@router.post("/events", response_model=LogisticsEventOut, status_code=201)
def create_event(
    body: LogisticsEventIn,
    session: SessionDep,
    scope: CurrentScope,
    principal: Organiser,
    orgdir: Orgs,
    response: Response,
) -> LogisticsEventOut:
    return _one(session, service.create(session, principal, scope, orgdir, body), orgdir, response)


@router.get("/events/{event_id}", response_model=LogisticsEventOut)
def get_event(
    e: EventDep, session: SessionDep, orgdir: Orgs, request: Request, response: Response
) -> LogisticsEventOut:
    """The event; a declared training with its course's enrolled and attended counts from the training service
    (null, with the reason, when it cannot be asked)."""
    return _one(session, e, orgdir, response, request)


@router.patch("/events/{event_id}", response_model=LogisticsEventOut)
def update_event(
    principal: Organiser,
    body: LogisticsEventUpdate,
    e: EventDep,
    session: SessionDep,
    scope: CurrentScope,
    orgdir: Orgs,
    request: Request,
    response: Response,
) -> LogisticsEventOut:
    """Change a planned or held event (If-Match); a declared training keeps its title and dates (409 event_state)."""
    service.update(session, request, principal, scope, orgdir, e, body)
    return _one(session, e, orgdir, response, request)


@router.post("/events/{event_id}/hold", response_model=LogisticsEventOut)
def hold_event(
    principal: Organiser,
    body: HoldIn,
    e: EventDep,
    session: SessionDep,
    orgdir: Orgs,
    request: Request,
    response: Response,
) -> LogisticsEventOut:
    """planned → held, on or after its first day, with how many came (If-Match)."""
    service.hold(session, request, principal, e, body.participants, today())
    return _one(session, e, orgdir, response, request)


@router.post("/events/{event_id}/cancel", response_model=LogisticsEventOut)
def cancel_event(
    principal: Organiser,
    body: CancelIn,
    e: EventDep,
    session: SessionDep,
    orgdir: Orgs,
    request: Request,
    response: Response,
) -> LogisticsEventOut:
    """planned → cancelled, with a reason (If-Match)."""
    service.cancel(session, request, principal, e, body.reason)
    return _one(session, e, orgdir, response, request)


@router.post("/events/{event_id}/training", response_model=LogisticsEventOut)
def declare_training(
    principal: Organiser,
    body: TrainingIn,
    e: EventDep,
    session: SessionDep,
    orgdir: Orgs,
    request: Request,
    response: Response,
) -> LogisticsEventOut:
    """Declare the event a training (hours or days, themes): the training service makes its course (one per event:
    a retry finds the same course) where attendance is recorded and counts in the ledgers. The training service
    unreachable: 503 ``training_unavailable``, nothing changed."""
    k = request.app.state.kernel
    service.declare_training(
        session,
        request,
        principal,
        orgdir,
        e,
        body,
        client=k.service_client,
        training_url=k.settings.training_url,
        timeout=k.settings.source_timeout,
    )
    return _one(session, e, orgdir, response, request)
