"""The token endpoint (CONTRACT.md, RFC 6749) and the attacks every access token check must stop."""

from __future__ import annotations

import base64
import functools
import json
import time

import pytest
from jose import jwt as jose_jwt

from sanquan_kernel.tokens import SigningKey, issue_access_token

from .conftest import CLIENT_SECRET, PASSWORD, World


def password_login(w: World, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return w.client.post("/api/auth/token", data={"grant_type": "password", "username": username, "password": password})


def test_password_grant_answers_an_access_and_a_refresh_token(world: World) -> None:
    r = password_login(world, "padmin")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 900
    assert body["access_token"].count(".") == 2 and body["refresh_token"]
    assert r.headers["cache-control"] == "no-store"
    header = jose_jwt.get_unverified_header(body["access_token"])
    assert header["alg"] == "RS256" and header["typ"] == "at+jwt" and header["kid"]
    claims = jose_jwt.get_unverified_claims(body["access_token"])
    for claim in (
        "iss",
        "aud",
        "sub",
        "exp",
        "iat",
        "jti",
        "role",
        "org_id",
        "university_id",
        "department_id",
        "scope",
    ):
        assert claim in claims
    assert claims["exp"] - claims["iat"] == 900


def test_wrong_password_answers_rfc6749_invalid_grant(world: World) -> None:
    r = password_login(world, "padmin", "wrong-password1")
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_grant"


def test_unsupported_grant_and_missing_fields_follow_rfc6749(world: World) -> None:
    r = world.client.post("/api/auth/token", data={"grant_type": "implicit"})
    assert (r.status_code, r.json()["error"]) == (400, "unsupported_grant_type")
    r = world.client.post("/api/auth/token", data={"grant_type": "password", "username": "padmin"})
    assert (r.status_code, r.json()["error"]) == (400, "invalid_request")


def test_disabled_account_cannot_sign_in(world: World) -> None:
    assert password_login(world, "gone_a1").status_code == 400


def test_me_describes_the_caller(world: World) -> None:
    tok = password_login(world, "mgr_a1").json()["access_token"]
    me = world.client.get("/api/auth/me", headers={"Authorization": f"Bearer {tok}"}).json()
    assert me["username"] == "mgr_a1" and me["role"] == "department_manager"
    assert me["university_id"] == world.ids["uni_a"] and me["department_id"] == world.ids["a1"]
    assert "plans:progress:report" in me["permissions"]


def test_client_credentials_in_the_form_and_with_http_basic(world: World) -> None:
    r = world.client.post(
        "/api/auth/token",
        data={"grant_type": "client_credentials", "client_id": "c-campus-a", "client_secret": CLIENT_SECRET},
    )
    assert r.status_code == 200, r.text
    assert r.json()["scope"] == "training:read training:write" and "refresh_token" not in r.json()
    basic = base64.b64encode(f"c-campus-a:{CLIENT_SECRET}".encode()).decode()
    r = world.client.post(
        "/api/auth/token", data={"grant_type": "client_credentials"}, headers={"Authorization": f"Basic {basic}"}
    )
    assert r.status_code == 200
    me = world.client.get("/api/auth/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"}).json()
    assert me["role"] == "integration" and me["university_id"] == world.ids["uni_a"]
    assert me["scopes"] == ["training:read", "training:write"]
    r = world.client.post(
        "/api/auth/token",
        data={"grant_type": "client_credentials", "client_id": "c-campus-a", "client_secret": "nope-nope-nope"},
    )
    assert (r.status_code, r.json()["error"]) == (401, "invalid_client")


def test_refresh_rotates_and_reuse_revokes_the_whole_family(world: World) -> None:
    first = password_login(world, "ua_admin").json()["refresh_token"]
    r = world.client.post("/api/auth/token", data={"grant_type": "refresh_token", "refresh_token": first})
    assert r.status_code == 200, r.text
    second = r.json()["refresh_token"]
    assert second != first
    # The used token presented again: refused, and its successor dies with it.
    r = world.client.post("/api/auth/token", data={"grant_type": "refresh_token", "refresh_token": first})
    assert (r.status_code, r.json()["error"]) == (400, "invalid_grant")
    r = world.client.post("/api/auth/token", data={"grant_type": "refresh_token", "refresh_token": second})
    assert r.status_code == 400
    actions = [
        a["action"] for a in world.client.get("/api/audit", headers=world.auth("province_admin")).json()["items"]
    ]
    assert "token.reuse_detected" in actions


def test_login_throttling_answers_429_with_retry_after(world: World) -> None:
    for _ in range(3):
        assert password_login(world, "mgr_a2", "wrong-password1").status_code == 400
    r = password_login(world, "mgr_a2")  # even the right password is refused while locked
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) > 0
    # Another account from the same address is not locked by that account's failures.
    assert password_login(world, "mgr_a1").status_code == 200


def test_web_login_keeps_the_refresh_token_in_an_httponly_strict_cookie(world: World) -> None:
    r = world.client.post("/api/auth/web/login", json={"username": "staff_a1", "password": PASSWORD})
    assert r.status_code == 200, r.text
    assert "refresh_token" not in r.json()
    cookie = r.headers["set-cookie"]
    assert "sq_refresh=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert "Path=/api/auth/web" in cookie
    # Without the XHR header (a cross-site form could not add it), refresh is refused.
    assert world.client.post("/api/auth/web/refresh").status_code == 403
    r2 = world.client.post("/api/auth/web/refresh", headers={"X-Requested-With": "XMLHttpRequest"})
    assert r2.status_code == 200 and r2.json()["access_token"]
    r3 = world.client.post("/api/auth/web/logout", headers={"X-Requested-With": "XMLHttpRequest"})
    assert r3.status_code == 204
    assert world.client.post("/api/auth/web/refresh", headers={"X-Requested-With": "XMLHttpRequest"}).status_code == 401


