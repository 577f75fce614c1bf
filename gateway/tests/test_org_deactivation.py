"""A deactivated university or department stops working (issue #13): no sign-in of its people and clients (password,
client credentials, refresh), its tokens refused within the revocation window, and reactivation restores it."""

from __future__ import annotations

import time
from typing import Any

import httpx

from .conftest import CLIENT_SECRET, PASSWORD, World


def _password(w: World, username: str) -> httpx.Response:
    r: httpx.Response = w.client.post(
        "/api/auth/token", data={"grant_type": "password", "username": username, "password": PASSWORD}
    )
    return r


def _client(w: World) -> httpx.Response:
    r: httpx.Response = w.client.post(
        "/api/auth/token",
        data={"grant_type": "client_credentials", "client_id": w.integration_client_id, "client_secret": CLIENT_SECRET},
    )
    return r


def _refresh(w: World, refresh_token: str) -> httpx.Response:
    r: httpx.Response = w.client.post(
        "/api/auth/token", data={"grant_type": "refresh_token", "refresh_token": refresh_token}
    )
    return r


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _set_active(w: World, org: str, active: bool, by: str = "province_admin") -> dict[str, Any]:
    r = w.client.patch(f"/api/orgs/{w.ids[org]}", json={"active": active}, headers=w.auth(by))
    assert r.status_code == 200, r.text
    assert r.json()["active"] is active
    body: dict[str, Any] = r.json()
    return body


def _status_within(w: World, headers: dict[str, str], expected: int, path: str = "/api/orgs") -> int:
    """The answer to ``path`` once it is ``expected`` or after the revocation window (a few polls)."""
    deadline = time.time() + 5
    status = int(w.client.get(path, headers=headers).status_code)
    while status != expected and time.time() < deadline:
        time.sleep(0.1)
        status = int(w.client.get(path, headers=headers).status_code)
    return status


def test_a_deactivated_university_refuses_every_sign_in_of_its_people_and_clients(world: World) -> None:
    _set_active(world, "uni_a", False)
    for username in ("ua_admin", "mgr_a1", "staff_a1", "expert_a"):  # the university's and its departments' people
        r = _password(world, username)
        assert r.status_code == 400, (username, r.text)
        assert r.json()["error"] == "invalid_grant" and "access_token" not in r.json()
        assert "organisation" in r.json()["error_description"]
    r = _client(world)
    assert r.status_code == 401 and r.json()["error"] == "invalid_client", r.text
    # the other university and the province are not touched
    assert _password(world, "ub_admin").status_code == 200
    assert _password(world, "padmin").status_code == 200

    _set_active(world, "uni_a", True)
    for username in ("ua_admin", "mgr_a1", "staff_a1", "expert_a"):
        r = _password(world, username)
        assert r.status_code == 200, (username, r.text)
        # a token issued right after the reactivation works at once (it is not caught by the reactivation's cutoff)
        assert world.client.get("/api/auth/me", headers=_bearer(r.json()["access_token"])).status_code == 200
    r = _client(world)
    assert r.status_code == 200, r.text
    assert world.client.get("/api/auth/me", headers=_bearer(r.json()["access_token"])).status_code == 200


