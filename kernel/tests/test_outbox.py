"""The outbox's database side (issue #18): emit writes in the caller's transaction only, a dedupe key writes one
event however often it is emitted, the relay's purge removes only what was sent long ago. (Relaying to a real
gateway: tests/test_events_outbox.py.)"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import DeclarativeBase

from sanquan_kernel import clock
from sanquan_kernel import testing as kt
from sanquan_kernel.db import make_engine, make_sessionmaker, new_metadata
from sanquan_kernel.outbox import OUTBOX, Event, OutboxMixin, Relay, emit, emit_many


class Base(DeclarativeBase):
    metadata = new_metadata()


class OutboxEvent(OutboxMixin, Base):
    __tablename__ = "outbox"


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    url = kt.test_database_url(request.param, "kernel_outbox", tmp_path)
    eng = make_engine(url, pool_size=2)
    Base.metadata.create_all(eng)
    yield eng
    eng.dispose()
    if request.param == "postgresql":
        kt.drop_postgres_database(str(eng.url.database))


def _ids(engine: Engine) -> list[str]:
    with make_sessionmaker(engine)() as s:
        return list(s.scalars(select(OUTBOX.c.id).order_by(OUTBOX.c.seq)))


def test_an_event_exists_only_if_its_transaction_committed(engine: Engine) -> None:
    sessions = make_sessionmaker(engine)
    with sessions() as s:
        s.begin()
        emit(s, "plan.returned", subject="plan:1", university_id=3, data={"plan_id": 1})
        s.rollback()
    with sessions.begin() as s:
        kept = emit(s, "plan.returned", subject="plan:2", university_id=3, data={"plan_id": 2}, recipients=[9, 7, 9])
    assert _ids(engine) == [kept] and kept.startswith("evt_")
    with sessions() as s:
        row = s.execute(select(OUTBOX)).one()
    assert row.data == {"plan_id": 2, "recipients": [7, 9]} and row.sent_at is None and row.occurred_at.tzinfo


def test_a_dedupe_key_writes_one_event_however_often_it_is_emitted(engine: Engine) -> None:
    sessions = make_sessionmaker(engine)
    for _ in range(3):
        with sessions.begin() as s:
            first = emit(s, "milestone.due_soon", subject="milestone:5", key="milestone.due_soon:5:2026-12-10")
    with sessions.begin() as s:
        other = emit(s, "milestone.due_soon", subject="milestone:5", key="milestone.due_soon:5:2026-12-17")
    assert _ids(engine) == [first, other]


def test_many_events_are_written_in_one_statement_and_their_keys_still_dedupe(engine: Engine) -> None:
    sessions = make_sessionmaker(engine)
    with sessions.begin() as s:
        earlier = emit(s, "hall.request.escalated", subject="hall_request:1", key="esc-1")
    events = [
        Event("hall.request.escalated", f"hall_request:{n}", university_id=3, data={"n": n}, key=f"esc-{n}")
        for n in (1, 2, 3, 3)
    ] + [Event("hall.request.created", "hall_request:4", recipients=[5, 5])]
    with sessions.begin() as s, kt.count_statements(engine) as log:
        ids = emit_many(s, events)
    assert len(log.queries) == 1, log
    assert ids[0] == earlier and ids[2] == ids[3] and len(set(ids)) == 4
    assert _ids(engine) == [earlier, ids[1], ids[2], ids[4]]  # the keyed ones once, in order
    with sessions() as s:
        row = s.execute(select(OUTBOX).where(OUTBOX.c.id == ids[4])).one()
    assert row.data == {"recipients": [5]} and row.university_id is None
    with sessions.begin() as s:
        assert emit_many(s, []) == []


def test_the_purge_removes_only_events_sent_long_ago(engine: Engine) -> None:
    sessions = make_sessionmaker(engine)
    with sessions.begin() as s:
        ids = [emit(s, "plan.approved", subject=f"plan:{n}") for n in range(3)]
    now = clock.now()
    with sessions.begin() as s:  # the first sent 8 days ago, the second an hour ago, the third not yet
        s.execute(update(OUTBOX).where(OUTBOX.c.id == ids[0]).values(sent_at=now - timedelta(days=8)))
        s.execute(update(OUTBOX).where(OUTBOX.c.id == ids[1]).values(sent_at=now - timedelta(hours=1)))
    relay = Relay(sessions, client=None, source="plans")
    assert relay.purge() == 1
    assert _ids(engine) == ids[1:]


def test_a_keyed_event_is_not_purged_so_its_key_still_dedupes_weeks_later(engine: Engine) -> None:
    # a reminder of a still-open milestone is emitted by every run; once sent and a week old, the purge must not
    # forget it, or the next run writes (and relays) the same reminder again
    sessions = make_sessionmaker(engine)
    key = "milestone.overdue:5:2026-12-10"
    with sessions.begin() as s:
        keyed = emit(s, "milestone.overdue", subject="milestone:5", key=key)
        plain = emit(s, "plan.approved", subject="plan:1")
        # a service's own deterministic id (plans' reminders) is a key too
        s.execute(
            OUTBOX.insert().values(
                id="evt_rm_ov_5_20261210",
                type="milestone.overdue",
                subject="milestone:5",
                occurred_at=clock.now(),
                data={},
            )
        )
    assert keyed.startswith("evt_k_") and not plain.startswith("evt_k_")
    with sessions.begin() as s:
        s.execute(update(OUTBOX).values(sent_at=clock.now()))
    relay = Relay(sessions, client=None, source="plans")
    clock.set_now(clock.now() + timedelta(days=30))
    try:
        assert relay.purge() == 1
        assert _ids(engine) == [keyed, "evt_rm_ov_5_20261210"]
        with sessions.begin() as s:
            again = emit(s, "milestone.overdue", subject="milestone:5", key=key)
        assert again == keyed
        with make_sessionmaker(engine)() as s:
            unsent = list(s.scalars(select(OUTBOX.c.id).where(OUTBOX.c.sent_at.is_(None))))
        assert unsent == []
    finally:
        clock.set_now(None)
