"""The events table's statements; the one place where SQLite and PostgreSQL are told apart (INSERT … ON CONFLICT
DO NOTHING RETURNING has one spelling per dialect in SQLAlchemy)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sanquan_gateway.events.models import Event
from sanquan_kernel.db import is_sqlite


def insert_new(session: Session, rows: Sequence[dict[str, Any]]) -> list[Event]:
    """Inserts the rows whose id is not stored yet, in the given order, and returns the new ones as ``Event``s in
    that order. A row sent twice at once by two relays' retries is stored once (the unique id, no error)."""
    if not rows:
        return []
    dialect: Any = sqlite if is_sqlite(session) else postgresql
    stmt = (
        dialect.insert(Event).values(list(rows)).on_conflict_do_nothing(index_elements=[Event.id]).returning(Event.seq)
    )
    seqs = list(session.scalars(stmt))
    if not seqs:
        return []
    return list(session.scalars(select(Event).where(Event.seq.in_(seqs)).order_by(Event.seq)))
