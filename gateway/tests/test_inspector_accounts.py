"""The inspector (督导, issue #19): a province-level account the province administrator creates, nobody else; its
token carries the role, and the SPA's permissions are the province's reads plus supervision."""

from __future__ import annotations

from .conftest import World


def _user(world: World, who: str, org: str, username: str) -> tuple[int, dict]:
    r = world.client.post(
        "/api/users",
        json={
            "username": username,
            "password": "Passw0rd-insp1",
            "must_change_password": False,
            "display_name": "省级督导",
            "role": "inspector",
            "org_id": world.ids[org],
        },
        headers=world.auth(who),
    )
    return r.status_code, r.json()


def test_the_province_creates_an_inspector_at_the_province_only(world: World) -> None:
    status, body = _user(world, "province_admin", "province", "insp_ok")
    assert status == 201 and body["role"] == "inspector" and body["university_id"] is None, body
    status, body = _user(world, "province_admin", "uni_a", "insp_uni")
    assert status == 422 and body["errors"][0]["loc"] == ["body", "org_id"]
    status, _ = _user(world, "uni_a_admin", "uni_a", "insp_by_uni")
    assert status == 403


def test_an_inspectors_token_and_permissions(world: World) -> None:
    _user(world, "province_admin", "province", "insp_me")
    r = world.client.post(
        "/api/auth/token", data={"grant_type": "password", "username": "insp_me", "password": "Passw0rd-insp1"}
    )
    assert r.status_code == 200, r.text
    me = world.client.get("/api/auth/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"}).json()
    assert me["role"] == "inspector"
    perms = set(me["permissions"])
    assert {"plans:plan:view", "supervision:visit:manage", "supervision:rectification:verify"} <= perms
    assert not {p for p in perms if p.endswith((":edit", ":manage", ":review", ":publish")) and "supervision" not in p}
