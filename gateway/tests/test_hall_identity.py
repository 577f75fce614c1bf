"""The service hall's identities (S1, issue #20) against a REAL OpenID Connect provider started by the tests
(``oidc_harness``): sign-in creates the identity and its token works at /api/auth/me; the wrong issuer, the wrong
audience, a replayed code or state and an expired ID token are refused; refresh and sign-out work for hall
identities; the roster fallback (push, one-time codes, activation, number + password, throttled); a student's
token opens no staff or admin route of the gateway. On SQLite and PostgreSQL, like every gateway test."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from fastapi.routing import APIRoute
from sqlalchemy import select

from sanquan_gateway.accounts.models import Client
from sanquan_gateway.audit.models import AuthAudit
from sanquan_gateway.auth.passwords import hash_password
from sanquan_gateway.hall_identity import crypto
from sanquan_gateway.hall_identity.models import HallIdentity, SsoConfig
from sanquan_gateway.hall_identity.oidc import OidcClient, SsoError
from sanquan_gateway.hall_identity.service import safe_next
from sanquan_kernel import clock

from .conftest import World, free_port
from .oidc_harness import CALLBACK, Provider, browse_to_callback, oidc_provider

SECRET_A = "campus-a-secret-0123456789abcdef"
SECRET_B = "campus-b-secret-0123456789abcdef"
CLIENTS = [
    {"client_id": "gw-a", "client_secret": SECRET_A, "redirect_uris": [CALLBACK]},
    {"client_id": "gw-b", "client_secret": SECRET_B, "redirect_uris": [CALLBACK, "http://127.0.0.1:9/cb"]},
]
XHR = {"X-Requested-With": "XMLHttpRequest"}
ROSTER_SECRET = "roster-secret-0123456789"


@pytest.fixture(scope="module")
def idp() -> Iterator[Provider]:
    with oidc_provider(free_port(), CLIENTS) as p:
        yield p


@pytest.fixture(scope="module")
def other_idp() -> Iterator[Provider]:
    """Another real provider (the mix-up attack's), with the same client ids."""
    with oidc_provider(free_port(), CLIENTS) as p:
        yield p


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"public_url": "http://testserver"}


def configure(w: World, issuer: str, client_id: str = "gw-a", secret: str = SECRET_A, **extra: Any) -> Any:
    return w.client.put(
        "/api/auth/sso-config",
        json={"issuer": issuer, "client_id": client_id, "client_secret": secret, **extra},
        headers=w.auth("uni_a_admin"),
    )


def start(w: World, next_path: str = "/hall/mine") -> str:
    r = w.client.get(f"/api/auth/sso/{w.ids['uni_a']}/start", params={"next": next_path}, follow_redirects=False)
    assert r.status_code == 302, r.text
    return r.headers["location"]


def callback(w: World, url: str, **headers: str) -> Any:
    parts = urlsplit(url)
    return w.client.get(f"{parts.path}?{parts.query}", follow_redirects=False, headers=headers)


def error_of(r: Any) -> str:
    assert r.status_code == 302, r.text
    loc = urlsplit(r.headers["location"])
    assert loc.path == "/hall/sign-in", r.headers["location"]
    return parse_qs(loc.query)["error"][0]


def sign_in(w: World, login: str) -> Any:
    r = callback(w, browse_to_callback(start(w), login))
    assert r.status_code == 302 and r.headers["location"] == "/hall/mine", (r.status_code, r.headers, r.text)
    return r


def web_token(w: World) -> str:
    r = w.client.post("/api/auth/web/refresh", headers=XHR)
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


def identities(w: World) -> list[HallIdentity]:
    with w.app.state.kernel.sessionmaker() as s:
        return list(s.scalars(select(HallIdentity).order_by(HallIdentity.id)))


