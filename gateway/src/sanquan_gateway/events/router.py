"""``POST /internal/events``: the services' relays hand over their outbox (role ``service``, scope
``internal:events``). Idempotent by event id: 200 with how many were new and how many were known already.

A relay sends after each of its service's commits (one event, mostly: 75 a second in the load mix), so the
endpoint is built for the small batch (#21): ``async``, the batch validated on the event loop (FastAPI's own
validation and 422s), the transaction in one worker thread (its own session, committed there), the answer written
directly — one thread hop, where a sync endpoint with the request session and a response model took three."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session, sessionmaker

from sanquan_gateway.events import service
from sanquan_gateway.events.schemas import EventBatch, EventIn, IntakeResult
from sanquan_kernel.deps import require
from sanquan_kernel.errors import Forbidden
from sanquan_kernel.principal import Principal, Role

router = APIRouter(prefix="/internal", tags=["internal"], include_in_schema=False)

EventWriter = Annotated[Principal, require(Role.SERVICE, client_scope="internal:events")]


@router.post("/events", response_model=IntakeResult)
async def take_events(batch: EventBatch, request: Request, principal: EventWriter) -> JSONResponse:
    # A service relays its own events only: svc-plans cannot pass an event off as training's.
    own = principal.subject.removeprefix("client:svc-")
    if any(e.source != own for e in batch.events):
        raise Forbidden("A service sends its own events only", code="event_source_mismatch")
    factory: sessionmaker[Session] = request.app.state.kernel.sessionmaker
    accepted, duplicates = await run_in_threadpool(_take, factory, batch.events)
    return JSONResponse({"accepted": accepted, "duplicates": duplicates})


def _take(factory: sessionmaker[Session], events: list[EventIn]) -> tuple[int, int]:
    with factory.begin() as session:
        return service.take(session, events)
