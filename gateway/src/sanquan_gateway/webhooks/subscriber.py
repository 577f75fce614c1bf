"""The intake's subscriber: for each new event of a university, one pending delivery per active endpoint of that
university subscribed to the event's type, in the intake transaction (so none is written for an event that was
not stored, and none lost for one that was)."""

from __future__ import annotations

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from sanquan_gateway import events
from sanquan_gateway.events.models import Event
from sanquan_gateway.webhooks.models import WebhookDelivery, WebhookEndpoint

WAKE = "webhooks.wake"


@events.subscribe
def deliveries_for(session: Session, event: Event) -> None:
    if event.university_id is None:
        return
    endpoints = session.execute(
        select(WebhookEndpoint.id, WebhookEndpoint.event_types).where(
            WebhookEndpoint.university_id == event.university_id, WebhookEndpoint.active.is_(True)
        )
    ).all()
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
        for endpoint_id, types in endpoints
        if event.type in (types or ())
    ]
    if rows:
        session.execute(insert(WebhookDelivery), rows)
        session.info[WAKE] = True
