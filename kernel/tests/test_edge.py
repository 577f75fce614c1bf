"""The private endpoints of every process (``/metrics``, ``/internal/*``, ``/readyz``'s details) and the security
headers of every response."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from sanquan_kernel import testing as kt
from sanquan_kernel.app import KernelState
from sanquan_kernel.db import make_engine, make_read_sessionmaker, make_sessionmaker
from sanquan_kernel.errors import install_problem_handlers
from sanquan_kernel.health import health_router
from sanquan_kernel.metrics import metrics_endpoint
from sanquan_kernel.middleware import (
    CONTENT_SECURITY_POLICY,
    PrivateEndpointsMiddleware,
    RequestContextMiddleware,
    SecurityHeadersMiddleware,
)
from sanquan_kernel.orgdir import OrgDirectory
from sanquan_kernel.revocation import RevocationList
from sanquan_kernel.settings import KernelSettings

TOKEN = "prometheus-scrape-token-1234"
OUTSIDE = ("203.0.113.7", 40000)
LOOPBACK = ("127.0.0.1", 40000)


def _app(tmp_path: Path, heads: set[str] | None = None) -> FastAPI:
    engine = make_engine(f"sqlite:///{tmp_path}/edge.db")
    authenticator = kt.make_authenticator()
    settings = KernelSettings(database_url=f"sqlite:///{tmp_path}/edge.db", metrics_token=TOKEN)
    app = FastAPI()
    app.state.kernel = KernelState(
        settings=settings,
        engine=engine,
        sessionmaker=make_sessionmaker(engine),
        read_sessionmaker=make_read_sessionmaker(engine),
        authenticator=authenticator,
        orgdir=OrgDirectory(),
        revocations=RevocationList(),
        alembic_heads=heads or set(),
    )
    install_problem_handlers(app)
    app.include_router(health_router())
    app.add_route("/metrics", metrics_endpoint, include_in_schema=False)

    @app.get("/internal/ping")
    def ping() -> dict[str, str]:
        return {"pong": "yes"}

    app.add_middleware(PrivateEndpointsMiddleware, metrics_token=TOKEN, authenticator=authenticator)
    app.add_middleware(RequestContextMiddleware, service="edge")
    app.add_middleware(SecurityHeadersMiddleware)
    return app


@pytest.fixture
def app(tmp_path: Path) -> Iterator[FastAPI]:
    app = _app(tmp_path)
    yield app
    app.state.kernel.engine.dispose()


def client(app: Any, peer: tuple[str, int]) -> TestClient:
    return TestClient(app, client=peer)


def test_metrics_answer_this_host_and_prometheus_token_only(app: FastAPI) -> None:
    outside = client(app, OUTSIDE)
    r = outside.get("/metrics")
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    assert "METRICS_TOKEN" in r.json()["detail"] and "http_requests_total" not in r.text
    assert r.headers["www-authenticate"] == "Bearer"
    assert outside.get("/metrics", headers={"Authorization": "Bearer wrong-token"}).status_code == 401
    assert outside.get("/metrics", headers={"Authorization": TOKEN}).status_code == 401
    assert outside.get("/metrics", headers=kt.service()).status_code == 401  # a JWT is not the metrics token
    r = outside.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200 and "http_requests_total" in r.text
    local = client(app, LOOPBACK)
    assert local.get("/metrics").status_code == 200
    # A reverse proxy on this host forwards other people's requests: those are not "this host".
    for header in ("X-Forwarded-For", "X-Real-IP", "Forwarded"):
        assert local.get("/metrics", headers={header: "198.51.100.1"}).status_code == 401, header
    assert client(app, ("::1", 40000)).get("/metrics").status_code == 200


def test_internal_paths_do_not_exist_for_callers_other_than_services_and_this_host(app: FastAPI) -> None:
    outside = client(app, OUTSIDE)
    for headers in ({}, kt.staff(), kt.province_admin(), kt.integration(), {"Authorization": "Bearer junk"}):
        r = outside.get("/internal/ping", headers=headers)
        assert r.status_code == 404, (headers, r.text)
        assert r.headers["content-type"] == "application/problem+json" and "pong" not in r.text
    assert outside.get("/internal", headers=kt.staff()).status_code == 404
    assert outside.get("/internal/ping", headers=kt.service()).json() == {"pong": "yes"}
    assert client(app, LOOPBACK).get("/internal/ping").json() == {"pong": "yes"}
    r = client(app, LOOPBACK).get("/internal/ping", headers={"X-Forwarded-For": "198.51.100.1"})
    assert r.status_code == 404


def test_readyz_tells_the_public_only_ready_or_not(tmp_path: Path, app: FastAPI) -> None:
    assert client(app, OUTSIDE).get("/readyz").json() == {"status": "ready"}
    assert "revision" in client(app, LOOPBACK).get("/readyz").json()
    r = client(app, OUTSIDE).get("/readyz", headers={"Authorization": f"Bearer {TOKEN}"})
    assert "revision" in r.json()
    (tmp_path / "behind").mkdir()
    behind = _app(tmp_path / "behind", heads={"abc123"})  # migrations not at head
    r = client(behind, OUTSIDE).get("/readyz")
    assert r.status_code == 503 and r.json()["detail"] == "Not ready"
    assert "abc123" not in r.text and "head" not in r.json()
    r = client(behind, LOOPBACK).get("/readyz")
    assert r.status_code == 503 and r.json()["head"] == ["abc123"]
    behind.state.kernel.engine.dispose()


def test_every_response_carries_the_security_headers(app: FastAPI) -> None:
    outside = client(app, OUTSIDE)
    for path, status in (("/healthz", 200), ("/no-such-path", 404), ("/metrics", 401), ("/internal/x", 404)):
        r = outside.get(path)
        assert r.status_code == status, path
        assert r.headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path
        assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
        assert "'unsafe-inline'" not in r.headers["content-security-policy"].split("script-src")[1].split(";")[0]
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "same-origin"
        assert r.headers["permissions-policy"].startswith("camera=()")
        assert r.headers["x-frame-options"] == "DENY"


def test_a_response_that_sets_its_own_policy_keeps_it(tmp_path: Path) -> None:
    async def own(scope: Any, receive: Any, send: Any) -> None:
        headers = [(b"content-security-policy", b"default-src 'none'"), (b"content-length", b"0")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    r = client(SecurityHeadersMiddleware(own), OUTSIDE).get("/")
    assert r.headers["content-security-policy"] == "default-src 'none'"
    assert r.headers["x-content-type-options"] == "nosniff"


def test_a_production_metrics_token_must_be_a_real_secret() -> None:
    with pytest.raises(ValueError, match="METRICS_TOKEN"):
        KernelSettings(environment="production", metrics_token="changeme")
    assert KernelSettings(environment="production", metrics_token=TOKEN).metrics_token == TOKEN
