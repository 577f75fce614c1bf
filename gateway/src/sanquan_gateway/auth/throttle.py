"""Login throttling per account and per client address, in the database so that every replica agrees.

After ``max_failures`` failures within ``window`` seconds the key is locked until the window ends: 429 with
``Retry-After``. A success clears the account's counter (not the address's).
"""

from __future__ import annotations

import math
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from sanquan_gateway.auth.models import LoginThrottle
from sanquan_kernel.db import utcnow


def retry_after(session: Session, keys: list[str]) -> int | None:
    """Seconds until the caller may try again, or None when none of ``keys`` is locked."""
    now = utcnow()
    rows = session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys)))
    waits = [
        math.ceil((r.locked_until - now).total_seconds())
        for r in rows
        if r.locked_until is not None and r.locked_until > now
    ]
    return max(waits) if waits else None


def record_failure(factory: sessionmaker[Session], key: str, max_failures: int, window: int) -> None:
    """Counted in its own transaction, so a failed sign-in is counted even though the request fails."""
    for _ in range(3):
        try:
            with factory.begin() as session:
                now = utcnow()
                row = session.get(LoginThrottle, key, with_for_update=True)
                if row is None:
                    session.add(LoginThrottle(key=key, window_start=now, failures=1))
                    return
                if row.window_start + timedelta(seconds=window) < now:
                    row.window_start, row.failures, row.locked_until = now, 1, None
                else:
                    row.failures += 1
                if row.failures >= max_failures:
                    row.locked_until = now + timedelta(seconds=window)
                return
        except IntegrityError:
            continue


def clear(session: Session, key: str) -> None:
    row = session.get(LoginThrottle, key)
    if row is not None:
        session.delete(row)
