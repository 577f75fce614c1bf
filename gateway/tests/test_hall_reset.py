"""A roster identity's password reset (S1, issue #20): the university's administrator — of that university only —
issues a new one-time code; the old password, the access and the refresh tokens stop; the code is hashed, used
once, expires, and is throttled like any activation; every reset is audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, update

from sanquan_gateway.audit.models import AuthAudit
from sanquan_gateway.hall_identity.models import HallIdentity
from sanquan_kernel.db import utcnow

from .conftest import World
from .test_hall_identity import XHR, _roster_client

PASSWORD = "Hall-pass-2026"
NEW_PASSWORD = "Hall-new-pass-2027"


def _activated(w: World, number: str) -> dict[str, Any]:
    """A roster identity of university A, activated and signed in (the refresh cookie set)."""
    out = w.client.put(
        "/api/auth/hall-roster", json={"items": [{"number": number, "name": "张三"}]}, headers=_roster_client(w)
    ).json()
    [code] = out["codes"]
    body = {"university_id": w.ids["uni_a"], "number": number, "code": code["activation_code"], "password": PASSWORD}
    r = w.client.post("/api/auth/hall/activate", json=body)
    assert r.status_code == 200, r.text
    return dict(r.json())


def _id_of(w: World, number: str) -> int:
    with w.app.state.kernel.sessionmaker() as s:
        found = s.scalar(select(HallIdentity.id).where(HallIdentity.number == number))
        assert found is not None
        return int(found)


def _login(w: World, number: str, password: str) -> int:
    body = {"university_id": w.ids["uni_a"], "number": number, "password": password}
    return int(w.client.post("/api/auth/hall/login", json=body).status_code)


def _activate(w: World, number: str, code: str, password: str = NEW_PASSWORD) -> Any:
    body = {"university_id": w.ids["uni_a"], "number": number, "code": code, "password": password}
    return w.client.post("/api/auth/hall/activate", json=body)


def test_the_admin_resets_a_forgotten_password_and_every_sign_in_of_it_ends(world: World) -> None:
    token = _activated(world, "R001")["access_token"]
    identity = _id_of(world, "R001")
    # the administrator finds the identity by its number's beginning or its name
    page = world.client.get("/api/auth/hall-identities?q=R00", headers=world.auth("uni_a_admin")).json()
    assert page["total"] == 1 and page["items"][0]["id"] == identity
    assert page["items"][0]["status"] == "active" and page["items"][0]["source"] == "roster"
    assert "password_hash" not in page["items"][0] and "activation_code_hash" not in page["items"][0]

    r = world.client.post(f"/api/auth/hall-identities/{identity}/reset", headers=world.auth("uni_a_admin"))
    assert r.status_code == 200, r.text
    code = r.json()["activation_code"]
    assert r.json()["number"] == "R001"
    # The old password, the access token and the refresh token (the cookie of the activation) all stop.
    world.app.state.kernel.extras["revocation_poller"].refresh()
    assert world.client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert world.client.post("/api/auth/web/refresh", headers=XHR).status_code == 401
    assert _login(world, "R001", PASSWORD) == 400
    listed = world.client.get("/api/auth/hall-identities?q=R001", headers=world.auth("uni_a_admin")).json()
    assert listed["items"][0]["status"] == "pending" and listed["items"][0]["code_expires_at"]
    # only the code's hash is kept
    with world.app.state.kernel.sessionmaker() as s:
        row = s.get(HallIdentity, identity)
        assert row is not None and row.password_hash is None
        assert row.activation_code_hash and code.replace("-", "") not in row.activation_code_hash
    # The student activates again with the new code and a new password; the code is then used up.
    r = _activate(world, "R001", code)
    assert r.status_code == 200, r.text
    new_token = r.json()["access_token"]
    assert world.client.get("/api/auth/me", headers={"Authorization": f"Bearer {new_token}"}).status_code == 200
    assert _activate(world, "R001", code, "Hall-third-pass-2028").status_code == 400
    assert _login(world, "R001", NEW_PASSWORD) == 200
    assert _login(world, "R001", PASSWORD) == 400
    with world.app.state.kernel.sessionmaker() as s:
        audited = s.scalars(select(AuthAudit).where(AuthAudit.action == "hall.identity.reset")).all()
    assert [(a.target, a.university_id) for a in audited] == [(f"hall:{identity}", world.ids["uni_a"])]
    assert audited[0].actor == str(world.users["uni_a_admin"].id)


def test_another_universitys_admin_and_every_other_role_cannot_reset(world: World) -> None:
    _activated(world, "R002")
    identity = _id_of(world, "R002")
    path = f"/api/auth/hall-identities/{identity}/reset"
    assert world.client.post(path, headers=world.auth("uni_b_admin")).status_code == 404
    assert world.client.get("/api/auth/hall-identities", headers=world.auth("uni_b_admin")).json()["items"] == []
    for who in ("province_admin", "mgr_a1", "staff_a1", "expert"):
        assert world.client.post(path, headers=world.auth(who)).status_code == 403, who
    assert world.client.post(path).status_code == 401
    assert (
        world.client.post("/api/auth/hall-identities/999999/reset", headers=world.auth("uni_a_admin")).status_code
        == 404
    )
    # the student's own token does not reset (theirs or anyone's)
    student = _login(world, "R002", PASSWORD)
    assert student == 200
    token = world.client.post(
        "/api/auth/hall/login", json={"university_id": world.ids["uni_a"], "number": "R002", "password": PASSWORD}
    ).json()["access_token"]
    assert world.client.post(path, headers={"Authorization": f"Bearer {token}"}).status_code == 403
    # nothing changed: the password still signs in
    assert _login(world, "R002", PASSWORD) == 200


def test_a_reset_code_expires_and_its_use_is_throttled_like_an_activation(world: World) -> None:
    _activated(world, "R003")
    identity = _id_of(world, "R003")
    admin = world.auth("uni_a_admin")
    code = world.client.post(f"/api/auth/hall-identities/{identity}/reset", headers=admin).json()["activation_code"]
    with world.app.state.kernel.sessionmaker.begin() as s:
        s.execute(
            update(HallIdentity)
            .where(HallIdentity.id == identity)
            .values(activation_expires_at=utcnow() - timedelta(minutes=1))
        )
    assert _activate(world, "R003", code).status_code == 400  # expired
    # A new code replaces the old one; wrong codes are throttled (the conftest allows 3 failures per identity).
    fresh = world.client.post(f"/api/auth/hall-identities/{identity}/reset", headers=admin).json()["activation_code"]
    assert _activate(world, "R003", code).status_code == 400  # the first code no longer works
    statuses = [_activate(world, "R003", "AAAA-BBBB-CCCC").status_code for _ in range(4)]
    assert statuses[-1] == 429, statuses
    assert _activate(world, "R003", fresh).status_code == 429  # even the right code waits out the lock


def test_an_sso_or_disabled_identity_has_no_password_to_reset(world: World) -> None:
    with world.app.state.kernel.sessionmaker.begin() as s:
        s.add(
            HallIdentity(university_id=world.ids["uni_a"], kind="student", number="SSO1", source="sso", subject="sub-1")
        )
    sso = _id_of(world, "SSO1")
    admin = world.auth("uni_a_admin")
    r = world.client.post(f"/api/auth/hall-identities/{sso}/reset", headers=admin)
    assert r.status_code == 409 and r.json()["code"] == "hall_sso_identity"
    _activated(world, "R004")
    gone = {"items": [{"number": "R004", "name": "张三", "active": False}]}
    world.client.put("/api/auth/hall-roster", json=gone, headers=_roster_client(world))
    r = world.client.post(f"/api/auth/hall-identities/{_id_of(world, 'R004')}/reset", headers=admin)
    assert r.status_code == 409 and r.json()["code"] == "hall_identity_disabled"
