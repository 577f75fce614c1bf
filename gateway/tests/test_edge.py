"""The gateway's edge: security headers on every kind of response, the docs page without a CDN or inline script,
and the private endpoints refused to callers from elsewhere."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from sanquan_kernel.middleware import CONTENT_SECURITY_POLICY

from .conftest import PASSWORD, World


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, Any]:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text(
        '<!doctype html><script type="module" src="/assets/index-abc.js"></script><div id=app></div>',
        encoding="utf-8",
    )
    (dist / "assets" / "index-abc.js").write_text("console.log('x');" * 500, encoding="utf-8")
    # No service is listening here: the proxy answers for them (502/503 problem+json).
    return {"spa_dir": str(dist), "plans_url": "http://127.0.0.1:9", "max_body_bytes": 1024}


def _secured(r: Any) -> bool:
    return (
        r.headers.get("content-security-policy") == CONTENT_SECURITY_POLICY
        and r.headers.get("x-content-type-options") == "nosniff"
        and r.headers.get("referrer-policy") == "same-origin"
        and r.headers.get("x-frame-options") == "DENY"
        and "camera=()" in r.headers.get("permissions-policy", "")
    )


def test_every_kind_of_response_carries_the_security_headers(world: World) -> None:
    c = world.client
    token = c.post(
        "/api/auth/token",
        data={"grant_type": "password", "username": world.users["staff_a1"].username, "password": PASSWORD},
    )
    assert token.status_code == 200, token.text
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    responses = {
        "SPA page": c.get("/"),
        "SPA client route": c.get("/plans/review/3"),
        "SPA asset": c.get("/assets/index-abc.js"),
        "API": c.get("/.well-known/jwks.json"),
        "API error": c.get("/api/no-such-endpoint"),
        "unauthenticated": c.get("/api/orgs"),
        "proxied, service down": c.get("/api/plans/plans", headers=bearer),
        "proxied, no token": c.get("/api/training/records"),
        "body too large": c.post("/api/auth/token", content=b"x" * 4096),
        "internal": c.get("/internal/orgs"),
        "metrics": c.get("/metrics"),
        "docs": c.get("/api/docs"),
    }
    missing = {name: r.status_code for name, r in responses.items() if not _secured(r)}
    assert not missing, missing
    assert responses["proxied, service down"].status_code in (502, 503)
    assert responses["body too large"].status_code == 413


def test_the_docs_page_loads_nothing_from_elsewhere_and_has_no_inline_script(world: World) -> None:
    c = world.client
    page = c.get("/api/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert "cdn" not in html.lower() and "//" not in html.replace("<!doctype", ""), "no absolute URL"
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all('src="/api/docs/' in attrs and not body.strip() for attrs, body in scripts)
    for url in re.findall(r'(?:src|href)="([^"]+)"', html):
        r = c.get(url)
        assert r.status_code == 200 and r.content, url
        assert _secured(r), url
    init = c.get("/api/docs/init.js")
    assert init.headers["content-type"].startswith("text/javascript")
    assert '"/api/openapi.json"' in init.text and "validatorUrl: null" in init.text
    bundle = c.get("/api/docs/assets/swagger-ui-bundle.js")
    assert "SwaggerUIBundle" in bundle.text and bundle.headers["content-type"].startswith("text/javascript")
    for other in ("index.html", "swagger-initializer.js", "..%2F__init__.py", "%2e%2e%2fvendor"):
        r = c.get(f"/api/docs/assets/{other}")
        assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json", other


def test_private_endpoints_answer_nothing_to_callers_from_elsewhere(world: World) -> None:
    c = world.client  # the test client's peer is not this host
    r = c.get("/metrics")
    assert r.status_code == 401 and "http_requests_total" not in r.text
    assert c.get("/readyz").json() == {"status": "ready"}
    for path in ("/internal/orgs", "/internal/revocations", "/internal/", "/internal/no-such"):
        r = c.get(path)
        assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json", path