def test_the_tokens_and_sign_ins_of_a_deactivated_university_stop_within_the_revocation_window(world: World) -> None:
    signed_in = _password(world, "ua_admin").json()
    admin = _bearer(signed_in["access_token"])
    client = _bearer(_client(world).json()["access_token"])
    manager = world.auth("mgr_a1")  # a department's manager: the university's deactivation covers its departments
    province = world.auth("province_admin")
    for h in (admin, client, manager):
        assert world.client.get("/api/auth/me", headers=h).status_code == 200

    _set_active(world, "uni_a", False)
    for h in (admin, client, manager):
        assert _status_within(world, h, 401) == 401
        # ... and on proxied paths: refused by the gateway before any service is asked
        assert world.client.get("/api/training/staff", headers=h).status_code == 401
    # no write either: the university's admin cannot even rename a department of its own
    r = world.client.patch(f"/api/orgs/{world.ids['a1']}", json={"name": "改名"}, headers=admin)
    assert r.status_code == 401
    # the sign-in (refresh token) of the university's people has ended
    r = _refresh(world, signed_in["refresh_token"])
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant", r.text
    # the province still reads the university and its accounts, and may correct them
    assert world.client.get(f"/api/orgs/{world.ids['uni_a']}", headers=province).status_code == 200
    users = world.client.get("/api/users", params={"org_id": world.ids["uni_a"]}, headers=province)
    assert users.status_code == 200 and users.json()["total"] >= 1
    r = world.client.patch(f"/api/orgs/{world.ids['a1']}", json={"name": "饮食中心"}, headers=province)
    assert r.status_code == 200, r.text
    # the other university is not touched
    assert world.client.get("/api/auth/me", headers=world.auth("uni_b_admin")).status_code == 200

    _set_active(world, "uni_a", True)
    # tokens issued before the reactivation stay refused (they may have leaked while the university was off) ...
    assert _status_within(world, admin, 200) == 401
    assert world.client.get("/api/auth/me", headers=client).status_code == 401
    # ... so do sign-ins from before it
    assert _refresh(world, signed_in["refresh_token"]).status_code == 400
    # ... while new sign-ins work, at once
    fresh = _password(world, "ua_admin").json()
    assert world.client.get("/api/auth/me", headers=_bearer(fresh["access_token"])).status_code == 200
    renewed = _refresh(world, fresh["refresh_token"])
    assert renewed.status_code == 200, renewed.text
    assert world.client.get("/api/auth/me", headers=_bearer(renewed.json()["access_token"])).status_code == 200


def test_a_department_deactivated_on_its_own_stops_only_its_own_people(world: World) -> None:
    manager = _password(world, "mgr_a1").json()
    staff = world.auth("staff_a1")
    sibling = world.auth("mgr_a2")
    university = world.auth("uni_a_admin")

    _set_active(world, "a1", False, by="uni_a_admin")
    for h in (_bearer(manager["access_token"]), staff):
        assert _status_within(world, h, 401) == 401
    for username in ("mgr_a1", "staff_a1"):
        r = _password(world, username)
        assert r.status_code == 400 and r.json()["error"] == "invalid_grant", (username, r.text)
    assert _refresh(world, manager["refresh_token"]).status_code == 400
    # the sibling department, the university and its integration client keep working
    for h in (sibling, university):
        assert world.client.get("/api/auth/me", headers=h).status_code == 200
    assert _password(world, "mgr_a2").status_code == 200
    assert _client(world).status_code == 200

    _set_active(world, "a1", True, by="uni_a_admin")
    r = _password(world, "mgr_a1")
    assert r.status_code == 200, r.text
    assert world.client.get("/api/auth/me", headers=_bearer(r.json()["access_token"])).status_code == 200


def test_the_province_cannot_be_deactivated(world: World) -> None:
    h = world.auth("province_admin")
    r = world.client.patch(f"/api/orgs/{world.ids['province']}", json={"active": False}, headers=h)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert world.client.get(f"/api/orgs/{world.ids['province']}", headers=h).json()["active"] is True
    assert world.client.get("/api/auth/me", headers=h).status_code == 200


def test_no_department_is_added_to_a_deactivated_university(world: World) -> None:
    _set_active(world, "uni_a", False)
    h = world.auth("province_admin")
    r = world.client.post(
        "/api/orgs", json={"name": "新部门", "level": "department", "parent_id": world.ids["uni_a"]}, headers=h
    )
    assert r.status_code == 409, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    listed = world.client.get("/api/orgs", params={"parent_id": world.ids["uni_a"]}, headers=h).json()["items"]
    assert "新部门" not in {o["name"] for o in listed}


def test_no_account_or_client_is_added_to_a_deactivated_university(world: World) -> None:
    _set_active(world, "uni_a", False)
    h = world.auth("province_admin")
    r = world.client.post(
        "/api/users",
        json={
            "username": "new_in_a1",
            "password": "Zq7-deact-Lantern-91",
            "display_name": "新员工",
            "role": "staff",
            "org_id": world.ids["a1"],  # an active department of the deactivated university
        },
        headers=h,
    )
    assert r.status_code == 409, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    r = world.client.post(
        "/api/clients", json={"name": "新接口", "org_id": world.ids["uni_a"], "scopes": ["training:read"]}, headers=h
    )
    assert r.status_code == 409, r.text
    assert world.client.get("/api/users", params={"q": "new_in_a1"}, headers=h).json()["total"] == 0
    assert all(c["name"] != "新接口" for c in world.client.get("/api/clients", headers=h).json()["items"])
