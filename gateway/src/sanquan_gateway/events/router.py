"""``POST /internal/events``: the services' relays hand over their outbox (role ``service``, scope
``internal:events``). Idempotent by event id: 200 with how many were new and how many were known already."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from sanquan_gateway.events import service
from sanquan_gateway.events.schemas import EventBatch, IntakeResult
from sanquan_kernel.db import SessionDep
from sanquan_kernel.deps import require
from sanquan_kernel.errors import Forbidden
from sanquan_kernel.principal import Principal, Role

router = APIRouter(prefix="/internal", tags=["internal"], include_in_schema=False)

EventWriter = Annotated[Principal, require(Role.SERVICE, client_scope="internal:events")]


@router.post("/events", response_model=IntakeResult)
def take_events(batch: EventBatch, session: SessionDep, principal: EventWriter) -> IntakeResult:
    # A service relays its own events only: svc-plans cannot pass an event off as training's.
    own = principal.subject.removeprefix("client:svc-")
    if any(e.source != own for e in batch.events):
        raise Forbidden("A service sends its own events only", code="event_source_mismatch")
    accepted, duplicates = service.take(session, batch.events)
    return IntakeResult(accepted=accepted, duplicates=duplicates)
