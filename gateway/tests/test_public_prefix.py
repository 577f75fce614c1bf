"""The public prefix (#19): ``/api/public/*`` reaches the evaluation service without a token and without the
caller's identity; nothing else became public."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from .conftest import World, free_port


def evaluation_echo() -> FastAPI:
    app = FastAPI()

    @app.api_route("/api/{rest:path}", methods=["GET", "POST"])
    async def echo(rest: str, request: Request) -> Any:
        return JSONResponse({"path": request.url.path, "headers": dict(request.headers)})

    return app


@pytest.fixture(scope="module")
def evaluation() -> Iterator[int]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(evaluation_echo(), host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 10
    while time.time() < deadline and not server.started:
        time.sleep(0.02)
    yield port
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def settings_overrides(evaluation: int) -> dict[str, Any]:
    return {"evaluation_url": f"http://127.0.0.1:{evaluation}", "trust_proxy_headers": True}


def test_public_paths_reach_the_evaluation_service_anonymously(world: World) -> None:
    r = world.client.get("/api/public/publicity")
    assert r.status_code == 200, r.text
    assert r.json()["path"] == "/api/public/publicity"
    # a signed-in visitor is still anonymous there: no token, no cookie goes along
    r = world.client.post(
        "/api/public/campaigns/1/objections",
        json={},
        headers={**world.auth("uni_a_admin"), "Cookie": "refresh=secret", "X-Real-IP": "203.0.113.5"},
    )
    seen = r.json()["headers"]
    assert "authorization" not in seen and "cookie" not in seen
    assert seen["x-forwarded-for"] == "203.0.113.5"  # nginx's X-Real-IP (trusted here): the visitor's address


def test_nothing_else_became_public(world: World) -> None:
    for path in ("/api/evaluation/public/publicity", "/api/evaluation/campaigns", "/api/publicity", "/api/publicx"):
        r = world.client.get(path)
        assert r.status_code in (401, 404), (path, r.status_code)
        assert r.status_code == 401 or path.startswith(("/api/publicity", "/api/publicx"))
    assert world.client.get("/api/evaluation/campaigns").status_code == 401
