"""The sign-in defences of issue #13 ("Edge security"), each finding with the test that failed on the code before:
throttles keyed on the trusted client address, growing delays instead of a lock that an attacker can aim at an
account, device cookies, security events that survive the refusal (filtered, exported, scoped), the password
policy and the password change at first sign-in, the absolute lifetime of a session."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from sanquan_gateway.auth import throttle
from sanquan_gateway.auth.models import LoginThrottle, RefreshToken
from sanquan_gateway.config import Settings
from sanquan_kernel.db import utcnow
from sanquan_kernel.secrets import service_secret

from .conftest import CLIENT_SECRET, PASSWORD, World

XHR = {"X-Requested-With": "XMLHttpRequest"}


def login(w: World, username: str, password: str = PASSWORD, ip: str | None = None) -> httpx.Response:
    """The password grant (no device cookie: the token endpoint never reads one), from ``ip`` (X-Real-IP)."""
    return w.client.post(
        "/api/auth/token",
        data={"grant_type": "password", "username": username, "password": password},
        headers={"X-Real-IP": ip} if ip else {},
    )


def web_login(
    w: World, username: str, password: str = PASSWORD, ip: str | None = None, cookie: str | None = None
) -> httpx.Response:
    """The SPA's sign-in: sends (and keeps) the client's cookies, the device cookie among them."""
    return w.client.post(
        "/api/auth/web/login",
        json={"username": username, "password": password},
        headers={**XHR, **({"X-Real-IP": ip} if ip else {}), **({"Cookie": cookie} if cookie else {})},
    )


def client_token(w: World, secret: str, ip: str) -> httpx.Response:
    return w.client.post(
        "/api/auth/token",
        data={"grant_type": "client_credentials", "client_id": w.integration_client_id, "client_secret": secret},
        headers={"X-Real-IP": ip},
    )


def assert_throttled(r: httpx.Response) -> None:
    assert r.status_code == 429, r.text
    assert int(r.headers["retry-after"]) >= 1
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == 429 and body["detail"] and body["error"] in ("invalid_grant", "invalid_client")


def audit(w: World, who: str = "province_admin", **params: Any) -> list[dict[str, Any]]:
    r = w.client.get("/api/audit", params={"limit": 200, **params}, headers=w.auth(who))
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


# -- 1. behind nginx every client has its own counter ------------------------------------------------------------
@pytest.mark.parametrize("settings_overrides", [{"trust_proxy_headers": True, "login_max_failures_per_address": 5}])
def test_behind_the_proxy_the_address_throttle_keys_on_each_clients_real_address(world: World) -> None:
    # Before: keyed on the socket's address (nginx, here "testclient"): 5 failures of 5 people locked everyone.
    for n in range(6):
        assert login(world, f"typo{n}", "wrong-pass1", ip=f"10.0.0.{n}").status_code == 400
    assert login(world, "padmin", ip="10.0.1.1").status_code == 200
    assert client_token(world, CLIENT_SECRET, "10.0.1.2").status_code == 200
    # One address that fails for many accounts is still stopped, and only that address.
    for n in range(5):
        assert login(world, f"spray{n}", "wrong-pass1", ip="10.9.9.9").status_code == 400
    assert_throttled(login(world, "ua_admin", ip="10.9.9.9"))
    assert login(world, "ua_admin", ip="10.9.9.10").status_code == 200
    # The audit log records the same address the throttle counted.
    failures = audit(world, action="login.failure", actor="spray0")
    assert [e["ip"] for e in failures] == ["10.9.9.9"]


# -- 2. no lock an attacker can aim at an account -----------------------------------------------------------------
@pytest.mark.parametrize("settings_overrides", [{"trust_proxy_headers": True}])
def test_failures_from_elsewhere_do_not_lock_the_owner_out_of_their_known_browser(world: World) -> None:
    r = web_login(world, "padmin", ip="10.1.0.1")
    assert r.status_code == 200, r.text
    device = world.client.cookies.get("sq_device")
    assert device
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("sq_device="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    # An attacker elsewhere reaches the per-account limit (3 in these tests; 20 by default).
    for n in range(4):
        assert login(world, "padmin", "wrong-pass1", ip=f"10.2.0.{n}").status_code in (400, 429)
    # Before: the owner was locked out for the window. Now the owner's browser still signs in ...
    assert web_login(world, "padmin", ip="10.1.0.1").status_code == 200
    # ... from another address too (the device is the exemption, not the address) ...
    assert web_login(world, "padmin", ip="10.3.0.1").status_code == 200
    # ... while a browser without the device cookie meets the soft per-account limit.
    world.client.cookies.clear()
    assert_throttled(web_login(world, "padmin", ip="10.3.0.2"))
    # A forged or another account's device cookie is no exemption.
    forged = ("A" if device[0] != "A" else "B") + device[1:]
    assert_throttled(web_login(world, "padmin", ip="10.3.0.2", cookie=f"sq_device={forged}"))
    assert_throttled(web_login(world, "padmin", ip="10.3.0.2", cookie="sq_device=x.1.y"))
    # The genuine one, sent the same way, still is.
    assert web_login(world, "padmin", ip="10.3.0.2", cookie=f"sq_device={device}").status_code == 200


@pytest.mark.parametrize("settings_overrides", [{"trust_proxy_headers": True, "login_max_failures_per_account": 50}])
def test_failures_grow_a_delay_per_account_and_address(world: World) -> None:
    # Before: nothing below the per-account limit. Now: three free failures, then a delay that doubles.
    for _ in range(4):
        assert login(world, "mgr_a2", "wrong-pass1", ip="10.4.0.1").status_code == 400
    r = login(world, "mgr_a2", ip="10.4.0.1")  # even the right password waits: the password is not checked
    assert_throttled(r)
    assert r.json()["retry_after"] == int(r.headers["retry-after"])
    # The same account from another address, and another account from this address, are not delayed.
    assert login(world, "mgr_a2", ip="10.4.0.2").status_code == 200
    assert login(world, "mgr_a1", ip="10.4.0.1").status_code == 200


@pytest.mark.parametrize("settings_overrides", [{"trust_proxy_headers": True}])
def test_a_known_browser_has_its_own_growing_delay(world: World) -> None:
    assert web_login(world, "mgr_a1", ip="10.5.0.1").status_code == 200
    for _ in range(4):
        assert web_login(world, "mgr_a1", "wrong-pass1", ip="10.5.0.1").status_code == 400
    assert_throttled(web_login(world, "mgr_a1", ip="10.5.0.1"))
    # The per-account counter was not touched by the known device: other browsers are not limited by it.
    world.client.cookies.clear()
    assert web_login(world, "mgr_a1", ip="10.5.0.2").status_code == 200


@pytest.mark.parametrize("settings_overrides", [{"trust_proxy_headers": True}])
def test_wrong_client_secrets_delay_that_address_not_the_integration(world: World) -> None:
    # Before: 3 wrong secrets from anywhere locked the client id (the campus system's pushes stopped for 15 min).
    for _ in range(4):
        assert client_token(world, "wrong-secret-000000", "10.6.0.1").status_code == 401
    r = client_token(world, CLIENT_SECRET, "10.6.0.1")
    assert_throttled(r)
    assert r.json()["error"] == "invalid_client"
    assert client_token(world, CLIENT_SECRET, "10.6.0.2").status_code == 200


@pytest.mark.parametrize(
    "settings_overrides", [{"trust_proxy_headers": True, "login_max_failures_per_client": 3, "login_free_failures": 10}]
)
def test_a_client_id_has_a_soft_limit_across_addresses(world: World) -> None:
    for n in range(3):
        assert client_token(world, "wrong-secret-000000", f"10.7.0.{n}").status_code == 401
    assert_throttled(client_token(world, CLIENT_SECRET, "10.7.1.1"))


@pytest.mark.parametrize(
    "settings_overrides",
    [
        {
            "trust_proxy_headers": True,
            "login_max_failures_per_client": 3,
            "login_max_failures_per_address": 5,
            "login_free_failures": 10,
        }
    ],
)
def test_our_own_service_clients_cannot_be_locked_out_from_many_addresses(world: World) -> None:
    def svc(secret: str, ip: str) -> httpx.Response:
        return world.client.post(
            "/api/auth/token",
            data={"grant_type": "client_credentials", "client_id": "svc-plans", "client_secret": secret},
            headers={"X-Real-IP": ip},
        )

    for n in range(4):
        assert svc("wrong-secret-000000", f"10.7.2.{n}").status_code == 401
    assert svc(service_secret("plans"), "10.7.3.1").status_code == 200
    # Nor by others' failures from the address they call from (the embedded run: everything from 127.0.0.1).
    for n in range(5):
        assert login(world, f"typo{n}", "wrong-pass1", ip="10.7.3.1").status_code in (400, 429)
    assert_throttled(login(world, "padmin", ip="10.7.3.1"))
    assert svc(service_secret("plans"), "10.7.3.1").status_code == 200


def test_idle_counters_are_pruned_and_live_ones_kept(world: World) -> None:
    factory = world.app.state.kernel.sessionmaker
    now = utcnow()
    with factory.begin() as s:
        s.add_all(
            [
                LoginThrottle(key="ip:old", window_start=now - timedelta(days=2), failures=3),
                LoginThrottle(
                    key="user:delayed",
                    window_start=now - timedelta(days=2),
                    failures=9,
                    locked_until=now + timedelta(minutes=5),
                ),
                LoginThrottle(key="ip:recent", window_start=now - timedelta(minutes=5), failures=1),
            ]
        )
    with factory.begin() as s:
        assert throttle.prune(s) == 1
    with factory() as s:
        assert sorted(s.scalars(select(LoginThrottle.key))) == ["ip:recent", "user:delayed"]


# -- 3. security events survive the refusal, and can be filtered, exported and scoped -----------------------------
@pytest.mark.parametrize("settings_overrides", [{"trust_proxy_headers": True}])
def test_throttled_sign_ins_are_audited_in_their_own_transaction(world: World) -> None:
    for _ in range(4):
        login(world, "staff_a1", "wrong-pass1", ip="10.8.0.1")
    assert_throttled(login(world, "staff_a1", ip="10.8.0.1"))
    for _ in range(4):
        client_token(world, "wrong-secret-000000", "10.8.0.2")
    assert_throttled(client_token(world, CLIENT_SECRET, "10.8.0.2"))
    # Before: login.throttled was rolled back with the refusal, client.throttled never written.
    # Requests sent into the same lock are refused without another entry each (no flooding the log).
    for _ in range(5):
        assert_throttled(login(world, "staff_a1", ip="10.8.0.1"))
    throttled = audit(world, action="login.throttled")
    assert len(throttled) == 1
    assert throttled and throttled[0]["actor"] == "staff_a1" and throttled[0]["ip"] == "10.8.0.1"
    assert throttled[0]["security"] is True and throttled[0]["university_id"] == world.ids["uni_a"]
    assert audit(world, action="client.throttled")[0]["target"] == f"client:{world.integration_client_id}"
    assert audit(world, action="client.failure")[0]["university_id"] == world.ids["uni_a"]


def test_security_events_are_filtered_by_kind_actor_and_date_and_scoped_to_the_university(world: World) -> None:
    login(world, "staff_a1", "wrong-pass1")
    login(world, "staff_b1", "wrong-pass1")
    assert login(world, "mgr_a1").status_code == 200  # not a security event
    uid = world.users["staff_a1"].id
    r = world.client.patch(f"/api/users/{uid}", json={"active": False}, headers=world.auth("uni_a_admin"))
    assert r.status_code == 200  # a deactivation is
    r = world.client.patch(
        f"/api/users/{uid}", json={"display_name": "改名"}, headers=world.auth("uni_a_admin")
    )  # a new name is not
    assert r.status_code == 200
    events = audit(world, security="true")
    assert events and all(e["security"] for e in events)
    actions = {(e["action"], e["actor"]) for e in events}
    assert ("login.failure", "staff_a1") in actions and ("login.failure", "staff_b1") in actions
    assert ("login.success", "mgr_a1") not in actions
    updates = [e for e in events if e["action"] == "user.update"]
    assert len(updates) == 1 and updates[0]["detail"]["after"]["active"] is False
    # By actor and by date.
    assert {e["action"] for e in audit(world, actor="staff_b1")} == {"login.failure"}
    today = utcnow().date()
    assert audit(world, security="true", since=today.isoformat(), until=today.isoformat())
    assert audit(world, security="true", until=(today - timedelta(days=1)).isoformat()) == []
    r = world.client.get(
        "/api/audit", params={"since": today.isoformat(), "until": "2000-01-01"}, headers=world.auth("province_admin")
    )
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    # A university admin sees their university's security events only (not university B's).
    mine = audit(world, "uni_a_admin", security="true")
    assert ("login.failure", "staff_a1") in {(e["action"], e["actor"]) for e in mine}
    assert all(e["university_id"] == world.ids["uni_a"] for e in mine)
    assert not [e for e in mine if e["actor"] == "staff_b1"]
    assert audit(world, "uni_a_admin", actor="staff_b1") == []
    assert world.client.get("/api/audit", headers=world.auth("mgr_a1")).status_code == 403


def test_security_events_export_as_csv_and_xlsx_with_formulas_neutralised(world: World) -> None:
    login(world, '=HYPERLINK("http://evil")', "wrong-pass1")
    login(world, "staff_b1", "wrong-pass1")
    r = world.client.get(
        "/api/audit/export", params={"format": "csv", "security": "true"}, headers=world.auth("province_admin")
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][:5] == ["编号", "时间", "操作者", "操作", "安全事件"]
    actors = [row[2] for row in rows[1:]]
    assert '\'=HYPERLINK("http://evil")' in actors and "staff_b1" in actors
    assert all(row[4] == "是" for row in rows[1:])
    # A university admin's export holds their university's entries only.
    r = world.client.get(
        "/api/audit/export", params={"format": "csv", "security": "true"}, headers=world.auth("uni_b_admin")
    )
    actors = [row[2] for row in list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))[1:]]
    assert actors == ["staff_b1"]
    r = world.client.get("/api/audit/export", params={"security": "true"}, headers=world.auth("province_admin"))
    assert r.status_code == 200 and r.content[:2] == b"PK"


def test_refresh_token_reuse_is_a_security_event_of_the_accounts_university(world: World) -> None:
    first = login(world, "ub_admin").json()["refresh_token"]
    world.client.post("/api/auth/token", data={"grant_type": "refresh_token", "refresh_token": first})
    world.client.post("/api/auth/token", data={"grant_type": "refresh_token", "refresh_token": first})
    reuse = audit(world, "uni_b_admin", action="token.reuse_detected")
    assert len(reuse) == 1 and reuse[0]["security"] is True
    assert audit(world, "uni_a_admin", action="token.reuse_detected") == []


# -- 4. weak passwords, and the password change at first sign-in ---------------------------------------------------
def _create(w: World, username: str, password: str, **extra: Any) -> httpx.Response:
    return w.client.post(
        "/api/users",
        json={
            "username": username,
            "password": password,
            "display_name": "新职工",
            "role": "staff",
            "org_id": w.ids["a1"],
            **extra,
        },
        headers=w.auth("uni_a_admin"),
    )


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("aaaaaaa1", "common"),
        ("12345678a", "common"),
        ("Password1", "common"),
        ("qq123456", "common"),
        ("newstaff2026", "username"),
        ("2026ffatswen", "username"),
        ("Kfzaaaa9xq", "runs"),
        ("Qx12345bnm", "runs"),
        ("Tr98765zzq", "runs"),
    ],
)
def test_weak_passwords_are_refused(world: World, password: str, why: str) -> None:
    r = _create(world, "newstaff", password)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert {"common": "common", "username": "username", "runs": "runs"}[why] in r.text
    assert (
        world.client.get("/api/users", params={"q": "newstaff"}, headers=world.auth("uni_a_admin")).json()["total"] == 0
    )


def test_the_demo_and_test_passwords_pass_the_policy(world: World) -> None:
    for n, password in enumerate(("Demo@2026", PASSWORD, "Passw0rd-x1", "Passw0rd-gone1")):
        assert _create(world, f"okstaff{n}", password).status_code == 201, password


def test_an_account_created_by_an_administrator_gets_no_token_before_its_own_password(world: World) -> None:
    r = _create(world, "fresh_a1", "Given-by-admin1")
    assert r.status_code == 201 and r.json()["must_change_password"] is True
    r = world.client.post("/api/auth/web/login", json={"username": "fresh_a1", "password": "Given-by-admin1"})
    assert r.status_code == 403 and r.headers["content-type"].startswith("application/problem+json")
    assert "sq_refresh" not in r.headers.get("set-cookie", "")
    body = r.json()
    assert body["code"] == "password_change_required" and "access_token" not in body
    assert body["change_password_endpoint"] == "/api/auth/password/initial"
    # The OAuth token endpoint keeps the public contract (an account created by POST /api/users signs in with the
    # password grant) and says that the password is still the administrator's.
    r = login(world, "fresh_a1", "Given-by-admin1")
    assert r.status_code == 200 and r.json()["password_change_required"] is True

    def initial(current: str, new: str, username: str = "fresh_a1") -> httpx.Response:
        return world.client.post(
            "/api/auth/password/initial",
            json={"username": username, "current_password": current, "new_password": new},
        )

    assert initial("wrong-pass1", "Own-choice-77").status_code == 403
    assert initial("Given-by-admin1", "12345678a").status_code == 422
    assert initial("Given-by-admin1", "Given-by-admin1").status_code == 422
    assert initial("Given-by-admin1", "Own-choice-77").status_code == 204
    assert login(world, "fresh_a1", "Given-by-admin1").status_code == 400
    r = login(world, "fresh_a1", "Own-choice-77")
    assert r.status_code == 200, r.text
    assert "password_change_required" not in r.json()
    # Done once: the endpoint is no way around the profile's password change.
    assert initial("Own-choice-77", "Another-one-88").status_code == 409
    # An administrator's reset asks again, and ends the sign-in that was open.
    uid = world.client.get("/api/users", params={"q": "fresh_a1"}, headers=world.auth("uni_a_admin")).json()["items"][
        0
    ]["id"]
    reset = world.client.post(
        f"/api/users/{uid}/password", json={"new_password": "Reset-by-admin2"}, headers=world.auth("uni_a_admin")
    )
    assert reset.status_code == 204
    refresh = world.client.post(
        "/api/auth/token", data={"grant_type": "refresh_token", "refresh_token": r.json()["refresh_token"]}
    )
    assert refresh.status_code == 400
    assert web_login(world, "fresh_a1", "Reset-by-admin2").status_code == 403
    assert login(world, "fresh_a1", "Reset-by-admin2").json()["password_change_required"] is True


def test_an_administrator_may_hand_over_a_password_explicitly(world: World) -> None:
    r = _create(world, "handed_a1", "Handed-over-1", must_change_password=False)
    assert r.status_code == 201 and r.json()["must_change_password"] is False
    assert login(world, "handed_a1", "Handed-over-1").status_code == 200
    assert _create(world, "strict_a1", "Handed-over-1", must_change_password=0).status_code == 422


@pytest.mark.parametrize("settings_overrides", [{"login_max_failures_per_account": 50}])
def test_changing_ones_own_password_is_throttled_like_a_sign_in(world: World) -> None:
    h = world.auth("expert")
    for _ in range(4):
        r = world.client.post(
            "/api/auth/password", json={"current_password": "wrong-pass1", "new_password": "Another-pass1"}, headers=h
        )
        assert r.status_code == 422
    r = world.client.post(
        "/api/auth/password", json={"current_password": PASSWORD, "new_password": "Another-pass1"}, headers=h
    )
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1
    assert len(audit(world, action="login.failure", actor="expert_a")) == 4


@pytest.mark.parametrize(
    "value",
    ["changeme-2026-prod", "Password_for_production", "secret-value-123", "example-secret-key", "Change_Me_Now_2026"],
)
def test_placeholder_style_secrets_are_refused_in_production(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PLANS", "TRAINING", "EVALUATION", "HALL"):
        monkeypatch.setenv(f"{name}_SERVICE_CLIENT_SECRET", f"Zq8-{name.lower()}-r4nd0m-v4lue")
    with pytest.raises(ValueError, match="ADMIN_PASSWORD must be set to a real secret"):
        Settings(environment="production", admin_password=value)
    Settings(environment="production", admin_password="kG7#vQ2m!xR9pL4w")


# -- 5. a session has an absolute lifetime -----------------------------------------------------------------------
@pytest.mark.parametrize("settings_overrides", [{"session_max_age": 3600}])
def test_refreshing_never_extends_a_session_past_its_maximum_age(world: World) -> None:
    first = login(world, "mgr_a1").json()["refresh_token"]
    r = world.client.post("/api/auth/token", data={"grant_type": "refresh_token", "refresh_token": first})
    assert r.status_code == 200
    second = r.json()["refresh_token"]
    with world.app.state.kernel.sessionmaker.begin() as s:
        rows = s.query(RefreshToken).all()
        assert len({row.session_started_at for row in rows}) == 1  # rotation keeps the sign-in's start
        assert all(row.expires_at <= row.session_started_at + timedelta(seconds=3600) for row in rows)
        # The sign-in was 61 minutes ago (as if refreshed every few minutes since).
        s.execute(update(RefreshToken).values(session_started_at=utcnow() - timedelta(minutes=61)))
    r = world.client.post("/api/auth/token", data={"grant_type": "refresh_token", "refresh_token": second})
    assert (r.status_code, r.json()["error"]) == (400, "invalid_grant")
    assert "sign in again" in r.json()["error_description"]


@pytest.mark.parametrize("settings_overrides", [{"session_max_age": 3600}])
def test_the_web_session_ends_with_401_and_a_fresh_sign_in_works(world: World) -> None:
    r = web_login(world, "staff_a1")
    assert r.status_code == 200
    refresh_cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("sq_refresh="))
    assert "Max-Age=3600" in refresh_cookie or "Max-Age=3599" in refresh_cookie
    assert world.client.post("/api/auth/web/refresh", headers=XHR).status_code == 200
    with world.app.state.kernel.sessionmaker.begin() as s:
        s.execute(update(RefreshToken).values(session_started_at=utcnow() - timedelta(hours=2)))
    r = world.client.post("/api/auth/web/refresh", headers=XHR)
    assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")
    assert web_login(world, "staff_a1").status_code == 200
    assert world.client.post("/api/auth/web/refresh", headers=XHR).status_code == 200
