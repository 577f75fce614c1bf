"""``POST /internal/events`` (issue #18): a service's relay hands over its outbox; each event is stored once and
handed to the subscribers in the intake's transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sanquan_gateway import events
from sanquan_gateway.accounts.models import Client
from sanquan_gateway.events.models import Event

from .conftest import World


def _service(w: World, name: str = "plans") -> dict[str, str]:
    issuer = w.app.state.kernel.extras["issuer"]
    with w.app.state.kernel.sessionmaker() as s:
        client = s.scalar(select(Client).where(Client.client_id == f"svc-{name}"))
    return {"Authorization": f"Bearer {issuer.access_for_client(client)[0]}"}


def _event(w: World, **kw: Any) -> dict[str, Any]:
    e = {
        "id": "evt_" + uuid.uuid4().hex,
        "type": "plan.returned",
        "source": "plans",
        "university_id": w.ids["uni_a"],
        "department_id": None,
        "subject": "plan:7",
        "occurred_at": "2026-12-04T08:00:00+00:00",
        "data": {"plan_id": 7, "title": "2026 年度计划"},
    }
    e.update(kw)
    return e


@pytest.fixture
def seen() -> Iterator[list[tuple[str, str]]]:
    got: list[tuple[str, str]] = []

    def handler(session: Session, event: Event) -> None:
        assert session.in_transaction()
        got.append((event.id, event.type))

    events.subscribe(handler)
    yield got
    events._handlers.remove(handler)


def test_events_are_stored_once_and_handed_to_the_subscribers(world: World, seen: list[tuple[str, str]]) -> None:
    a, b = _event(world), _event(world, type="plan.approved", subject="plan:8")
    r = world.client.post("/internal/events", json={"events": [a, b]}, headers=_service(world))
    assert r.status_code == 200, r.text
    assert r.json() == {"accepted": 2, "duplicates": 0}
    assert seen == [(a["id"], "plan.returned"), (b["id"], "plan.approved")]
    # the relay did not hear the answer and sends again, with one more: only the new one is taken
    c = _event(world, subject="plan:9")
    r = world.client.post("/internal/events", json={"events": [a, b, c]}, headers=_service(world))
    assert r.json() == {"accepted": 1, "duplicates": 2}
    assert seen[-1] == (c["id"], "plan.returned") and len(seen) == 3
    with world.app.state.kernel.sessionmaker() as s:
        rows = list(s.scalars(select(Event).order_by(Event.seq)))
    assert [e.id for e in rows] == [a["id"], b["id"], c["id"]]
    assert rows[0].data == {"plan_id": 7, "title": "2026 年度计划"} and rows[0].university_id == world.ids["uni_a"]
    assert rows[0].occurred_at.isoformat() == "2026-12-04T08:00:00+00:00" and rows[0].source == "plans"


def test_a_failing_subscriber_stores_nothing(world: World) -> None:
    def broken(session: Session, event: Event) -> None:
        raise RuntimeError("subscriber down")

    events.subscribe(broken)
    try:
        with pytest.raises(RuntimeError):
            world.client.post("/internal/events", json={"events": [_event(world)]}, headers=_service(world))
    finally:
        events._handlers.remove(broken)
    with world.app.state.kernel.sessionmaker() as s:
        assert s.scalar(select(func.count()).select_from(Event)) == 0


def test_only_services_send_their_own_events(world: World) -> None:
    body = {"events": [_event(world)]}
    assert world.client.post("/internal/events", json=body).status_code in (401, 404)  # /internal is hidden
    for who in ("uni_a_admin", "province_admin"):
        assert world.client.post("/internal/events", json=body, headers=world.auth(who)).status_code in (403, 404)
    # training may not pass an event off as plans'
    r = world.client.post("/internal/events", json=body, headers=_service(world, "training"))
    assert r.status_code == 403 and r.json()["code"] == "event_source_mismatch"
    with world.app.state.kernel.sessionmaker() as s:
        assert s.scalar(select(func.count()).select_from(Event)) == 0


def test_bad_events_are_refused_with_field_errors(world: World) -> None:
    bad = _event(world, id="nope", occurred_at="2026-12-04T08:00:00")  # no evt_ prefix, no time zone
    r = world.client.post("/internal/events", json={"events": [bad]}, headers=_service(world))
    assert r.status_code == 422
    fields = {tuple(e["loc"][-2:]) if isinstance(e, dict) and "loc" in e else str(e) for e in r.json()["errors"]}
    assert fields, r.json()
