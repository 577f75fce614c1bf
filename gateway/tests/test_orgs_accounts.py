"""Rules for organisations and accounts (A1, A2)."""

from __future__ import annotations

from .conftest import PASSWORD, World


def test_a_university_needs_its_ten_digit_code_and_a_type(world: World) -> None:
    h = world.auth("province_admin")
    r = world.client.post(
        "/api/orgs", json={"name": "丙大学", "code": "12345", "level": "university", "type": "undergraduate"}, headers=h
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "code"]
    r = world.client.post("/api/orgs", json={"name": "丙大学", "code": "4141019999", "level": "university"}, headers=h)
    assert r.status_code == 422
    r = world.client.post(
        "/api/orgs",
        json={"name": "丙大学", "code": "4141019999", "level": "university", "type": "secondary_vocational"},
        headers=h,
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["parent_id"] == world.ids["province"] and body["university_id"] == body["id"]
    assert body["path"] == f"/{world.ids['province']}/{body['id']}/"


def test_a_duplicate_university_code_is_a_conflict(world: World) -> None:
    r = world.client.post(
        "/api/orgs",
        json={"name": "重复", "code": "4141010001", "level": "university", "type": "undergraduate"},
        headers=world.auth("province_admin"),
    )
    assert r.status_code == 409


def test_a_university_admin_creates_departments_only_in_their_university(world: World) -> None:
    h = world.auth("uni_a_admin")
    r = world.client.post(
        "/api/orgs", json={"name": "绿化中心", "level": "department", "parent_id": world.ids["uni_a"]}, headers=h
    )
    assert r.status_code == 201 and r.json()["university_id"] == world.ids["uni_a"]
    assert r.json()["path"].startswith(f"/{world.ids['province']}/{world.ids['uni_a']}/")
    r = world.client.post(
        "/api/orgs",
        json={"name": "丁大学", "code": "4141010009", "level": "university", "type": "undergraduate"},
        headers=h,
    )
    assert r.status_code == 403


def test_the_tree_of_a_university_admin_is_their_university(world: World) -> None:
    tree = world.client.get("/api/orgs/tree", headers=world.auth("uni_a_admin")).json()
    assert [n["id"] for n in tree] == [world.ids["uni_a"]]
    assert {c["id"] for c in tree[0]["children"]} == {world.ids["a1"], world.ids["a2"]}


def test_nobody_creates_an_account_above_their_own_level(world: World) -> None:
    h = world.auth("uni_a_admin")
    for role, org in (("province_admin", "province"), ("expert", "uni_a")):
        r = world.client.post(
            "/api/users",
            json={
                "username": f"x_{role}",
                "password": "Passw0rd-x1",
                "display_name": "x",
                "role": role,
                "org_id": world.ids[org],
            },
            headers=h,
        )
        assert r.status_code == 403, (role, r.text)
    r = world.client.post(
        "/api/users",
        json={
            "username": "new_mgr",
            "password": "Passw0rd-x1",
            "display_name": "新经理",
            "role": "department_manager",
            "org_id": world.ids["a2"],
        },
        headers=h,
    )
    assert r.status_code == 201
    assert r.json()["department_id"] == world.ids["a2"] and r.json()["university_id"] == world.ids["uni_a"]


def test_a_role_must_fit_its_organisations_level(world: World) -> None:
    r = world.client.post(
        "/api/users",
        json={
            "username": "bad_staff",
            "password": "Passw0rd-x1",
            "display_name": "x",
            "role": "staff",
            "org_id": world.ids["uni_a"],
        },
        headers=world.auth("province_admin"),
    )
    assert r.status_code == 422 and r.json()["errors"][0]["loc"] == ["body", "org_id"]


def test_weak_passwords_and_taken_usernames_are_refused(world: World) -> None:
    h = world.auth("province_admin")
    r = world.client.post(
        "/api/users",
        json={"username": "weak", "password": "short", "display_name": "x", "role": "staff", "org_id": world.ids["a1"]},
        headers=h,
    )
    assert r.status_code == 422
    r = world.client.post(
        "/api/users",
        json={
            "username": "STAFF_A1",
            "password": "Passw0rd-x1",
            "display_name": "x",
            "role": "staff",
            "org_id": world.ids["a1"],
        },
        headers=h,
    )
    assert r.status_code == 409


def test_mass_assignment_of_university_in_a_body_is_refused(world: World) -> None:
    r = world.client.post(
        "/api/users",
        json={
            "username": "sneaky",
            "password": "Passw0rd-x1",
            "display_name": "x",
            "role": "staff",
            "org_id": world.ids["a1"],
            "university_id": world.ids["uni_b"],
        },
        headers=world.auth("uni_a_admin"),
    )
    assert r.status_code == 422


def test_a_stale_if_match_is_412_and_changes_nothing(world: World) -> None:
    h = world.auth("uni_a_admin")
    uid = world.users["staff_a1"].id
    r = world.client.get(f"/api/users/{uid}", headers=h)
    etag = r.headers["etag"]
    assert (
        world.client.patch(
            f"/api/users/{uid}", json={"display_name": "第一次"}, headers={**h, "If-Match": etag}
        ).status_code
        == 200
    )
    r = world.client.patch(f"/api/users/{uid}", json={"display_name": "第二次"}, headers={**h, "If-Match": etag})
    assert r.status_code == 412
    assert world.client.get(f"/api/users/{uid}", headers=h).json()["display_name"] == "第一次"


def test_you_cannot_disable_your_own_account(world: World) -> None:
    uid = world.users["uni_a_admin"].id
    r = world.client.patch(f"/api/users/{uid}", json={"active": False}, headers=world.auth("uni_a_admin"))
    assert r.status_code == 409


def test_changing_ones_password_ends_other_sign_ins(world: World) -> None:
    tok = world.client.post(
        "/api/auth/token", data={"grant_type": "password", "username": "mgr_a1", "password": PASSWORD}
    ).json()
    h = {"Authorization": f"Bearer {tok['access_token']}"}
    r = world.client.post(
        "/api/auth/password", json={"current_password": PASSWORD, "new_password": "Brand-new-pass1"}, headers=h
    )
    assert r.status_code == 204
    assert world.client.get("/api/auth/me", headers=h).status_code == 401
    r = world.client.post(
        "/api/auth/token", data={"grant_type": "refresh_token", "refresh_token": tok["refresh_token"]}
    )
    assert r.status_code == 400
    r = world.client.post(
        "/api/auth/token", data={"grant_type": "password", "username": "mgr_a1", "password": "Brand-new-pass1"}
    )
    assert r.status_code == 200
    assert (
        world.client.get("/api/auth/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"}).status_code
        == 200
    )