# -- sign-in ---------------------------------------------------------------------------------------------------------
def test_campus_sign_in_creates_the_identity_and_its_token_works_at_me(world: World, idp: Provider) -> None:
    r = configure(world, idp.issuer, kind_claim="user_type")
    assert r.status_code == 200, r.text
    assert r.json()["has_client_secret"] is True and "client_secret" not in r.json()
    assert r.json()["redirect_uri"] == CALLBACK
    assert world.client.get("/api/auth/sso/providers").json() == [
        {"university_id": world.ids["uni_a"], "name": "甲大学", "sso": True}
    ]

    sign_in(world, "2026001")
    token = web_token(world)
    me = world.client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200, me.text
    body = me.json()
    assert body["role"] == "student" and body["number"] == "2026001"
    assert body["university_id"] == world.ids["uni_a"] and body["university_name"] == "甲大学"
    assert body["org_id"] == world.ids["uni_a"] and body["department_id"] is None and body["permissions"] == []
    [identity] = identities(world)
    assert (identity.number, identity.source, identity.kind, identity.display_name) == (
        "2026001",
        "sso",
        "student",
        "测试2026001",
    )
    assert body["id"] == f"hall:{identity.id}"

    # The second sign-in finds the same identity; a teacher's claim makes a teacher.
    sign_in(world, "2026001")
    sign_in(world, "t9001")
    assert [(i.number, i.kind) for i in identities(world)] == [("2026001", "student"), ("t9001", "teacher")]
    teacher = world.client.get("/api/auth/me", headers={"Authorization": f"Bearer {web_token(world)}"}).json()
    assert teacher["role"] == "teacher"


def test_the_client_secret_is_stored_encrypted_and_never_returned(world: World, idp: Provider) -> None:
    assert configure(world, idp.issuer).status_code == 200
    with world.app.state.kernel.sessionmaker() as s:
        row = s.get(SsoConfig, world.ids["uni_a"])
        assert row is not None and SECRET_A not in row.client_secret_encrypted
        assert crypto.decrypt(row.client_secret_encrypted, world.ids["uni_a"]) == SECRET_A
        with pytest.raises(ValueError):
            crypto.decrypt(row.client_secret_encrypted, world.ids["uni_b"])  # bound to its university
    got = world.client.get("/api/auth/sso-config", headers=world.auth("uni_a_admin"))
    assert got.status_code == 200 and SECRET_A not in got.text and got.json()["issuer"] == idp.issuer
    # Omitting the secret keeps it; another university's admin sees only their own (unconfigured) university.
    r = world.client.put(
        "/api/auth/sso-config",
        json={"issuer": idp.issuer, "client_id": "gw-a", "number_claim": "sub"},
        headers=world.auth("uni_a_admin"),
    )
    assert r.status_code == 200 and r.json()["has_client_secret"] and r.json()["version"] == 2
    other = world.client.get("/api/auth/sso-config", headers=world.auth("uni_b_admin")).json()
    assert other["configured"] is False and other["university_id"] == world.ids["uni_b"]
    for role in ("province_admin", "mgr_a1", "staff_a1", "expert"):
        assert world.client.get("/api/auth/sso-config", headers=world.auth(role)).status_code == 403, role
    # The first configuration needs a secret; bad input changes nothing.
    r = world.client.put(
        "/api/auth/sso-config", json={"issuer": idp.issuer, "client_id": "x"}, headers=world.auth("uni_b_admin")
    )
    assert r.status_code == 422
    assert world.client.get("/api/auth/sso-config", headers=world.auth("uni_b_admin")).json()["configured"] is False


def test_an_issuer_whose_discovery_names_another_issuer_is_refused(world: World, idp: Provider) -> None:
    lookalike = idp.issuer.replace("127.0.0.1", "localhost")
    r = configure(world, lookalike)
    assert r.status_code == 422 and r.json()["code"] == "sso_discovery_failed", r.text
    assert world.client.get("/api/auth/sso/providers").json() == []


# -- refused sign-ins ------------------------------------------------------------------------------------------------
def test_a_replayed_callback_is_refused(world: World, idp: Provider) -> None:
    assert configure(world, idp.issuer).status_code == 200
    url = browse_to_callback(start(world), "2026002")
    assert callback(world, url).status_code == 302
    world.client.cookies.delete("sq_refresh", path="/api/auth/web")
    # The same state and code again: the state was used.
    assert error_of(callback(world, url)) == "sso_invalid_state"
    # The same code with a fresh state of this browser: the provider refuses the used code.
    fresh_state = parse_qs(urlsplit(start(world)).query)["state"][0]
    q = parse_qs(urlsplit(url).query)
    replay = f"{CALLBACK}?{urlencode({'code': q['code'][0], 'state': fresh_state, 'iss': q['iss'][0]})}"
    assert error_of(callback(world, replay)) == "sso_code_refused"
    # As JSON for a client that asks for it.
    r = callback(world, url, Accept="application/json")
    assert r.status_code == 400 and r.json()["code"] == "sso_invalid_state"
    assert r.headers["content-type"].startswith("application/problem+json")
    assert len(identities(world)) == 1
    assert world.client.post("/api/auth/web/refresh", headers=XHR).status_code == 401


