"""The outbox and its relay between real processes (issue #18): an event of a rolled-back transaction is never
relayed; with the gateway down the events wait and then arrive once each, in ``seq`` order; a service killed
between its commit and the relay sends them after its restart. The events are written into the plans service's
own database the way its code writes them (``sanquan_kernel.outbox.emit`` in a transaction)."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from sanquan_kernel.db import make_engine, make_sessionmaker
from sanquan_kernel.outbox import emit
from tests.harness import Stack


@pytest.fixture(params=["sqlite", "postgresql"])
def stack(request: pytest.FixtureRequest) -> Iterator[Stack]:
    with Stack(
        backend=request.param,
        name="outbox",
        test_profile=True,
        extra_env={"PLANS_OUTBOX_POLL_INTERVAL": "0.3"},
    ) as s:
        yield s


def _url(stack: Stack, service: str) -> str:
    return stack.env.get(f"{service.upper()}_DATABASE_URL") or f"sqlite:///{stack.data_dir / (service + '.db')}"


def _sessions(stack: Stack, service: str) -> sessionmaker[Session]:
    return make_sessionmaker(make_engine(_url(stack, service), pool_size=2))


def _emit(plans: sessionmaker[Session], n: int) -> str:
    with plans.begin() as s:
        return emit(s, "plan.returned", subject=f"plan:{n}", university_id=None, data={"plan_id": n, "year": 2026})


def _received(gateway: sessionmaker[Session]) -> list[str]:
    """The ids the gateway took in, in its order of arrival."""
    with gateway() as s:
        return [r[0] for r in s.execute(text("SELECT id FROM events WHERE source = 'plans' ORDER BY seq"))]


def _wait_for(gateway: sessionmaker[Session], ids: list[str], timeout: float = 60) -> list[str]:
    deadline = time.time() + timeout
    while time.time() < deadline:
        got = _received(gateway)
        if set(ids) <= set(got):
            return got
        time.sleep(0.2)
    raise AssertionError(f"not relayed within {timeout} s: {sorted(set(ids) - set(_received(gateway)))}")


def _unsent(plans: sessionmaker[Session]) -> int:
    with plans() as s:
        return int(s.scalar(text("SELECT count(*) FROM outbox WHERE sent_at IS NULL")) or 0)


def test_the_outbox_relays_what_committed_once_in_order_through_outages_and_restarts(stack: Stack) -> None:
    plans, gateway = _sessions(stack, "plans"), _sessions(stack, "gateway")

    # 1. an event of a rolled-back transaction is never relayed; the committed one is
    with plans() as s:
        s.begin()
        rolled_back = emit(s, "plan.returned", subject="plan:0", data={"plan_id": 0})
        s.rollback()
    kept = _emit(plans, 1)
    got = _wait_for(gateway, [kept])
    assert rolled_back not in got
    with plans() as s:
        assert s.scalar(text("SELECT count(*) FROM outbox WHERE id = :i"), {"i": rolled_back}) == 0

    # 2. the gateway down: events wait in the outbox; back up: every one arrives once, in seq order
    stack.kill("gateway")
    waiting = [_emit(plans, n) for n in range(2, 27)]
    time.sleep(1.5)  # the relay tries and fails meanwhile
    assert _unsent(plans) == len(waiting)
    stack.start("gateway")
    got = _wait_for(gateway, waiting)
    assert got == [kept, *waiting]  # once each, in the order of their commits
    deadline = time.time() + 10
    while _unsent(plans) and time.time() < deadline:
        time.sleep(0.2)
    assert _unsent(plans) == 0

    # 3. the service killed between its commit and the relay: delivered after its restart
    stack.kill("gateway")
    before_kill = [_emit(plans, n) for n in range(30, 35)]
    stack.kill("plans", signal.SIGKILL)
    stack.start("gateway")
    time.sleep(1.5)
    assert not set(before_kill) & set(_received(gateway))  # nobody relayed them: plans is down
    stack.start("plans")
    got = _wait_for(gateway, before_kill)
    assert got == [kept, *waiting, *before_kill]
    assert len(got) == len(set(got))
