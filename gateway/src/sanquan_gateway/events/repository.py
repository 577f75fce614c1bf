"""The events table's statements; the one place where SQLite and PostgreSQL are told apart (INSERT … ON CONFLICT
DO NOTHING RETURNING has one spelling per dialect in SQLAlchemy)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sanquan_gateway.events.models import Event
from sanquan_kernel.db import is_sqlite


def insert_new(session: Session, rows: Sequence[dict[str, Any]]) -> list[Event]:
    """Inserts the rows whose id is not stored yet, in the given order, and returns the new ones as ``Event``s in
    that order. A row sent twice at once by two relays' retries is stored once (the unique id, no error).

    The ``Event``s are made from the rows and the returned ``seq``s (not read back: the intake's CPU), detached
    from the session, their datetimes in UTC as a read would give them."""
    if not rows:
        return []
    dialect: Any = sqlite if is_sqlite(session) else postgresql
    # executemany with RETURNING (SQLAlchemy's "insertmanyvalues": a few multi-row INSERTs from one cached
    # statement, not a 200-row VALUES compiled anew for each batch)
    stmt = dialect.insert(Event).on_conflict_do_nothing(index_elements=[Event.id]).returning(Event.seq, Event.id)
    seq_of = {event_id: seq for seq, event_id in session.execute(stmt, list(rows))}
    if not seq_of:
        return []
    new = [_event(row, seq_of[row["id"]]) for row in rows if row["id"] in seq_of]
    new.sort(key=lambda e: e.seq)
    return new


def _event(row: dict[str, Any], seq: int) -> Event:
    values = dict(row)
    for key in ("occurred_at", "received_at"):
        value = values.get(key)
        if isinstance(value, datetime):
            values[key] = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return Event(seq=seq, **values)