def test_a_callback_in_another_browser_or_after_ten_minutes_is_refused(world: World, idp: Provider) -> None:
    assert configure(world, idp.issuer).status_code == 200
    url = browse_to_callback(start(world), "2026003")
    world.client.cookies.clear()
    assert error_of(callback(world, url)) == "sso_invalid_state"
    url = browse_to_callback(start(world), "2026003")
    with clock.frozen(datetime.now(UTC) + timedelta(minutes=11)):
        assert error_of(callback(world, url)) == "sso_invalid_state"
    assert identities(world) == []


def test_an_answer_from_another_issuer_is_refused(world: World, idp: Provider, other_idp: Provider) -> None:
    """The mix-up attack: the browser comes back from another provider (its code and its ``iss``) with this
    sign-in's state."""
    assert configure(world, idp.issuer).status_code == 200
    ours = start(world)
    state = parse_qs(urlsplit(ours).query)["state"][0]
    theirs = ours.replace(idp.issuer, other_idp.issuer)
    url = browse_to_callback(theirs, "2026004")
    q = parse_qs(urlsplit(url).query)
    assert q["iss"] == [other_idp.issuer] and q["state"] == [state]
    assert error_of(callback(world, url)) == "sso_wrong_issuer"
    # Without the iss parameter, a provider that promises one is refused too.
    ours = start(world)
    url = browse_to_callback(ours.replace(idp.issuer, other_idp.issuer), "2026004")
    q = parse_qs(urlsplit(url).query)
    assert error_of(callback(world, f"{CALLBACK}?{urlencode({'code': q['code'][0], 'state': q['state'][0]})}")) == (
        "sso_wrong_issuer"
    )
    assert identities(world) == []