def test_integration_clients_are_created_for_one_university_and_their_secret_shown_once(world: World) -> None:
    h = world.auth("uni_a_admin")
    r = world.client.post(
        "/api/clients",
        json={"name": "HR", "org_id": world.ids["uni_a"], "scopes": ["training:write", "training:read"]},
        headers=h,
    )
    assert r.status_code == 201
    created = r.json()
    assert created["client_secret"] and created["scopes"] == ["training:read", "training:write"]
    listed = world.client.get("/api/clients", headers=h).json()["items"]
    assert all("client_secret" not in c for c in listed)
    r = world.client.post(
        "/api/clients", json={"name": "HR", "org_id": world.ids["uni_a"], "scopes": ["orgs:admin"]}, headers=h
    )
    assert r.status_code == 422
    r = world.client.post(
        "/api/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": created["client_id"],
            "client_secret": created["client_secret"],
        },
    )
    assert r.status_code == 200


def test_every_change_to_organisations_and_accounts_is_audited(world: World) -> None:
    h = world.auth("province_admin")
    world.client.patch(f"/api/orgs/{world.ids['a1']}", json={"name": "饮食中心"}, headers=h)
    entries = world.client.get("/api/audit?action=org.update", headers=h).json()["items"]
    assert entries and entries[0]["detail"]["before"]["name"] == "饮食服务中心"
    assert entries[0]["detail"]["after"]["name"] == "饮食中心"
    assert entries[0]["actor"] == str(world.users["province_admin"].id)


def test_a_flag_must_be_a_json_boolean_not_a_number_or_string(world: World) -> None:
    """Found by `make fuzz`: `{"active": 0.0}` was coerced to false and disabled a university."""
    h = world.auth("province_admin")
    for value in (0.0, 0, "false", "0"):
        r = world.client.patch(f"/api/orgs/{world.ids['uni_a']}", json={"active": value}, headers=h)
        assert r.status_code == 422, (value, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    orgs = world.client.get("/api/orgs", params={"level": "university"}, headers=h).json()["items"]
    assert next(o for o in orgs if o["id"] == world.ids["uni_a"])["active"] is True
    r = world.client.patch(f"/api/orgs/{world.ids['uni_a']}", json={"active": True}, headers=h)
    assert r.status_code == 200, r.text