def test_logout_revokes_the_access_token_at_once(world: World) -> None:
    body = password_login(world, "expert_a").json()
    h = {"Authorization": f"Bearer {body['access_token']}"}
    assert world.client.get("/api/auth/me", headers=h).status_code == 200
    r = world.client.post("/api/auth/logout", headers=h, data={"refresh_token": body["refresh_token"]})
    assert r.status_code == 204
    assert world.client.get("/api/auth/me", headers=h).status_code == 401
    r = world.client.post(
        "/api/auth/token", data={"grant_type": "refresh_token", "refresh_token": body["refresh_token"]}
    )
    assert r.status_code == 400


def test_jwks_publishes_only_the_public_rsa_key(world: World) -> None:
    keys = world.client.get("/.well-known/jwks.json").json()["keys"]
    assert len(keys) >= 1
    for k in keys:
        assert k["kty"] == "RSA" and k["alg"] == "RS256" and "d" not in k and "p" not in k


# -- token attacks: each is answered 401 at a gateway endpoint and on a proxied service path ------------------
def _b64(obj: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def _claims(w: World, **over: object) -> dict[str, object]:
    u = w.users["province_admin"]
    now = int(time.time())
    c: dict[str, object] = {
        "iss": "sanquan-gateway",
        "aud": "sanquan-api",
        "sub": str(u.id),
        "iat": now,
        "exp": now + 600,
        "jti": "x1",
        "role": "province_admin",
        "org_id": u.org_id,
        "university_id": None,
        "department_id": None,
        "scope": "",
    }
    c.update(over)
    return c


@functools.cache
def _other_key() -> SigningKey:
    """A key that is not the gateway's, made once: generating an RSA key in every attack test cost more than the
    requests."""
    return SigningKey.generate()


def _attacks(w: World) -> dict[str, str]:
    key = w.app.state.kernel.extras["issuer"].key
    good = w.token("province_admin")
    head, _payload, sig = good.split(".")
    from cryptography.hazmat.primitives import serialization

    pub = (
        serialization.load_pem_private_key(key.private_pem, None)
        .public_key()
        .public_bytes(  # type: ignore[union-attr]
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    hs256_confused = ".".join([_b64({"alg": "HS256", "typ": "at+jwt", "kid": key.kid}), _b64(_claims(w))])
    import hashlib
    import hmac

    mac = hmac.new(pub, hs256_confused.encode(), hashlib.sha256).digest()
    hs256_confused += "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    other = _other_key()

    def signed(k: SigningKey, **over: object) -> str:
        claims = _claims(w, **over)
        return str(jose_jwt.encode(claims, k.signer, algorithm="RS256", headers={"kid": k.kid, "typ": "at+jwt"}))

    tampered_payload = _b64({**jose_jwt.get_unverified_claims(good), "role": "province_admin", "university_id": 999})
    return {
        "alg none": f"{_b64({'alg': 'none', 'typ': 'at+jwt', 'kid': key.kid})}.{_b64(_claims(w))}.",
        "HS256 with the public key as secret": hs256_confused,
        "signed by another key with our kid": signed(
            SigningKey(kid=key.kid, private_pem=other.private_pem, public_jwk=other.public_jwk)
        ),
        "signed by another key": signed(other),
        "expired": signed(key, iat=int(time.time()) - 4000, exp=int(time.time()) - 3000),
        "wrong audience": signed(key, aud="someone-else"),
        "wrong issuer": signed(key, iss="https://evil.example"),
        "payload tampered after signing": f"{head}.{tampered_payload}.{sig}",
        "unknown kid": str(
            jose_jwt.encode(_claims(w), key.signer, algorithm="RS256", headers={"kid": "no-such-kid", "typ": "at+jwt"})
        ),
        "no typ": str(jose_jwt.encode(_claims(w), key.signer, algorithm="RS256", headers={"kid": key.kid})),
        "missing jti": signed(key, jti=None),
        "garbage": "not.a.token",
    }


@pytest.mark.parametrize("path", ["/api/auth/me", "/api/orgs", "/api/training/staff", "/api/plans/plans"])
def test_every_token_attack_is_refused_with_401(world: World, path: str) -> None:
    for name, tok in _attacks(world).items():
        r = world.client.get(path, headers={"Authorization": f"Bearer {tok}"})
        assert r.status_code == 401, f"{name}: {r.status_code} {r.text}"
        assert r.headers["content-type"].startswith("application/problem+json"), name


def test_a_valid_token_passes_the_same_checks(world: World) -> None:
    issued, _ = issue_access_token(
        world.app.state.kernel.extras["issuer"].key,
        issuer="sanquan-gateway",
        audience="sanquan-api",
        subject=str(world.users["province_admin"].id),
        ttl_seconds=60,
        claims=_claims(world),
    )
    assert world.client.get("/api/auth/me", headers={"Authorization": f"Bearer {issued}"}).status_code == 200


def test_a_disabled_users_unexpired_token_stops_within_seconds(world: World) -> None:
    h = world.auth("mgr_a1")
    assert world.client.get("/api/orgs", headers=h).status_code == 200
    uid = world.users["mgr_a1"].id
    r = world.client.patch(f"/api/users/{uid}", json={"active": False}, headers=world.auth("uni_a_admin"))
    assert r.status_code == 200, r.text
    deadline = time.time() + 5
    status = 200
    while time.time() < deadline and status != 401:
        time.sleep(0.1)
        status = world.client.get("/api/orgs", headers=h).status_code
    assert status == 401
    # ... on proxied paths too (refused by the gateway before any service is asked)
    assert world.client.get("/api/training/staff", headers=h).status_code == 401