def _rp_id_token(idp: Provider, client_id: str, secret: str, nonce: str) -> str:
    """An ID token the provider issues to ``client_id`` (the test as that relying party, PKCE and all)."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    redirect = "http://127.0.0.1:9/cb"
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect,
            "scope": "openid profile",
            "state": "s",
            "nonce": nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    back = browse_to_callback(f"{idp.issuer}/auth?{query}", "2026005", stop_at=redirect)
    code = parse_qs(urlsplit(back).query)["code"][0]
    r = httpx.post(
        f"{idp.issuer}/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": redirect, "code_verifier": verifier},
        auth=(client_id, secret),
    )
    assert r.status_code == 200, r.text
    return str(r.json()["id_token"])


def test_an_id_token_for_another_audience_is_refused(world: World, idp: Provider) -> None:
    """An ID token the real provider issued to another client (``gw-b``) is not university A's (``gw-a``); and the
    code of another client's sign-in does not redeem at university A's."""
    oidc = OidcClient(timeout=5, allow_http=True)
    found = oidc.discover(idp.issuer)
    token = _rp_id_token(idp, "gw-b", SECRET_B, "n-1")
    assert oidc.verify_id_token(token, found, client_id="gw-b", nonce="n-1", leeway=0)["sub"] == "2026005"
    with pytest.raises(SsoError) as err:
        oidc.verify_id_token(token, found, client_id="gw-a", nonce="n-1", leeway=0)
    assert err.value.code == "sso_wrong_audience"
    with pytest.raises(SsoError) as err:
        oidc.verify_id_token(token, found, client_id="gw-b", nonce="another", leeway=0)
    assert err.value.code == "sso_invalid_token"
    # Signed by another key than the issuer's: refused (a header naming no known key).
    forged = token.rsplit(".", 1)[0] + "." + base64.urlsafe_b64encode(b"x" * 256).rstrip(b"=").decode()
    with pytest.raises(SsoError):
        oidc.verify_id_token(forged, found, client_id="gw-b", nonce="n-1", leeway=0)

    assert configure(world, idp.issuer).status_code == 200
    ours = start(world)
    other_client = ours.replace("client_id=gw-a", "client_id=gw-b")
    url = browse_to_callback(other_client, "2026005")
    assert error_of(callback(world, url)) == "sso_code_refused"
    assert identities(world) == []


def test_an_expired_id_token_is_refused(world: World, idp: Provider) -> None:
    """The gateway's clock two hours past the provider's: the ID token (one hour) has expired when it arrives."""
    assert configure(world, idp.issuer).status_code == 200
    with clock.frozen(datetime.now(UTC) + timedelta(hours=2)):
        url = browse_to_callback(start(world), "2026006")
        assert error_of(callback(world, url)) == "sso_expired_token"
    assert identities(world) == []


def test_a_disabled_or_unconfigured_university_has_no_sign_in(world: World, idp: Provider) -> None:
    r = world.client.get(f"/api/auth/sso/{world.ids['uni_b']}/start", follow_redirects=False)
    assert r.status_code == 404
    assert configure(world, idp.issuer, enabled=False).status_code == 200
    assert world.client.get(f"/api/auth/sso/{world.ids['uni_a']}/start", follow_redirects=False).status_code == 404
    assert world.client.get("/api/auth/sso/providers").json() == []


# -- refresh and sign-out --------------------------------------------------------------------------------------------
def test_refresh_and_sign_out_work_for_a_hall_identity(world: World, idp: Provider) -> None:
    assert configure(world, idp.issuer).status_code == 200
    sign_in(world, "2026007")
    first = world.client.cookies.get("sq_refresh")
    token = web_token(world)
    assert world.client.cookies.get("sq_refresh") != first  # rotated
    headers = {"Authorization": f"Bearer {token}", **XHR}
    assert world.client.post("/api/auth/web/logout", headers=headers).status_code == 204
    world.app.state.kernel.extras["revocation_poller"].refresh()
    assert world.client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    world.client.cookies.set("sq_refresh", first or "", path="/api/auth/web")
    assert world.client.post("/api/auth/web/refresh", headers=XHR).status_code == 401


# -- the roster fallback ---------------------------------------------------------------------------------------------
def _roster_client(w: World, scopes: str = "hall:roster") -> dict[str, str]:
    with w.app.state.kernel.sessionmaker.begin() as s:
        if s.scalar(select(Client).where(Client.client_id == f"roster-{scopes}")) is None:
            s.add(
                Client(
                    client_id=f"roster-{scopes}",
                    name="教务系统",
                    secret_hash=hash_password(ROSTER_SECRET),
                    role="integration",
                    org_id=w.ids["uni_a"],
                    university_id=w.ids["uni_a"],
                    scopes=scopes,
                )
            )
    r = w.client.post(
        "/api/auth/token",
        data={"grant_type": "client_credentials", "client_id": f"roster-{scopes}", "client_secret": ROSTER_SECRET},
    )
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_roster_push_activation_and_number_sign_in(world: World) -> None:
    uni = world.ids["uni_a"]
    roster = {"items": [{"number": "S001", "name": "张三"}, {"number": "T001", "name": "李老师", "kind": "teacher"}]}
    assert (
        world.client.put(
            "/api/auth/hall-roster", json=roster, headers=_roster_client(world, "training:read")
        ).status_code
        == 403
    )
    assert world.client.put("/api/auth/hall-roster", json=roster, headers=world.auth("uni_a_admin")).status_code == 403
    pusher = _roster_client(world)
    r = world.client.put("/api/auth/hall-roster", json=roster, headers=pusher)
    assert r.status_code == 200, r.text
    out = r.json()
    assert (out["created"], out["updated"]) == (2, 0)
    codes = {c["number"]: c["activation_code"] for c in out["codes"]}
    assert set(codes) == {"S001", "T001"}
    assert all(i.university_id == uni and i.source == "roster" for i in identities(world))
    # the sign-in page offers the university by name, for the number and password (not an SSO button)
    assert world.client.get("/api/auth/sso/providers").json() == [
        {"university_id": uni, "name": "甲大学", "sso": False}
    ]
    # Pushed again: updated, no new codes (they were shown once).
    again = world.client.put("/api/auth/hall-roster", json=roster, headers=pusher).json()
    assert (again["created"], again["updated"], again["codes"]) == (0, 2, [])

    def activate(code: str, password: str = "Hall-pass-2026", number: str = "S001") -> Any:
        body = {"university_id": uni, "number": number, "code": code, "password": password}
        return world.client.post("/api/auth/hall/activate", json=body)

    assert activate("AAAA-BBBB-CCCC").status_code == 400
    weak = activate(codes["S001"], "12345678")
    assert weak.status_code == 422  # the password policy; the code still works
    r = activate(codes["S001"].lower().replace("-", ""))
    assert r.status_code == 200, r.text
    me = world.client.get("/api/auth/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"}).json()
    assert (me["role"], me["number"], me["university_id"]) == ("student", "S001", uni)
    assert activate(codes["S001"]).status_code == 400  # one use
    # Another university's number space is not this one's.
    r = world.client.post(
        "/api/auth/hall/activate",
        json={
            "university_id": world.ids["uni_b"],
            "number": "T001",
            "code": codes["T001"],
            "password": "Hall-pass-2026",
        },
    )
    assert r.status_code == 400

    login = {"university_id": uni, "number": "S001", "password": "Hall-pass-2026"}
    r = world.client.post("/api/auth/hall/login", json=login)
    assert r.status_code == 200 and world.client.cookies.get("sq_refresh")
    token = r.json()["access_token"]
    # Disabled by the roster: the sign-in fails and the token stops.
    gone = {"items": [{"number": "S001", "name": "张三", "active": False}]}
    assert world.client.put("/api/auth/hall-roster", json=gone, headers=pusher).json()["disabled"] == 1
    world.app.state.kernel.extras["revocation_poller"].refresh()
    assert world.client.get("/api/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert world.client.post("/api/auth/hall/login", json=login).status_code == 400
    assert world.client.post("/api/auth/web/refresh", headers=XHR).status_code == 401


def test_number_sign_in_is_throttled(world: World) -> None:
    uni = world.ids["uni_a"]
    pusher = _roster_client(world)
    code = world.client.put(
        "/api/auth/hall-roster", json={"items": [{"number": "S100", "name": "王五"}]}, headers=pusher
    ).json()["codes"][0]["activation_code"]
    body = {"university_id": uni, "number": "S100", "code": code, "password": "Hall-pass-2026"}
    assert world.client.post("/api/auth/hall/activate", json=body).status_code == 200
    wrong = {"university_id": uni, "number": "S100", "password": "Wrong-pass-1"}
    statuses = [world.client.post("/api/auth/hall/login", json=wrong).status_code for _ in range(6)]
    assert statuses[:3] == [400, 400, 400] and 429 in statuses, statuses
    r = world.client.post("/api/auth/hall/login", json={**wrong, "password": "Hall-pass-2026"})
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1  # locked even with the right password


# -- what a student's token opens in the gateway -----------------------------------------------------------------------
#: The gateway's own routes a student or teacher may use; every other answers 401, 403, 404, 405 or 422.
STUDENT_OPEN = {
    ("GET", "/api/auth/me"),
    ("POST", "/api/auth/logout"),
    ("POST", "/api/auth/web/logout"),
    ("GET", "/api/auth/sso/providers"),
    # their own notifications (their requests' changes, #20): gateway/tests/test_hall_notifications.py
    ("GET", "/api/notifications"),
    ("GET", "/api/notifications/unread-count"),
    ("POST", "/api/notifications/read-all"),
    ("GET", "/.well-known/jwks.json"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
    ("GET", "/api/openapi.json"),
    ("GET", "/api/gateway/openapi.json"),
    ("GET", "/api/docs"),
    ("GET", "/api/docs/init.js"),
}


def test_a_student_token_opens_no_staff_or_admin_route_of_the_gateway(world: World) -> None:
    pusher = _roster_client(world)
    code = world.client.put(
        "/api/auth/hall-roster", json={"items": [{"number": "S200", "name": "赵六"}]}, headers=pusher
    ).json()["codes"][0]["activation_code"]
    r = world.client.post(
        "/api/auth/hall/activate",
        json={"university_id": world.ids["uni_a"], "number": "S200", "code": code, "password": "Hall-pass-2026"},
    )
    student = {"Authorization": f"Bearer {r.json()['access_token']}", **XHR}
    api = world.client.app.app
    while not hasattr(api, "routes"):
        api = api.app if hasattr(api, "app") else api.api
    opened = []
    for route in api.routes:
        if not isinstance(route, APIRoute):
            continue
        for method in route.methods - {"HEAD"}:
            if (method, route.path) in STUDENT_OPEN or route.path.startswith("/api/auth/sso/"):
                continue
            path = route.path
            for name in route.param_convertors:
                path = path.replace("{" + name + "}", str(world.ids["a1"]))
            got = world.client.request(method, path, headers=student, json={})
            if got.status_code < 300 and not (method == "POST" and route.path in ("/api/auth/web/refresh",)):
                opened.append(f"{method} {route.path}: {got.status_code} {got.text[:100]}")
    assert not opened, "\n".join(opened)


def test_next_stays_on_this_site_and_a_json_caller_gets_the_token(world: World, idp: Provider) -> None:
    for bad in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "hall", "/a\r\nSet-Cookie: x=1"):
        assert safe_next(bad) == "/hall", bad
    assert safe_next("/hall/requests/12?tab=timeline") == "/hall/requests/12?tab=timeline"
    assert configure(world, idp.issuer).status_code == 200
    url = browse_to_callback(start(world, "//evil.example/steal"), "2026008")
    r = callback(world, url)
    assert r.status_code == 302 and r.headers["location"] == "/hall"
    url = browse_to_callback(start(world), "2026008")
    r = callback(world, url, Accept="application/json")
    assert r.status_code == 200 and r.json()["next"] == "/hall/mine" and r.json()["token_type"] == "bearer"
    me = world.client.get("/api/auth/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"})
    assert me.json()["number"] == "2026008"


def test_refused_campus_sign_ins_are_security_events_of_the_university(world: World, idp: Provider) -> None:
    assert configure(world, idp.issuer).status_code == 200
    url = browse_to_callback(start(world), "2026009")
    assert callback(world, url).status_code == 302
    assert error_of(callback(world, url)) == "sso_invalid_state"
    with clock.frozen(datetime.now(UTC) + timedelta(hours=2)):
        assert error_of(callback(world, browse_to_callback(start(world), "2026009"))) == "sso_expired_token"
    with world.app.state.kernel.sessionmaker() as s:
        rows = s.scalars(select(AuthAudit).where(AuthAudit.action == "hall.sso.failure").order_by(AuthAudit.id)).all()
        assert [r.detail["code"] for r in rows] == ["sso_invalid_state", "sso_expired_token"]
        assert all(r.security for r in rows)
        assert rows[1].university_id == world.ids["uni_a"]
    audit = world.client.get("/api/audit", params={"security": "true"}, headers=world.auth("uni_a_admin")).json()
    assert "hall.sso.failure" in {e["action"] for e in audit["items"]}


def test_the_inspector_and_a_student_neither_read_nor_set_a_universitys_sso(world: World) -> None:
    """The inspector (督导) reads what the province reads: no university's SSO configuration or roster either."""
    from sanquan_gateway.accounts.models import User

    with world.app.state.kernel.sessionmaker.begin() as s:
        inspector = User(
            username="inspector_t",
            display_name="督导",
            password_hash=hash_password("Passw0rd-insp1"),
            role="inspector",
            org_id=world.ids["province"],
            university_id=None,
            department_id=None,
        )
        s.add(inspector)
        s.flush()
        s.expunge(inspector)
    insp = {"Authorization": f"Bearer {world.app.state.kernel.extras['issuer'].access_for_user(inspector)[0]}"}
    body = {"issuer": "https://idp.example.edu.cn", "client_id": "c", "client_secret": "s"}
    roster = {"items": [{"number": "S1", "name": "甲"}]}
    assert world.client.get("/api/auth/sso-config", headers=insp).status_code == 403
    assert world.client.put("/api/auth/sso-config", json=body, headers=insp).status_code == 403
    assert world.client.put("/api/auth/hall-roster", json=roster, headers=insp).status_code == 403
    assert world.client.get("/api/auth/sso/providers", headers=insp).status_code == 200

    code = world.client.put("/api/auth/hall-roster", json=roster, headers=_roster_client(world)).json()["codes"][0]
    r = world.client.post(
        "/api/auth/hall/activate",
        json={
            "university_id": world.ids["uni_a"],
            "number": "S1",
            "code": code["activation_code"],
            "password": "Hall-pass-2026",
        },
    )
    student = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert world.client.get("/api/auth/sso-config", headers=student).status_code == 403
    assert world.client.put("/api/auth/sso-config", json=body, headers=student).status_code == 403
    assert world.client.put("/api/auth/hall-roster", json=roster, headers=student).status_code == 403
    with world.app.state.kernel.sessionmaker() as s:
        assert s.get(SsoConfig, world.ids["uni_a"]) is None


