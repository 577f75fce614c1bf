"""The platform as campus systems and browsers use it: real processes, real HTTP between them."""

from __future__ import annotations

import base64
import json
import time

import httpx
import pytest
from jose import jwt as jose_jwt

from sanquan_kernel.tokens import SigningKey
from tests.harness import SERVICES, Stack


def _b64(obj: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def test_every_service_is_ready_and_reached_through_the_gateway(stack: Stack) -> None:
    with stack.client("admin") as c:
        for service in SERVICES:
            r = c.get(f"/api/{service}/openapi.json")
            assert r.status_code == 200, (service, r.text)
        doc = c.get("/api/openapi.json").json()
        assert "x-unavailable-services" not in doc
        assert "/api/auth/token" in doc["paths"] and "/api/orgs" in doc["paths"]
        for service in SERVICES:
            assert any(p.startswith(f"/api/{service}/") for p in doc["paths"]), service


def test_the_request_id_travels_from_the_caller_to_the_service_and_back(stack: Stack) -> None:
    with stack.client("admin") as c:
        r = c.get("/api/training/no-such-path", headers={"X-Request-ID": "trace-me-123"})
    assert r.headers["x-request-id"] == "trace-me-123"
    assert r.headers["content-type"].startswith("application/problem+json")


def _forged_tokens(stack: Stack) -> dict[str, str]:
    good = stack.token("admin")
    head, _, sig = good.split(".")
    claims = jose_jwt.get_unverified_claims(good)
    kid = jose_jwt.get_unverified_header(good)["kid"]
    other = SigningKey.generate()
    jwks = httpx.get(f"{stack.url}/.well-known/jwks.json").json()
    from jose import jwk

    public_pem = jwk.construct(jwks["keys"][0], "RS256").to_pem()
    import hashlib
    import hmac

    signing_input = f"{_b64({'alg': 'HS256', 'typ': 'at+jwt', 'kid': kid})}.{_b64(claims)}"
    mac = base64.urlsafe_b64encode(hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest())
    now = int(time.time())

    def signed(key_pem: bytes, key_id: str, **over: object) -> str:
        return str(
            jose_jwt.encode(
                {**claims, **over}, key_pem.decode(), algorithm="RS256", headers={"kid": key_id, "typ": "at+jwt"}
            )
        )

    return {
        "alg none": f"{_b64({'alg': 'none', 'typ': 'at+jwt', 'kid': kid})}.{_b64(claims)}.",
        "HS256 with the public key as secret": signing_input + "." + mac.rstrip(b"=").decode(),
        "another key": signed(other.private_pem, other.kid),
        "another key, our kid": signed(other.private_pem, kid),
        "expired (signed by another key)": signed(other.private_pem, kid, exp=now - 100, iat=now - 1000),
        "payload tampered": f"{head}.{_b64({**claims, 'university_id': 99999})}.{sig}",
        "unknown kid": signed(other.private_pem, "no-such-kid"),
    }


@pytest.mark.parametrize("service", SERVICES)
def test_token_attacks_are_refused_by_the_gateway_and_by_each_service_called_directly(
    stack: Stack, service: str
) -> None:
    path = f"/api/{service}/openapi.json"
    probe = {
        "plans": "/api/plans/indicators?year=2026",
        "training": "/api/training/staff",
        "evaluation": "/api/evaluation/campaigns",
        "hall": "/api/hall/requests",
    }[service]
    for name, tok in _forged_tokens(stack).items():
        h = {"Authorization": f"Bearer {tok}"}
        via_gateway = httpx.get(stack.url + probe, headers=h)
        direct = httpx.get(stack.service_url(service) + probe, headers=h)
        assert via_gateway.status_code == 401, (name, via_gateway.text)
        assert direct.status_code == 401, (name, service, direct.status_code, direct.text)
    assert httpx.get(stack.service_url(service) + path).status_code == 200
    # identity headers alone open nothing at a service
    forged = {"X-User-Id": "1", "X-Role": "province_admin", "X-University-Id": "1"}
    assert httpx.get(stack.service_url(service) + probe, headers=forged).status_code == 401


def test_a_disabled_accounts_token_stops_working_at_every_service_within_seconds(stack: Stack) -> None:
    with stack.client("admin") as admin:
        uni = admin.get("/api/orgs", params={"level": "university"}).json()["items"][0]
        user = admin.post(
            "/api/users",
            json={
                "username": f"tmp{time.time_ns()}",
                "password": "Passw0rd-tmp1",
                "must_change_password": False,
                "display_name": "临时",
                "role": "university_admin",
                "org_id": uni["id"],
            },
        ).json()
        tok = stack.token(user["username"], "Passw0rd-tmp1")
        h = {"Authorization": f"Bearer {tok}"}
        probes = {
            "training": "/api/training/staff",
            "plans": "/api/plans/indicators?year=2026",
            "evaluation": "/api/evaluation/campaigns",
            "hall": "/api/hall/requests",
        }
        before = {s: httpx.get(stack.service_url(s) + p, headers=h).status_code for s, p in probes.items()}
        assert all(code != 401 for code in before.values()), before
        assert admin.patch(f"/api/users/{user['id']}", json={"active": False}).status_code == 200
    deadline = time.time() + 8
    after: dict[str, int] = {}
    while time.time() < deadline:
        after = {s: httpx.get(stack.service_url(s) + p, headers=h).status_code for s, p in probes.items()}
        if all(code == 401 for code in after.values()):
            break
        time.sleep(0.25)
    assert all(code == 401 for code in after.values()), after
    assert httpx.get(stack.url + "/api/training/staff", headers=h).status_code == 401


def test_a_killed_service_answers_503_at_the_gateway_and_is_served_again_after_restart(stack: Stack) -> None:
    with stack.client("admin") as c:
        assert c.get("/api/evaluation/openapi.json").status_code == 200
        stack.kill("evaluation")
        try:
            start = time.monotonic()
            r = c.get("/api/evaluation/campaigns")
            assert r.status_code == 503 and time.monotonic() - start < 3
            assert r.headers["content-type"].startswith("application/problem+json")
            assert c.get("/api/training/openapi.json").status_code == 200  # the rest keeps working
            assert c.get("/api/auth/me").status_code == 200
        finally:
            stack.start("evaluation")
        assert c.get("/api/evaluation/openapi.json").status_code == 200
