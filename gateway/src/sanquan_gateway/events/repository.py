"""The events table's statements.

The intake's INSERT … ON CONFLICT (id) DO NOTHING RETURNING is one SQL text, the same in SQLite and PostgreSQL:
SQLAlchemy (2.0) cannot cache the compiled form of its dialect ``insert()`` with ``on_conflict_do_nothing`` and
compiled it anew for every intake — the biggest item of a relayed event's CPU (#21). The text is built once per
number of rows (at most ``CHUNK`` a statement) with typed parameters (the JSON ``data``, the UTC datetimes)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache
from typing import Any

from sqlalchemy import Integer, String, Table, TextualSelect, bindparam, text
from sqlalchemy.orm import Session

from sanquan_gateway.events.models import Event

COLUMNS = ("id", "type", "source", "university_id", "department_id", "subject", "occurred_at", "received_at", "data")
#: Rows per statement: 9 parameters a row stays under SQLite's oldest limit of 999 a statement.
CHUNK = 100


@cache
def _insert(n: int) -> TextualSelect:
    """``INSERT … VALUES`` of ``n`` rows, ignoring ids already stored, returning the new rows' ``seq`` and ``id``."""
    table = Event.__table__
    assert isinstance(table, Table)
    values = ", ".join("(" + ", ".join(f":{c}_{i}" for c in COLUMNS) + ")" for i in range(n))
    columns = ", ".join(f'"{c}"' for c in COLUMNS)
    stmt = text(
        f"INSERT INTO {table.name} ({columns}) VALUES {values} ON CONFLICT (id) DO NOTHING RETURNING seq, id"
    ).bindparams(
        *(bindparam(f"{c}_{i}", type_=table.c[c].type) for i in range(n) for c in COLUMNS),
    )
    return stmt.columns(seq=Integer, id=String)


def insert_new(session: Session, rows: Sequence[dict[str, Any]]) -> list[Event]:
    """Inserts the rows whose id is not stored yet, in the given order, and returns the new ones as ``Event``s in
    that order. A row sent twice at once by two relays' retries is stored once (the unique id, no error).

    The ``Event``s are made from the rows and the returned ``seq``s (not read back: the intake's CPU), detached
    from the session, their datetimes in UTC as a read would give them."""
    if not rows:
        return []
    seq_of: dict[str, int] = {}
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        params = {f"{c}_{i}": row.get(c) for i, row in enumerate(chunk) for c in COLUMNS}
        seq_of.update((event_id, seq) for seq, event_id in session.execute(_insert(len(chunk)), params))
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