@pytest.mark.parametrize(
    "issuer",
    [
        "https://127.0.0.1:8443",
        "https://localhost/realms/campus",
        "https://10.1.2.3",
        "https://[::1]",
        "https://169.254.169.254",
    ],
)
def test_in_production_an_issuer_at_a_private_address_is_never_called(issuer: str) -> None:
    # a university admin's SSO configuration must not make the gateway call into the campus network or the
    # platform itself (server-side request forgery): refused before any connection, like a webhook's target
    client = OidcClient(timeout=1.0, allow_http=False, allow_private=False)
    with pytest.raises(SsoError) as refused:
        client.discover(issuer)
    assert refused.value.code == "sso_unavailable" and "private address" in refused.value.detail


class _Issuer:
    """A plain HTTP server on 127.0.0.1 answering a discovery document for ``issuer``; counts the requests it got
    and the ``Host`` each one named."""

    def __init__(self) -> None:
        import http.server
        import threading

        self.hosts: list[str] = []
        self.issuer = ""
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.hosts.append(self.headers.get("Host", ""))
                body = (
                    '{"issuer": "%s", "authorization_endpoint": "%s/auth", "token_endpoint": "%s/token", '
                    '"jwks_uri": "%s/jwks"}' % ((outer.issuer,) * 4)
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _resolver(monkeypatch: pytest.MonkeyPatch, name: str, answers: list[str]) -> list[str]:
    """``name`` resolves to ``answers[0]``, then ``answers[1]``, … (the last one from then on): a rebinding DNS
    server. Other names resolve as usual. Returns the list of lookups of ``name``."""
    import socket

    real = socket.getaddrinfo
    lookups: list[str] = []

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host != name:
            return real(host, port, *args, **kwargs)
        address = answers[min(len(lookups), len(answers) - 1)]
        lookups.append(address)
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, int(port or 0)))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return lookups


