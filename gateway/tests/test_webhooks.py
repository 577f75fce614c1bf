"""Webhooks (issue #18, docs/webhooks.md): Standard Webhooks deliveries of a university's events to its
integration clients' endpoints, with real HTTP receivers; signatures checked with the ``standardwebhooks``
package (an independent implementation of the spec)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import select
from standardwebhooks import Webhook, WebhookVerificationError

from sanquan_gateway.accounts.models import Client
from sanquan_gateway.events.models import Event
from sanquan_gateway.main import create_app
from sanquan_gateway.webhooks import urls
from sanquan_gateway.webhooks.models import WebhookDelivery, WebhookEndpoint

from .conftest import World, _settings, free_port
from .webhook_receiver import Receiver

FAST = {
    "webhook_retry_base_seconds": 0.1,
    "webhook_retry_max_delay_seconds": 0.3,
    "webhook_poll_seconds": 0.05,
    "webhook_timeout_seconds": 5.0,
    "webhook_disable_after_failures": 10_000,
}


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return dict(FAST)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def until(check: Callable[[], Any], timeout: float = 20.0) -> Any:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        got = check()
        if got:
            return got
        time.sleep(0.05)
    raise AssertionError("timed out waiting")


def _service(w: World, name: str = "plans") -> dict[str, str]:
    issuer = w.app.state.kernel.extras["issuer"]
    with w.app.state.kernel.sessionmaker() as s:
        client = s.scalar(select(Client).where(Client.client_id == f"svc-{name}"))
    return {"Authorization": f"Bearer {issuer.access_for_client(client)[0]}"}


def _client_pk(w: World) -> int:
    with w.app.state.kernel.sessionmaker() as s:
        return int(s.scalar(select(Client.id).where(Client.client_id == w.integration_client_id)))


def add_endpoint(w: World, url: str, types: list[str] | None = None) -> dict[str, Any]:
    r = w.client.post(
        "/api/webhooks/endpoints",
        json={"client_pk": _client_pk(w), "url": url, "event_types": types or ["plan.returned", "plan.approved"]},
        headers=w.auth("uni_a_admin"),
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def send(w: World, *events: dict[str, Any]) -> None:
    r = w.client.post("/internal/events", json={"events": list(events)}, headers=_service(w))
    assert r.status_code == 200, r.text


def event(w: World, uni: str = "uni_a", subject: str = "plan:7", type_: str = "plan.returned", **data: Any) -> dict:
    return {
        "id": "evt_" + uuid.uuid4().hex,
        "type": type_,
        "source": "plans",
        "university_id": w.ids[uni],
        "subject": subject,
        "occurred_at": "2026-12-04T08:00:00+00:00",
        "data": {"plan_id": 7, "recipients": [1, 2], **data},
    }


def deliveries(w: World, endpoint_id: int, who: str = "uni_a_admin") -> list[dict[str, Any]]:
    r = w.client.get(f"/api/webhooks/endpoints/{endpoint_id}/deliveries", headers=w.auth(who))
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def test_a_universitys_event_reaches_its_endpoint_signed(world: World, receiver: Receiver) -> None:
    ep = add_endpoint(world, receiver.url)
    assert ep["secret"].startswith("whsec_") and ep["active"] and ep["client_id"] == "c-campus-a"
    mine, other, unsubscribed = event(world), event(world, uni="uni_b"), event(world, type_="notice.issued")
    send(world, mine, other, unsubscribed)
    until(lambda: receiver.got)
    time.sleep(0.3)  # nothing else follows: another university's event and an unsubscribed type stay away
    assert receiver.ids() == [mine["id"]]
    got = receiver.got[0]
    body = Webhook(ep["secret"]).verify(got["body"], got["headers"])
    assert body == {
        "id": mine["id"],
        "type": "plan.returned",
        "timestamp": "2026-12-04T08:00:00Z",
        "subject": "plan:7",
        "university_id": world.ids["uni_a"],
        "department_id": None,
        "data": {"plan_id": 7},  # the internal recipients are not sent
    }
    with pytest.raises(WebhookVerificationError):
        Webhook("whsec_" + "QUJD" * 8).verify(got["body"], got["headers"])
    (d,) = until(lambda: [d for d in deliveries(world, ep["id"]) if d["status"] == "delivered"])
    assert d["attempts"] == 1 and d["response_status"] == 200 and d["event_id"] == mine["id"]
    # another university's administrator sees neither the endpoint nor its deliveries; no secret in a listing
    assert world.client.get(f"/api/webhooks/endpoints/{ep['id']}", headers=world.auth("uni_b_admin")).status_code == 404
    r = world.client.get(f"/api/webhooks/endpoints/{ep['id']}/deliveries", headers=world.auth("uni_b_admin"))
    assert r.status_code == 404
    r = world.client.post(f"/api/webhooks/deliveries/{d['id']}/replay", headers=world.auth("uni_b_admin"))
    assert r.status_code == 404
    assert world.client.get("/api/webhooks/endpoints", headers=world.auth("uni_b_admin")).json()["items"] == []
    listed = world.client.get("/api/webhooks/endpoints", headers=world.auth("uni_a_admin")).json()["items"]
    assert [e["id"] for e in listed] == [ep["id"]] and "secret" not in listed[0]


def test_a_receiver_down_for_a_while_gets_every_event_once_in_order_per_resource(world: World) -> None:
    port = free_port()
    ep = add_endpoint(world, f"http://127.0.0.1:{port}/hooks")
    sent = [event(world, subject=f"plan:{i % 2}", n=i) for i in range(6)]
    for e in sent:
        send(world, e)
    # the first of each resource fails a few times; the later ones wait behind it
    until(lambda: any(d["attempts"] >= 2 for d in deliveries(world, ep["id"])))
    assert all(d["status"] == "pending" for d in deliveries(world, ep["id"]))
    receiver = Receiver(port)
    try:
        until(lambda: len(receiver.got) >= 6)
        time.sleep(0.3)
        ids = receiver.ids()
        assert sorted(ids) == sorted(e["id"] for e in sent) and len(ids) == 6  # each once
        for subject in ("plan:0", "plan:1"):
            order = [g["json"]["data"]["n"] for g in receiver.got if g["json"]["subject"] == subject]
            assert order == sorted(order), order
        until(lambda: all(d["status"] == "delivered" for d in deliveries(world, ep["id"])))
    finally:
        receiver.close()


def test_events_committed_while_the_gateway_was_down_are_delivered_after_the_restart(
    world: World, receiver: Receiver, database_url: str
) -> None:
    ep = add_endpoint(world, receiver.url)
    world.app.state.kernel.extras["webhook_worker"].stop()  # the gateway dies after the intake's commit
    a, b = event(world), event(world, subject="plan:8")
    send(world, a, b)
    time.sleep(0.3)
    assert receiver.got == []
    # a delivery a worker had claimed (leased) when it died is sent again once the lease runs out
    with world.app.state.kernel.sessionmaker.begin() as s:
        d = s.scalar(select(WebhookDelivery).where(WebhookDelivery.event_id == b["id"]))
        d.locked_until = d.created_at  # a lease that has run out
    restarted = create_app(_settings(database_url, **FAST))
    from fastapi.testclient import TestClient

    with TestClient(restarted):
        until(lambda: len(receiver.got) >= 2)
        time.sleep(0.2)
    assert sorted(receiver.ids()) == sorted([a["id"], b["id"]])
    assert all(d["status"] == "delivered" for d in deliveries(world, ep["id"]))
    restarted.state.kernel.engine.dispose()


def test_a_slow_receiver_does_not_hold_the_api(world: World, receiver: Receiver) -> None:
    add_endpoint(world, receiver.url)
    receiver.hold.clear()  # the receiver takes every request and answers none for now
    send(world, *[event(world, subject=f"plan:{i}") for i in range(40)])
    until(lambda: len(receiver.got) >= world.app.state.kernel.settings.webhook_concurrency)
    # every delivery slot hangs on the receiver; the API answers reads and takes more events all the same
    for _ in range(20):
        assert world.client.get("/api/auth/me", headers=world.auth("uni_a_admin")).status_code == 200
    send(world, event(world, subject="plan:99"))
    assert not receiver.hold.is_set()  # all of that happened while the receiver still held its answers
    receiver.hold.set()
    until(lambda: len(receiver.got) >= 41)


def test_replay_sends_the_event_again_with_its_id(world: World, receiver: Receiver) -> None:
    ep = add_endpoint(world, receiver.url)
    e = event(world)
    send(world, e)
    (d,) = until(lambda: [d for d in deliveries(world, ep["id"]) if d["status"] == "delivered"])
    r = world.client.post(f"/api/webhooks/deliveries/{d['id']}/replay", headers=world.auth("uni_a_admin"))
    assert r.status_code == 202 and r.json()["replay_of"] == d["id"], r.text
    until(lambda: len(receiver.got) >= 2)
    assert receiver.ids() == [e["id"], e["id"]]  # the same webhook-id: a receiver that has it already may skip it
    Webhook(ep["secret"]).verify(receiver.got[1]["body"], receiver.got[1]["headers"])
    assert (
        world.client.post(f"/api/webhooks/deliveries/{d['id']}/replay", headers=world.auth("mgr_a1")).status_code == 403
    )


def test_after_a_rotation_both_secrets_sign_for_the_overlap(world: World, receiver: Receiver) -> None:
    ep = add_endpoint(world, receiver.url)
    r = world.client.post(
        f"/api/webhooks/endpoints/{ep['id']}/rotate-secret",
        headers={**world.auth("uni_a_admin"), "If-Match": f'"{ep["version"]}"'},
    )
    assert r.status_code == 200, r.text
    new = r.json()["secret"]
    assert new != ep["secret"] and new.startswith("whsec_") and r.json()["previous_secret_until"]
    send(world, event(world))
    until(lambda: receiver.got)
    got = receiver.got[0]
    assert len(got["headers"]["webhook-signature"].split(" ")) == 2
    Webhook(new).verify(got["body"], got["headers"])
    Webhook(ep["secret"]).verify(got["body"], got["headers"])  # a receiver not yet switched still verifies
    stale = world.client.post(
        f"/api/webhooks/endpoints/{ep['id']}/rotate-secret",
        headers={**world.auth("uni_a_admin"), "If-Match": f'"{ep["version"]}"'},
    )
    assert stale.status_code == 412
    # once the overlap is over, only the new secret signs
    with world.app.state.kernel.sessionmaker.begin() as s:
        s.get(WebhookEndpoint, ep["id"]).previous_secret_until = s.get(WebhookEndpoint, ep["id"]).created_at
    send(world, event(world, subject="plan:8"))
    until(lambda: len(receiver.got) >= 2)
    assert len(receiver.got[1]["headers"]["webhook-signature"].split(" ")) == 1
    with pytest.raises(WebhookVerificationError):
        Webhook(ep["secret"]).verify(receiver.got[1]["body"], receiver.got[1]["headers"])


def test_an_endpoint_that_keeps_failing_is_disabled_and_the_university_told(world: World, receiver: Receiver) -> None:
    settings = world.app.state.kernel.settings
    settings.webhook_disable_after_failures, settings.webhook_disable_after_seconds = 3, 0
    receiver.status = 500
    ep = add_endpoint(world, receiver.url)
    send(world, event(world))
    until(
        lambda: (
            not world.client.get(f"/api/webhooks/endpoints/{ep['id']}", headers=world.auth("uni_a_admin")).json()[
                "active"
            ]
        )
    )
    got = world.client.get(f"/api/webhooks/endpoints/{ep['id']}", headers=world.auth("uni_a_admin")).json()
    assert got["disabled_reason"] == "failing" and got["consecutive_failures"] >= 3
    with world.app.state.kernel.sessionmaker() as s:
        (disabled,) = s.scalars(select(Event).where(Event.type == "webhook.endpoint_disabled")).all()
    assert disabled.university_id == world.ids["uni_a"] and disabled.data["endpoint_id"] == ep["id"]
    n = len(receiver.got)
    time.sleep(0.5)
    assert len(receiver.got) == n  # a disabled endpoint is not called
    # the administrator fixes the receiver and enables it again: the pending delivery goes out
    receiver.status = 200
    r = world.client.patch(
        f"/api/webhooks/endpoints/{ep['id']}", json={"active": True}, headers=world.auth("uni_a_admin")
    )
    assert r.status_code == 200 and r.json()["active"] and r.json()["disabled_reason"] is None
    until(lambda: [d for d in deliveries(world, ep["id"]) if d["status"] == "delivered"])


def test_endpoint_urls_and_clients_are_checked(world: World) -> None:
    base = {"client_pk": _client_pk(world), "event_types": ["plan.returned"]}
    h = world.auth("uni_a_admin")
    for url in ("ftp://example.org/x", "http://user:pw@127.0.0.1/x", "not a url"):
        r = world.client.post("/api/webhooks/endpoints", json={**base, "url": url}, headers=h)
        assert r.status_code == 422, (url, r.text)
    r = world.client.post(
        "/api/webhooks/endpoints", json={**base, "url": "http://127.0.0.1/x", "event_types": ["x.y"]}, headers=h
    )
    assert r.status_code == 422
    # another university's administrator cannot hang an endpoint on university A's client
    r = world.client.post(
        "/api/webhooks/endpoints", json={**base, "url": "http://127.0.0.1/x"}, headers=world.auth("uni_b_admin")
    )
    assert r.status_code == 422 and r.json()["code"] == "webhook_client_invalid"
    with world.app.state.kernel.sessionmaker() as s:
        assert s.scalars(select(WebhookEndpoint)).all() == []
    # production: https only and no private, loopback or link-local address unless configured
    prod = {"production": True, "allow_private": False}
    assert urls.problem("http://hooks.example.edu.cn/x", **prod) == "https is needed"
    for private in ("https://127.0.0.1/x", "https://10.1.2.3/x", "https://169.254.169.254/", "https://[::1]/x"):
        assert urls.problem(private, **prod) == "a private address", private
    assert urls.problem("https://localhost/x", **prod) == "a private address"
    assert urls.problem("https://hooks.example.edu.cn/x", **prod) is None
    assert urls.problem("https://10.1.2.3/x", production=True, allow_private=True) is None
    assert urls.problem("http://127.0.0.1:8080/x", production=False, allow_private=True) is None


def _client_token(w: World, client_id: str, scopes: str, uni: str = "uni_a") -> dict[str, str]:
    """A token of integration client ``client_id`` of ``uni`` holding ``scopes`` (made when missing)."""
    issuer = w.app.state.kernel.extras["issuer"]
    with w.app.state.kernel.sessionmaker.begin() as s:
        client = s.scalar(select(Client).where(Client.client_id == client_id))
        if client is None:
            base = s.scalar(select(Client).where(Client.client_id == w.integration_client_id))
            client = Client(
                client_id=client_id,
                name=client_id,
                secret_hash=base.secret_hash,
                role="integration",
                org_id=w.ids[uni],
                university_id=w.ids[uni],
                scopes=scopes,
            )
            s.add(client)
        client.scopes = scopes
        s.flush()
        return {"Authorization": f"Bearer {issuer.access_for_client(client)[0]}"}


def test_an_integration_client_manages_its_own_endpoints_with_its_token(world: World, receiver: Receiver) -> None:
    w, hooks = world, receiver.url
    body = {"url": hooks, "event_types": ["plan.returned"]}
    # without the scope: 403, nothing stored
    plain = _client_token(w, w.integration_client_id, "training:read training:write")
    assert w.client.post("/api/webhooks/endpoints", json=body, headers=plain).status_code == 403
    assert w.client.get("/api/webhooks/endpoints", headers=plain).status_code == 403
    me = _client_token(w, w.integration_client_id, "training:read webhooks:manage")
    r = w.client.post("/api/webhooks/endpoints", json=body, headers=me)
    assert r.status_code == 201, r.text
    mine = r.json()
    assert mine["client_id"] == "c-campus-a" and mine["secret"].startswith("whsec_")
    # another client of the same university, and one of university B: their endpoints are not this client's
    sibling = _client_token(w, "c-campus-a-lib", "webhooks:manage")
    theirs = w.client.post("/api/webhooks/endpoints", json=body, headers=sibling).json()
    foreign = w.client.post(
        "/api/webhooks/endpoints", json=body, headers=_client_token(w, "c-campus-b", "webhooks:manage", uni="uni_b")
    ).json()
    # a client cannot hang an endpoint on another client, not even of its university
    r = w.client.post("/api/webhooks/endpoints", json={**body, "client_pk": theirs["client_pk"]}, headers=me)
    assert r.status_code == 422 and r.json()["code"] == "webhook_client_invalid"
    listed = w.client.get("/api/webhooks/endpoints", headers=me).json()
    assert [e["id"] for e in listed["items"]] == [mine["id"]] and listed["total"] == 1
    for other in (theirs, foreign):
        for method, path in (
            ("GET", f"/api/webhooks/endpoints/{other['id']}"),
            ("PATCH", f"/api/webhooks/endpoints/{other['id']}"),
            ("POST", f"/api/webhooks/endpoints/{other['id']}/rotate-secret"),
            ("GET", f"/api/webhooks/endpoints/{other['id']}/deliveries"),
            ("DELETE", f"/api/webhooks/endpoints/{other['id']}"),
        ):
            r = w.client.request(method, path, headers=me, json={"description": "x"} if method == "PATCH" else None)
            assert r.status_code == 404, (method, path, r.text)
    # the university's administrator sees both of university A's clients' endpoints, not B's
    admin = {e["id"] for e in w.client.get("/api/webhooks/endpoints", headers=w.auth("uni_a_admin")).json()["items"]}
    assert admin == {mine["id"], theirs["id"]}
    # the client's events arrive signed with the secret it was given; after a rotation both secrets sign
    send(w, event(w))
    until(lambda: len(receiver.got) == 2)  # its endpoint and the sibling's (same receiver)
    rotated = w.client.post(f"/api/webhooks/endpoints/{mine['id']}/rotate-secret", headers=me)
    assert rotated.status_code == 200
    (d,) = w.client.get(f"/api/webhooks/endpoints/{mine['id']}/deliveries", headers=me).json()["items"]
    assert d["status"] == "delivered"
    # another client's delivery cannot be replayed by this one
    (their_d,) = w.client.get(f"/api/webhooks/endpoints/{theirs['id']}/deliveries", headers=sibling).json()["items"]
    assert w.client.post(f"/api/webhooks/deliveries/{their_d['id']}/replay", headers=me).status_code == 404
    assert w.client.post(f"/api/webhooks/deliveries/{d['id']}/replay", headers=me).status_code == 202
    until(lambda: len(receiver.got) == 3)
    got = receiver.got[2]
    assert Webhook(rotated.json()["secret"]).verify(got["body"], got["headers"])["id"] == d["event_id"]
    # delete: stale If-Match refused, then gone with its deliveries; the sibling's endpoint stays
    r = w.client.delete(f"/api/webhooks/endpoints/{mine['id']}", headers={**me, "If-Match": '"1"'})
    assert r.status_code == 412
    assert w.client.delete(f"/api/webhooks/endpoints/{mine['id']}", headers=me).status_code == 204
    assert w.client.get(f"/api/webhooks/endpoints/{mine['id']}", headers=me).status_code == 404
    assert w.client.get("/api/webhooks/endpoints", headers=me).json()["items"] == []
    with w.app.state.kernel.sessionmaker() as s:
        left = {x.endpoint_id for x in s.scalars(select(WebhookDelivery))}
        assert mine["id"] not in left and theirs["id"] in left
    # later events go only to the endpoints that are left
    before = len(receiver.got)
    send(w, event(w, subject="plan:8"))
    until(lambda: len(receiver.got) == before + 1)
    time.sleep(0.3)
    assert len(receiver.got) == before + 1


def test_service_hall_events_reach_campus_systems_without_the_requester(world: World, receiver: Receiver) -> None:
    # S1 (#20): the hall's events go to a university's endpoints like any other, but only with the request's ids,
    # category, department and timers — the requester the answered/closed events carry for the student's own side
    # (anonymous or not) and any field outside the allow-list stay in the platform.
    hall_types = ["hall.request.created", "hall.request.answered", "hall.request.closed", "hall.request.escalated"]
    ep = add_endpoint(world, receiver.url, hall_types)
    base = {"request_id": 41, "number": "BX2026-000041", "category": "complaint", "department_id": None}

    def hall_event(type_: str, uni: str = "uni_a", **data: Any) -> dict[str, Any]:
        return {
            "id": "evt_" + uuid.uuid4().hex,
            "type": type_,
            "source": "hall",
            "university_id": world.ids[uni],
            "subject": "hall_request:41",
            "occurred_at": "2026-12-04T08:00:00+00:00",
            "data": {**base, **data},
        }

    created = hall_event("hall.request.created", anonymous=True, reopened=True)
    answered = hall_event("hall.request.answered", anonymous=True, requester="hall:7", name="张三", number_of="S1")
    closed = hall_event("hall.request.closed", anonymous=False, requester="hall:7")
    escalated = hall_event(
        "hall.request.escalated",
        anonymous=False,
        level=2,
        breach="resolve",
        due_at="2026-12-11T09:00:00+00:00",
        audience="university_admin",
    )
    elsewhere = hall_event("hall.request.closed", uni="uni_b", anonymous=False, requester="hall:8")
    r = world.client.post(
        "/internal/events",
        json={"events": [created, answered, closed, escalated, elsewhere]},
        headers=_service(world, "hall"),
    )
    assert r.status_code == 200, r.text
    until(lambda: len(receiver.got) >= 4)
    time.sleep(0.3)  # nothing of the other university follows
    bodies = {b["type"]: b for b in (Webhook(ep["secret"]).verify(g["body"], g["headers"]) for g in receiver.got)}
    assert sorted(bodies) == sorted(hall_types) and len(receiver.got) == 4
    assert bodies["hall.request.created"]["data"] == {**base, "anonymous": True, "reopened": True}
    assert bodies["hall.request.answered"]["data"] == {**base, "anonymous": True}
    assert bodies["hall.request.closed"]["data"] == {**base, "anonymous": False}
    assert bodies["hall.request.escalated"]["data"] == {
        **base,
        "anonymous": False,
        "level": 2,
        "breach": "resolve",
        "due_at": "2026-12-11T09:00:00+00:00",
        "audience": "university_admin",
    }
    assert all(b["university_id"] == world.ids["uni_a"] for b in bodies.values())
    raw = b"".join(g["body"] for g in receiver.got)
    assert b"hall:7" not in raw and b"requester" not in raw and "张三".encode() not in raw
