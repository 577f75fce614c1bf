"""The intake's subscriber: for each new event of a university, one pending delivery per active endpoint of that
university subscribed to the event's type, in the intake transaction (so none is written for an event that was
not stored, and none lost for one that was). Set-based: the endpoints read once per transaction, the deliveries of
a whole intake batch written with one INSERT (in the events' order, so per endpoint and subject the ids follow the
events' ``seq``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from sanquan_gateway import events
from sanquan_gateway.events.models import Event
from sanquan_gateway.webhooks.models import WebhookDelivery, WebhookEndpoint

WAKE = "webhooks.wake"
_ENDPOINTS = "webhooks.endpoints"


def _active_endpoints(session: Session) -> dict[int, list[tuple[int, frozenset[str]]]]:
    """The active endpoints by university, read once per transaction (an intake batch of hundreds of events asks
    one query, not one per event; a province has a few hundred endpoints at most)."""
    transaction = session.get_transaction()
    held = session.info.get(_ENDPOINTS)
    cached = held[1] if held is not None and held[0] is transaction else None
    if cached is None:
        cached = defaultdict(list)
        rows = session.execute(
            select(WebhookEndpoint.id, WebhookEndpoint.university_id, WebhookEndpoint.event_types).where(
                WebhookEndpoint.active.is_(True)
            )
        )
        for endpoint_id, university_id, types in rows:
            cached[university_id].append((endpoint_id, frozenset(types or ())))
        session.info[_ENDPOINTS] = (transaction, cached)
    return cached


@events.subscribe_batch
def deliveries_for(session: Session, batch: Sequence[Event]) -> None:
    endpoints = _active_endpoints(session)
    rows = [
        {
            "endpoint_id": endpoint_id,
            "university_id": event.university_id,
            "event_seq": event.seq,
            "event_id": event.id,
            "event_type": event.type,
            "subject": event.subject,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": event.received_at,
            "created_at": event.received_at,
        }
        for event in batch
        if event.university_id is not None
        for endpoint_id, types in endpoints.get(event.university_id, ())
        if event.type in types
    ]
    if rows:
        session.execute(insert(WebhookDelivery), rows)
        session.info[WAKE] = True  # the worker in this process, after the commit
        if session.get_bind().dialect.name == "postgresql":
            # the worker in a process of its own (webhooks/process.py) LISTENs; sent at the commit, once per channel
            session.execute(text("NOTIFY sanquan_webhooks"))
