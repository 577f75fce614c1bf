"""Taking events in: stored once, handed to the subscribers in the same transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sanquan_gateway.events import dispatch, dispatch_all
from sanquan_gateway.events import repository as repo
from sanquan_gateway.events.models import Event
from sanquan_gateway.events.schemas import EventIn
from sanquan_kernel import clock
from sanquan_kernel.db import utcnow


def take(session: Session, events: Sequence[EventIn]) -> tuple[int, int]:
    """Stores the events not seen before and dispatches the new ones (one batch); returns (accepted, duplicates)."""
    seen: set[str] = set()
    rows: list[dict[str, Any]] = []
    for e in events:
        if e.id in seen:
            continue
        seen.add(e.id)
        rows.append(
            {
                "id": e.id,
                "type": e.type,
                "source": e.source,
                "university_id": e.university_id,
                "department_id": e.department_id,
                "subject": e.subject,
                "occurred_at": e.occurred_at,
                "received_at": utcnow(),
                "data": e.data,
            }
        )
    new = repo.insert_new(session, rows)
    dispatch_all(session, new)
    return len(new), len(events) - len(new)


def record(
    session: Session,
    type: str,
    *,
    subject: str,
    university_id: int | None = None,
    department_id: int | None = None,
    data: dict[str, Any] | None = None,
    occurred_at: datetime | None = None,
) -> Event:
    """An event of the gateway itself (e.g. ``webhook.endpoint_disabled``), stored and dispatched in the caller's
    transaction like one a service relayed."""
    now = clock.now()
    rows = [
        {
            "id": "evt_" + uuid.uuid4().hex,
            "type": type,
            "source": "gateway",
            "university_id": university_id,
            "department_id": department_id,
            "subject": subject,
            "occurred_at": occurred_at or now,
            "received_at": utcnow(),
            "data": data or {},
        }
    ]
    (event,) = repo.insert_new(session, rows)
    dispatch(session, event)
    return event
