"""Sign-in throttling in the database, so that every replica agrees (docs/decisions.md, "Sign-in defences").

Two kinds of counter, each a row of ``login_throttle``:

- a **growing delay** per (account, address) and per (account, known device): the first ``free`` failures cost
  nothing, then each failure makes the key wait 1, 2, 4, … seconds, at most ``max_delay``; the counter is
  forgotten ``window`` seconds after the last failure (or after its delay ends), and a good sign-in clears it;
- a **soft limit** per account, per client id and per address: ``limit`` failures within ``window`` seconds lock
  the key until the window ends. A good sign-in does not clear it (an attacker holding one account must not be
  able to reset the counters of an address).

A locked key answers 429 with ``Retry-After`` without checking the password.
"""

from __future__ import annotations

import hashlib
import math
import random
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from sanquan_gateway.auth.models import LoginThrottle
from sanquan_kernel.db import utcnow


def key(kind: str, *parts: str) -> str:
    """A counter's key: ``kind:part|part`` (lower-cased), hashed when too long for the column."""
    ident = "|".join(p.lower() for p in parts)
    if len(ident) > 150:
        ident = "#" + hashlib.sha256(ident.encode()).hexdigest()
    return f"{kind}:{ident}"


@dataclass(frozen=True)
class Rule:
    """One counter: a soft limit (``limit`` failures per window) or a growing delay (after ``free`` failures)."""

    key: str
    window: int
    limit: int | None = None
    free: int | None = None
    max_delay: int = 900


@dataclass(frozen=True)
class Refusal:
    """A locked key: the seconds to wait, and which lock it is (the key and the end of its delay or window)."""

    wait: int
    lock: str

    def first_seen(self) -> bool:
        """True the first time this replica refuses a request for this lock: the audit log records a lock once,
        not every request an attacker sends into it (those cost no password check, so they come fast)."""
        with _seen_lock:
            if self.lock in _seen:
                _seen.move_to_end(self.lock)
                return False
            _seen[self.lock] = None
            if len(_seen) > 10_000:
                _seen.popitem(last=False)
            return True


_seen: OrderedDict[str, None] = OrderedDict()
_seen_lock = threading.Lock()


def refusal(session: Session, keys: list[str]) -> Refusal | None:
    """The longest lock among ``keys``, or None when none of them is locked."""
    now = utcnow()
    rows = session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys)))
    locked = [r for r in rows if r.locked_until is not None and r.locked_until > now]
    if not locked:
        return None
    row = max(locked, key=lambda r: r.locked_until or now)
    assert row.locked_until is not None
    return Refusal(math.ceil((row.locked_until - now).total_seconds()), f"{row.key}@{row.locked_until.isoformat()}")


def retry_after(session: Session, keys: list[str]) -> int | None:
    """Seconds until the caller may try again, or None when none of ``keys`` is locked."""
    r = refusal(session, keys)
    return r.wait if r else None


def _count(session: Session, rule: Rule) -> None:
    now = utcnow()
    row = session.get(LoginThrottle, rule.key, with_for_update=True)
    if row is None:
        row = LoginThrottle(key=rule.key, window_start=now, failures=0, locked_until=None)
        session.add(row)
    if rule.limit is not None:
        if row.window_start + timedelta(seconds=rule.window) < now:
            row.window_start, row.failures, row.locked_until = now, 0, None
        row.failures += 1
        if row.failures >= rule.limit:
            row.locked_until = row.window_start + timedelta(seconds=rule.window)
        return
    free = rule.free or 0
    last = max(row.window_start, row.locked_until or row.window_start)
    if last + timedelta(seconds=rule.window) < now:
        row.failures, row.locked_until = 0, None
    row.failures += 1
    row.window_start = now
    if row.failures > free:
        delay = min(2 ** min(row.failures - free - 1, 30), rule.max_delay)
        row.locked_until = now + timedelta(seconds=delay)


def record_failures(factory: sessionmaker[Session], rules: list[Rule]) -> None:
    """Counted in their own transaction, so a failed sign-in is counted even though the request fails. Keys in
    a fixed order so that two concurrent failures never wait on each other's rows. About one failure in a hundred
    also removes the counters nobody has failed on for a day (each failure for a new name adds rows)."""
    for _ in range(3):
        try:
            with factory.begin() as session:
                for rule in sorted(rules, key=lambda r: r.key):
                    _count(session, rule)
                    session.flush()
                if random.random() < 0.01:  # housekeeping, not security: any generator does
                    prune(session)
                return
        except IntegrityError:  # two first failures of one key at once: the loser counts again
            continue


def prune(session: Session, idle: timedelta = timedelta(days=1)) -> int:
    """Remove counters with no failure and no delay for ``idle`` (longer than any window or delay in use)."""
    cutoff = utcnow() - idle
    result = session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.window_start < cutoff,
            or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < cutoff),
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def clear(session: Session, keys: list[str]) -> None:
    session.execute(delete(LoginThrottle).where(LoginThrottle.key.in_(keys)))
