"""The transactional outbox (issue #18): what happened in a service, written in the transaction that made the
change, then relayed to the gateway's intake (``POST /internal/events``) by a background thread of the service.

- ``emit(session, type, subject=…)`` adds one row to the service's ``outbox`` table in the caller's transaction
  (one INSERT, never a commit). A rolled-back change takes its event with it; a committed one is relayed.
- The relay (``install(app)``, started and stopped with the app) takes unsent rows in ``seq`` order, posts them
  in batches with the service's own token (``ServiceClient``) and marks them sent once the gateway answered 200.
  Rows stay unsent until then: a gateway outage or a restart only delays them; the gateway's intake is
  idempotent by event id, so a batch re-sent after a crash between its POST and its mark is stored once.
- One relay at a time per database: on PostgreSQL the batch is taken under a transaction-level advisory lock
  (``pg_try_advisory_xact_lock``; another replica skips its turn; SQLite has one process) — so the gateway
  receives each service's events in ``seq`` order whatever the number of replicas.
- A commit whose session emitted wakes the relay at once; otherwise it polls every ``poll_interval`` seconds.

Each service maps the table with ``OutboxMixin`` (so ``alembic check`` sees it) and creates it in its tree with
``migrate.create_outbox_table``; ``emit`` and the relay use the kernel's own description of the same table.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import threading
import time
import uuid
import weakref
import zlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ARRAY,
    JSON,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    any_,
    cast,
    delete,
    event,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column, sessionmaker

from sanquan_kernel import clock
from sanquan_kernel.audit import jsonable_dict
from sanquan_kernel.db import UTCDateTime
from sanquan_kernel.lifespan import run_in_background

log = logging.getLogger("sanquan.outbox")

TABLE = "outbox"
#: How long a relayed event stays in the service's outbox (the gateway keeps them; this is for looking back).
KEEP_SENT = timedelta(days=7)
#: Ids of keyed events: ``evt_<kind>_…`` (a second underscore; a random id is ``evt_`` + 32 hex digits): the
#: kernel's ``evt_k_<hash of the key>`` and a service's own deterministic ids (plans' reminders ``evt_rm_…``). Such
#: a row *is* the dedupe ledger of its key, so the purge keeps it: purging it would let the same reminder be written
#: and relayed again a week after it was sent (the gateway would drop the repeat by id, but its webhook and mail
#: senders would have seen the event twice in the outbox's history). A keyed row is small (~72,000 a year for the
#: benchmark province's reminders).
KEYED_ID_LIKE = r"evt\_%\_%"
#: How often the relay purges what it sent long ago (seconds).
PURGE_EVERY = 3600.0
#: How long the relay waits after a commit woke it before it takes the unsent events (seconds): the events of the
#: commits of that moment go to the gateway in one round (one transaction, one POST, one mark) instead of a round
#: each (issue #21: at ~50 campus pushes a second the rounds were a tenth of the push's CPU in the training service,
#: bench/training_mix_cpu.py). Events reach the gateway at most this much later.
LINGER = 0.1
#: The flag a session carries after an ``emit`` until it commits (wakes the relays) or rolls back.
_EMITTED = "sanquan_outbox_emitted"


class OutboxMixin:
    """The ``outbox`` table of a service: ``class OutboxEvent(OutboxMixin, Base)`` in its models."""

    __tablename__ = TABLE
    #: The order events are relayed in (an autoincrementing key: SQLite has no other autoincrement).
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(40), unique=True)
    type: Mapped[str] = mapped_column(String(64))
    university_id: Mapped[int | None] = mapped_column(Integer)
    department_id: Mapped[int | None] = mapped_column(Integer)
    subject: Mapped[str] = mapped_column(String(100))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Index, ...]:
        return (Index("ix_outbox_unsent", "sent_at", "seq"),)


def _columns() -> list[Column[Any]]:
    return [
        Column("seq", Integer, primary_key=True, autoincrement=True),
        Column("id", String(40), nullable=False, unique=True),
        Column("type", String(64), nullable=False),
        Column("university_id", Integer),
        Column("department_id", Integer),
        Column("subject", String(100), nullable=False),
        Column("occurred_at", UTCDateTime(timezone=True), nullable=False),
        Column("data", JSON, nullable=False),
        Column("sent_at", UTCDateTime(timezone=True)),
    ]


#: The kernel's description of every service's outbox table (same columns as ``OutboxMixin``).
OUTBOX = Table(TABLE, MetaData(), *_columns())


def event_id(key: str | None = None) -> str:
    """``evt_`` + 32 hex digits (random), or ``evt_k_`` + 32 hex digits derived from ``key`` (the same key always
    names the same event; kept by the purge, ``KEYED_ID_LIKE``)."""
    if key is None:
        return "evt_" + uuid.uuid4().hex
    return "evt_k_" + hashlib.sha256(key.encode()).hexdigest()[:32]


def event_ids(n: int) -> list[str]:
    """``n`` random event ids of ``event_id``'s form (``evt_`` + 32 hex digits), from one read of the system's
    randomness: a batch's events (issue #21: a uuid4 each cost a batch push of 1,000 records a system call and a
    UUID object per event)."""
    digits = os.urandom(16 * n).hex()
    return ["evt_" + digits[k : k + 32] for k in range(0, 32 * n, 32)]


def emit(
    session: Session,
    type: str,
    *,
    subject: str,
    university_id: int | None = None,
    department_id: int | None = None,
    data: dict[str, Any] | None = None,
    recipients: list[int] | None = None,
    key: str | None = None,
) -> str:
    """Write an event in the caller's transaction (one INSERT, no commit); return its id.

    ``data``: ids and the words' parameters, never a sentence. ``recipients``: account ids told explicitly (an
    assigned expert), put in ``data['recipients']``. ``key``: a dedupe key (a scheduled reminder): an event with
    the key of one already written is not written again (``INSERT … ON CONFLICT DO NOTHING``)."""
    row = _row(Event(type, subject, university_id, department_id, data, recipients, key), clock.now())
    session.execute(_insert(session, keyed=key is not None), row)
    session.info[_EMITTED] = True
    return str(row["id"])


@dataclasses.dataclass(frozen=True, slots=True)
class Event:
    """One event for ``emit_many``: ``emit``'s arguments."""

    type: str
    subject: str
    university_id: int | None = None
    department_id: int | None = None
    data: dict[str, Any] | None = None
    recipients: list[int] | None = None
    key: str | None = None