@pytest.fixture
def plain_issuer() -> Iterator[_Issuer]:
    server = _Issuer()
    yield server
    server.close()


def test_in_production_an_issuer_s_name_resolving_to_a_private_address_is_never_called(
    plain_issuer: _Issuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = "campus-idp.private.example"
    lookups = _resolver(monkeypatch, name, ["127.0.0.1"])
    plain_issuer.issuer = f"http://{name}:{plain_issuer.port}"
    client = OidcClient(timeout=1.0, allow_http=True, allow_private=False)
    with pytest.raises(SsoError) as refused:
        client.discover(plain_issuer.issuer)
    assert refused.value.code == "sso_unavailable" and "private address" in refused.value.detail
    assert plain_issuer.hosts == [] and lookups == ["127.0.0.1"]


def test_in_production_an_issuer_s_name_rebound_after_the_check_is_not_called_at_the_new_address(
    plain_issuer: _Issuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # DNS rebinding: the name is public when checked and private when resolved again. The gateway connects to the
    # address it checked (here a public one that does not answer) and never resolves the name a second time, so
    # the server at the private address is never reached (httpx's own lookup would have gone there).
    name = "campus-idp.rebind.example"
    lookups = _resolver(monkeypatch, name, ["8.8.8.8", "127.0.0.1"])
    plain_issuer.issuer = f"http://{name}:{plain_issuer.port}"
    client = OidcClient(timeout=0.5, allow_http=True, allow_private=False)
    with pytest.raises(SsoError) as failed:
        client.discover(plain_issuer.issuer)
    assert failed.value.code == "sso_unavailable"
    assert plain_issuer.hosts == [] and lookups == ["8.8.8.8"]


def test_a_call_goes_to_the_checked_address_with_the_issuer_s_name(
    plain_issuer: _Issuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The other side of the pinning: the connection goes to the address checked, once, with the issuer's name in
    # Host. (127.0.0.1 is taken for a public address here, by the standard library's flag, to have a server.)
    import ipaddress

    monkeypatch.setattr(ipaddress.IPv4Address, "is_global", property(lambda self: True))
    name = "campus-idp.pinned.example"
    lookups = _resolver(monkeypatch, name, ["127.0.0.1", "10.9.9.9"])
    plain_issuer.issuer = f"http://{name}:{plain_issuer.port}"
    client = OidcClient(timeout=2.0, allow_http=True, allow_private=False)
    found = client.discover(plain_issuer.issuer)
    assert found.issuer == plain_issuer.issuer
    assert plain_issuer.hosts == [f"{name}:{plain_issuer.port}"]
    # one lookup for the call; the discovered endpoints are checked once each when the document is taken
    assert lookups[0] == "127.0.0.1" and len(lookups) == 4
