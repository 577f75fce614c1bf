"""The edge of the real platform (gateway and three services as processes): bounded request heads on every port,
private endpoints for this host, the services and Prometheus only, security headers on proxied answers, and a fresh
DATA_DIR readable by the platform's user alone."""

from __future__ import annotations

import contextlib
import os
import socket
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sanquan_kernel import testing as kt
from sanquan_kernel.middleware import CONTENT_SECURITY_POLICY
from tests.harness import SERVICES, Stack

METRICS_TOKEN = "prometheus-edge-token-0123"
ELSEWHERE = {"X-Forwarded-For": "198.51.100.23"}  # as a reverse proxy on this host would forward a visitor


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def edge(request: pytest.FixtureRequest) -> Iterator[tuple[Stack, Path]]:
    if request.param == "postgresql" and not kt.postgres_available():
        if kt.postgres_required():
            pytest.fail("PostgreSQL is required (CI) but not reachable")
        pytest.skip("PostgreSQL not reachable")
    parent = Path(tempfile.mkdtemp(prefix="sanquan-edge-"))
    data = parent / "data"  # created by the processes themselves
    env = {"DATA_DIR": str(data), "METRICS_TOKEN": METRICS_TOKEN, "HEADER_TIMEOUT_SECONDS": "2"}
    with Stack(backend=request.param, name=f"edge_{request.param[:2]}", extra_env=env) as s:
        yield s, data
    for p in sorted(parent.rglob("*"), reverse=True):
        p.unlink() if not p.is_dir() else p.rmdir()
    parent.rmdir()


def _raw(port: int, payload: bytes) -> bytes:
    """Send ``payload`` and read until the server closes the connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=15) as s:
        with contextlib.suppress(OSError):  # refused part-way: the answer is still there to read
            s.sendall(payload)
        out = b""
        try:
            while chunk := s.recv(65536):
                out += chunk
        except ConnectionResetError:
            pass
        return out


def test_every_process_refuses_oversized_and_unfinished_request_heads(edge: tuple[Stack, Path]) -> None:
    stack, _ = edge
    for name in ("gateway", *SERVICES):
        port = stack.ports[name]
        many = b"".join(b"X-H-%d: %s\r\n" % (i, b"v" * 1000) for i in range(100))
        answer = _raw(port, b"GET /healthz HTTP/1.1\r\nHost: t\r\n" + many + b"\r\n")
        assert answer.startswith(b"HTTP/1.1 431 "), (name, answer[:200])
        answer = _raw(port, b"GET /healthz HTTP/1.1\r\nHost: t\r\nCookie: " + b"c" * 20_000 + b"\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 431 "), (name, answer[:200])
        # slowloris: the head never ends; the process closes the connection (HEADER_TIMEOUT_SECONDS=2)
        assert _raw(port, b"GET /healthz HTTP/1.1\r\nHost: t\r\n") == b"", name
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200, name


def test_metrics_readyz_and_internal_answer_only_this_host_services_and_prometheus(edge: tuple[Stack, Path]) -> None:
    stack, _ = edge
    bearer = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    for name in ("gateway", *SERVICES):
        base = f"http://127.0.0.1:{stack.ports[name]}"
        assert "http_requests_total" in httpx.get(f"{base}/metrics").text, name  # this host (make run, healthchecks)
        assert httpx.get(f"{base}/metrics", headers=ELSEWHERE).status_code == 401, name
        r = httpx.get(f"{base}/metrics", headers={**ELSEWHERE, **bearer})
        assert r.status_code == 200 and "http_requests_total" in r.text, name  # Prometheus
        assert httpx.get(f"{base}/readyz", headers=ELSEWHERE).json() == {"status": "ready"}, name
        assert "revision" in httpx.get(f"{base}/readyz").json(), name
    # The gateway's internal endpoints: the services' token works from anywhere, nothing else from elsewhere.
    secret = (Path(stack.env["DATA_DIR"]) / "secrets" / "service-plans.secret").read_text().strip()
    service = {"Authorization": f"Bearer {stack.client_token('svc-plans', secret)}"}
    admin = {"Authorization": f"Bearer {stack.token('admin')}"}
    for path in ("/internal/orgs", "/internal/revocations"):
        assert httpx.get(f"{stack.url}{path}", headers={**ELSEWHERE, **service}).status_code == 200, path
        for headers in (ELSEWHERE, {**ELSEWHERE, **admin}, {**ELSEWHERE, **bearer}):
            assert httpx.get(f"{stack.url}{path}", headers=headers).status_code == 404, (path, headers)
    # The services keep syncing with the gateway (org directory): a proxied read that needs it still works.
    r = httpx.get(f"{stack.url}/api/training/openapi.json", headers=admin)
    assert r.status_code == 200


def test_proxied_answers_carry_the_security_headers(edge: tuple[Stack, Path]) -> None:
    stack, _ = edge
    admin = {"Authorization": f"Bearer {stack.token('admin')}"}
    for url in ("/api/training/openapi.json", "/api/plans/no-such-thing", "/api/evaluation/campaigns", "/"):
        r = httpx.get(f"{stack.url}{url}", headers=admin)
        assert r.headers.get("content-security-policy") == CONTENT_SECURITY_POLICY, url
        assert r.headers.get("x-content-type-options") == "nosniff", url
        assert "server" not in r.headers, url


def test_a_fresh_data_dir_is_readable_by_the_platforms_user_only(edge: tuple[Stack, Path]) -> None:
    _, data = edge
    assert data.is_dir()
    loose = []
    for p in [data, *data.rglob("*")]:
        mode = stat.S_IMODE(os.lstat(p).st_mode)
        if mode & 0o077:
            loose.append(f"{p.relative_to(data.parent)} {oct(mode)}")
    assert not loose, loose
    assert any(p.is_file() for p in data.rglob("*"))