def emit_many(session: Session, events: Sequence[Event]) -> list[str]:
    """``emit`` for many events in one statement (executemany): a scheduled job's run over a backlog writes its
    thousands of events at once rather than one INSERT each. Returns their ids in order."""
    if not events:
        return []
    now = clock.now()
    rows = [_row(e, now) for e in events]
    session.execute(_insert(session, keyed=any(e.key is not None for e in events)), rows)
    session.info[_EMITTED] = True
    return [str(r["id"]) for r in rows]


def _row(e: Event, now: datetime) -> dict[str, Any]:
    payload = jsonable_dict(e.data) or {}
    if e.recipients:
        payload["recipients"] = sorted(set(e.recipients))
    return {
        "id": event_id(e.key),
        "type": e.type,
        "university_id": e.university_id,
        "department_id": e.department_id,
        "subject": e.subject,
        "occurred_at": now,
        "data": payload,
    }


def _insert(session: Session, *, keyed: bool) -> Any:
    """The outbox's INSERT; with dedupe keys ``ON CONFLICT DO NOTHING`` (a keyed event written once)."""
    if not keyed:
        return insert(OUTBOX)
    dialect = session.get_bind().dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(OUTBOX).on_conflict_do_nothing(
        index_elements=["id"]
    )


# -- waking the relays after a commit ---------------------------------------------------------------------------
_relays: weakref.WeakSet[Relay] = weakref.WeakSet()


@event.listens_for(Session, "after_commit")
def _wake_after_commit(session: Session) -> None:
    if session.info.pop(_EMITTED, False):
        for relay in list(_relays):
            relay.wake()


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_EMITTED, None)


def as_message(row: Any, source: str) -> dict[str, Any]:
    """An outbox row as the gateway's intake takes it (the events contract)."""
    return {
        "id": row.id,
        "type": row.type,
        "source": source,
        "university_id": row.university_id,
        "department_id": row.department_id,
        "subject": row.subject,
        "occurred_at": row.occurred_at.isoformat(),
        "data": row.data,
    }


