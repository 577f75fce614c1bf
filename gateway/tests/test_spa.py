"""The built SPA served by the gateway in the embedded run: files, client routes, compression, and no shadowing
of the API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from .conftest import World


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, Any]:
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><div id=app></div>", encoding="utf-8")
    (dist / "assets" / "index-abc.js").write_text("console.log('x');" * 500, encoding="utf-8")
    return {"spa_dir": str(dist)}


def test_client_routes_get_index_html_and_assets_are_compressed_and_cached(world: World) -> None:
    r = world.client.get("/plans/review/3")
    assert r.status_code == 200 and "id=app" in r.text
    r = world.client.get("/assets/index-abc.js", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers["content-encoding"] == "gzip"
    assert "immutable" in r.headers["cache-control"]
    assert world.client.get("/assets/missing.js").status_code == 404


def test_the_spa_never_shadows_the_api(world: World) -> None:
    r = world.client.get("/api/no-such-endpoint")
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
    assert world.client.get("/.well-known/jwks.json").json()["keys"]
