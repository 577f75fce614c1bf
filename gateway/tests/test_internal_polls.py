"""The services' polls of ``/internal/revocations`` and ``/internal/orgs`` (#21): answered from the revocation
poller's memory — the same entries and ETags as the database gives — and a change made elsewhere (another gateway
replica) reaches them at the poller's next poll."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import sessionmaker

from sanquan_gateway.accounts.models import Client
from sanquan_gateway.auth.models import Revocation
from sanquan_gateway.auth.revocations import active_entries, entries_etag, orgs_etag
from sanquan_gateway.orgs.models import Organisation
from sanquan_kernel.db import utcnow

from .conftest import World


def _service(w: World) -> dict[str, str]:
    issuer = w.app.state.kernel.extras["issuer"]
    with w.app.state.kernel.sessionmaker() as s:
        client = s.scalar(select(Client).where(Client.client_id == "svc-plans"))
    return {"Authorization": f"Bearer {issuer.access_for_client(client)[0]}"}


def _from_database(w: World) -> tuple[list[dict[str, Any]], str, str]:
    """What the endpoints answered before they kept the poller's copy: the deny list and both ETags, read anew."""
    with w.app.state.kernel.sessionmaker() as s:
        entries = active_entries(s)
        count, last = s.execute(select(func.count(Organisation.id), func.max(Organisation.updated_at))).one()
        versions = s.scalar(select(func.sum(Organisation.version))) or 0
    return entries, entries_etag(entries), orgs_etag(count, last, versions)


def _elsewhere(w: World) -> sessionmaker[Any]:
    """Sessions of another replica: the same database, none of this process's after-commit reloads."""
    return sessionmaker(w.app.state.kernel.engine, expire_on_commit=False)


def test_the_polls_answer_what_the_database_says_and_an_unchanged_one_is_a_304(world: World) -> None:
    c, svc = world.client, _service(world)
    with _elsewhere(world).begin() as s:
        s.add(Revocation(subject="user:1", revoked_before=int(time.time()), expires_at=utcnow() + timedelta(hours=1)))
        s.add(Revocation(jti="j-1", expires_at=utcnow() + timedelta(hours=1)))
        s.add(Revocation(jti="j-old", expires_at=utcnow() - timedelta(seconds=1)))  # expired: not listed
        s.get(Organisation, world.ids["b1"]).active = False  # no version bump: listed from the rows themselves
    world.app.state.kernel.extras["revocation_poller"].refresh()
    entries, etag, org_etag = _from_database(world)
    assert len(entries) == 3 and {e["subject"] for e in entries} >= {"user:1", f"org:{world.ids['b1']}"}
    r = c.get("/internal/revocations", headers=svc)
    assert r.status_code == 200 and r.json() == {"items": entries} and r.headers["etag"] == etag
    assert c.get("/internal/revocations", headers={**svc, "If-None-Match": etag}).status_code == 304
    orgs = c.get("/internal/orgs", headers=svc)
    assert orgs.status_code == 200 and orgs.headers["etag"] == org_etag
    assert {o["id"] for o in orgs.json()["items"]} >= set(world.ids.values())
    unchanged = c.get("/internal/orgs", headers={**svc, "If-None-Match": org_etag})
    assert unchanged.status_code == 304 and unchanged.headers["etag"] == org_etag
    assert c.get("/internal/orgs", headers={**svc, "If-None-Match": '"other"'}).status_code == 200


def test_an_unchanged_poll_asks_one_statement_and_rebuilds_nothing(world: World) -> None:
    poller = world.app.state.kernel.extras["revocation_poller"]
    poller.refresh()
    before = poller.snapshot
    statements: list[str] = []
    engine = world.app.state.kernel.engine

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", count)
    try:
        poller.refresh()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert poller.snapshot is before
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1, statements


def test_a_change_made_by_another_replica_reaches_the_polls_at_the_next_poll(world: World) -> None:
    c, svc = world.client, _service(world)
    poller = world.app.state.kernel.extras["revocation_poller"]
    etag = c.get("/internal/revocations", headers=svc).headers["etag"]
    org_etag = c.get("/internal/orgs", headers=svc).headers["etag"]
    with _elsewhere(world).begin() as s:
        s.add(Revocation(subject="user:42", revoked_before=int(time.time()), expires_at=utcnow() + timedelta(hours=1)))
        org = s.get(Organisation, world.ids["a2"])
        org.name, org.version = "改名", org.version + 1
    deadline = time.monotonic() + 4 * poller.interval + 2
    while time.monotonic() < deadline:
        r = c.get("/internal/revocations", headers={**svc, "If-None-Match": etag})
        o = c.get("/internal/orgs", headers={**svc, "If-None-Match": org_etag})
        if r.status_code == 200 and o.status_code == 200:
            break
        time.sleep(0.05)
    assert r.status_code == 200 and "user:42" in {e["subject"] for e in r.json()["items"]}
    assert o.status_code == 200 and "改名" in {i["name"] for i in o.json()["items"]}
    assert (r.json()["items"], r.headers["etag"], o.headers["etag"]) == _from_database(world)


def test_the_gateways_own_org_change_moves_the_orgs_etag_at_once(world: World) -> None:
    c, svc = world.client, _service(world)
    org_etag = c.get("/internal/orgs", headers=svc).headers["etag"]
    r = c.patch(f"/api/orgs/{world.ids['a2']}", json={"name": "新名称"}, headers=world.auth("province_admin"))
    assert r.status_code == 200, r.text
    o = c.get("/internal/orgs", headers={**svc, "If-None-Match": org_etag})
    assert o.status_code == 200 and o.headers["etag"] == _from_database(world)[2]
    assert "新名称" in {i["name"] for i in o.json()["items"]}


def test_a_stopped_poller_does_not_leave_the_polls_stale(world: World) -> None:
    """Without the poller's thread (stuck, or not started) the endpoints poll the database themselves."""
    c, svc = world.client, _service(world)
    poller = world.app.state.kernel.extras["revocation_poller"]
    poller.stop()
    time.sleep(poller.interval * 2.5)
    etag = c.get("/internal/revocations", headers=svc).headers["etag"]
    with _elsewhere(world).begin() as s:
        s.add(Revocation(jti="j-77", expires_at=utcnow() + timedelta(hours=1)))
    time.sleep(poller.interval * 2.5)
    r = c.get("/internal/revocations", headers={**svc, "If-None-Match": etag})
    assert r.status_code == 200 and "j-77" in {e["jti"] for e in r.json()["items"]}