class Relay:
    """The background thread that relays a service's outbox to the gateway."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        client: Any,
        source: str,
        *,
        poll_interval: float = 5.0,
        batch: int = 200,
        max_backoff: float = 10.0,
        linger: float = LINGER,
    ) -> None:
        self.sessions = sessions
        self.client = client  # a ServiceClient (``request(method, url, **kw)`` and ``gateway_url``)
        self.source = source
        self.poll_interval = poll_interval
        self.batch = batch
        self.max_backoff = max_backoff
        self.linger = linger
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock_key = zlib.crc32(f"outbox:{source}".encode())

    def wake(self) -> None:
        self._wake.set()

    def relay_once(self) -> int:
        """Send one batch of unsent events in ``seq`` order; return how many were marked sent (0: none waiting,
        another replica's turn, or the gateway refused — then the rows stay unsent and the error is raised).

        PostgreSQL: the whole round (read, POST, mark) holds the advisory transaction lock — no row lock, so the
        service's writers never wait for the gateway. SQLite (one process, one relay): the batch is read in one
        short transaction and marked in another, so the database's single writer lock is not held over the POST."""
        with self.sessions() as session:
            if session.get_bind().dialect.name != "postgresql":
                with session.begin():
                    rows = self._unsent(session)
                sent = self._post(rows)
                if sent:
                    with session.begin():
                        self._mark(session, rows)
                return sent
            with session.begin():
                if not session.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": self._lock_key}):
                    return 0
                rows = self._unsent(session)
                sent = self._post(rows)
                if sent:
                    self._mark(session, rows)
                return sent

    def _unsent(self, session: Session) -> list[Any]:
        stmt = select(OUTBOX).where(OUTBOX.c.sent_at.is_(None)).order_by(OUTBOX.c.seq).limit(self.batch)
        return list(session.execute(stmt).all())

    def _post(self, rows: list[Any]) -> int:
        if not rows:
            return 0
        r = self.client.request(
            "POST",
            f"{self.client.gateway_url}/internal/events",
            json={"events": [as_message(row, self.source) for row in rows]},
        )
        if r.status_code != 200:
            raise RuntimeError(f"the gateway answered {r.status_code}: {r.text[:300]}")
        return len(rows)

    @staticmethod
    def _mark(session: Session, rows: list[Any]) -> None:
        seqs = [row.seq for row in rows]
        # PostgreSQL: one array parameter (= ANY), not a batch's 200 bound parameters (issue #21: SQLAlchemy expands
        # each and psycopg splits the statement around each, per round, in the service's process).
        sent = (
            OUTBOX.c.seq.in_(seqs)
            if session.get_bind().dialect.name != "postgresql"
            else OUTBOX.c.seq == any_(cast(seqs, ARRAY(Integer)))
        )
        session.execute(update(OUTBOX).where(sent).values(sent_at=clock.now()))

    def purge(self, *, older_than: timedelta = KEEP_SENT, batch: int = 5000) -> int:
        """Remove up to ``batch`` events sent more than ``older_than`` ago (the gateway has them); how many. Keyed
        events stay: they are their keys' dedupe ledger (``KEYED_ID_LIKE``)."""
        cutoff = clock.now() - older_than
        with self.sessions() as session, session.begin():
            old = (
                select(OUTBOX.c.seq)
                .where(OUTBOX.c.sent_at < cutoff, OUTBOX.c.id.not_like(KEYED_ID_LIKE, escape="\\"))
                .order_by(OUTBOX.c.seq)
                .limit(batch)
            )
            seqs = list(session.scalars(old))
            if seqs:
                session.execute(delete(OUTBOX).where(OUTBOX.c.seq.in_(seqs)))
            return len(seqs)

    def drain(self) -> int:
        """Relay until nothing waits (or a batch fails: raised)."""
        total = 0
        while not self._stop.is_set():
            n = self.relay_once()
            total += n
            if n < self.batch:
                break
        return total

    def start(self) -> None:
        _relays.add(self)
        self._thread = threading.Thread(target=self._run, name=f"outbox-relay-{self.source}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        backoff = 0.0
        purged_at = 0.0
        while not self._stop.is_set():
            if time.monotonic() - purged_at > PURGE_EVERY:
                purged_at = time.monotonic()
                try:
                    self.purge()
                except Exception as exc:  # noqa: BLE001 - not migrated yet: later
                    log.warning("outbox purge failed: %s", exc)
            self._wake.clear()  # before the drain: a commit during it brings another round
            try:
                self.drain()
                backoff = 0.0
            except Exception as exc:  # noqa: BLE001 - the gateway down, the table not migrated yet: try again
                backoff = min(self.max_backoff, max(1.0, backoff * 2))
                log.warning("outbox relay failed (retry in %.0f s): %s", backoff, exc)
            if backoff:  # a commit does not cut a back-off short (the gateway is down: no hammering)
                self._stop.wait(backoff)
            elif self._wake.wait(self.poll_interval) and self.linger:
                self._stop.wait(self.linger)  # woken by a commit: the commits of the next moment join its round

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        _relays.discard(self)
        if self._thread is not None:
            self._thread.join(5)


def install(app: Any, *, source: str) -> None:
    """Run the outbox relay with the app (a service's ``create_app``): started in its lifespan when the service
    has a client of its own towards the gateway (not in tests that build the app alone), stopped with it."""

    def start(state: Any) -> Relay:
        relay = Relay(
            state.sessionmaker, state.service_client, source, poll_interval=state.settings.outbox_poll_interval
        )
        state.extras["outbox_relay"] = relay
        relay.start()
        return relay

    run_in_background(app, start)
