"""The reverse proxy against a real upstream HTTP server (uvicorn on a free port): headers, streaming, the
body-size limit, and a service that is down, slow, or restarted."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse

from .conftest import World, free_port


def echo_app() -> FastAPI:
    app = FastAPI()

    @app.api_route("/api/training/{rest:path}", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    async def echo(rest: str, request: Request) -> Any:
        if rest == "slow":
            await asyncio.sleep(5)
        if rest == "stream":

            async def gen() -> Any:
                for i in range(100):
                    yield f"line {i}\n".encode()

            return StreamingResponse(gen(), media_type="text/plain")
        body = await request.body()
        return JSONResponse(
            {
                "method": request.method,
                "path": request.url.path,
                "query": request.url.query,
                "headers": dict(request.headers),
                "body_length": len(body),
            },
            headers={"ETag": 'W/"7"'},
        )

    return app


class Upstream:
    def __init__(self, port: int) -> None:
        self.port = port
        self.server: uvicorn.Server | None = None
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        config = uvicorn.Config(echo_app(), host="127.0.0.1", port=self.port, log_level="error", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.time() + 10
        while time.time() < deadline and not self.server.started:
            time.sleep(0.02)

    def stop(self) -> None:
        assert self.server and self.thread
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture(scope="module")
def upstream() -> Iterator[Upstream]:
    u = Upstream(free_port())
    u.start()
    yield u
    if u.server and not u.server.should_exit:
        u.stop()


@pytest.fixture
def settings_overrides(upstream: Upstream) -> dict[str, Any]:
    return {
        "training_url": f"http://127.0.0.1:{upstream.port}",
        "upstream_read_timeout": 1.0,
        "max_body_bytes": 8 * 1024 * 1024,
    }


def test_proxy_forwards_the_request_and_strips_identity_headers(world: World) -> None:
    h = world.auth("uni_a_admin")
    r = world.client.post(
        "/api/training/records?year=2026&x=%E4%B8%AD",
        content=b'{"a": 1}',
        headers={
            **h,
            "Content-Type": "application/json",
            "X-Request-ID": "req-42",
            "X-User-Id": "1",
            "X-Role": "province_admin",
            "X-Forwarded-For": "6.6.6.6",
            "Connection": "keep-alive, X-Secret",
            "X-Secret": "hop",
        },
    )
    assert r.status_code == 200, r.text
    seen = r.json()
    assert seen["method"] == "POST" and seen["path"] == "/api/training/records"
    assert seen["query"] == "year=2026&x=%E4%B8%AD" and seen["body_length"] == 8
    hdrs = seen["headers"]
    assert hdrs["authorization"] == h["Authorization"]  # forwarded unchanged: the service verifies it itself
    assert hdrs["x-request-id"] == "req-42"
    assert "x-user-id" not in hdrs and "x-role" not in hdrs
    assert hdrs["x-forwarded-for"] == "testclient"
    assert r.headers["x-request-id"] == "req-42" and r.headers["etag"] == 'W/"7"'


def test_proxy_refuses_without_a_token_before_asking_the_service(world: World) -> None:
    r = world.client.get("/api/training/staff")
    assert r.status_code == 401 and r.headers["content-type"].startswith("application/problem+json")


def test_large_bodies_stream_through_and_oversized_ones_get_413(world: World) -> None:
    h = world.auth("uni_a_admin")
    big = b"x" * (5 * 1024 * 1024)
    r = world.client.post("/api/training/records/import", content=big, headers=h)
    assert r.status_code == 200 and r.json()["body_length"] == len(big)
    r = world.client.post("/api/training/records/import", content=b"x" * (9 * 1024 * 1024), headers=h)
    assert r.status_code == 413 and r.headers["content-type"].startswith("application/problem+json")


def test_streamed_responses_arrive_whole(world: World) -> None:
    r = world.client.get("/api/training/stream", headers=world.auth("uni_a_admin"))
    assert r.status_code == 200 and r.text.count("\n") == 100


def test_a_slow_service_answers_504_within_the_timeout(world: World) -> None:
    start = time.monotonic()
    r = world.client.get("/api/training/slow", headers=world.auth("uni_a_admin"))
    assert r.status_code == 504 and time.monotonic() - start < 3
    assert r.json()["status"] == 504


def test_a_stopped_service_answers_503_at_once_and_is_served_again_after_restart(
    world: World, upstream: Upstream
) -> None:
    h = world.auth("uni_a_admin")
    assert world.client.get("/api/training/ping", headers=h).status_code == 200
    upstream.stop()
    try:
        start = time.monotonic()
        r = world.client.get("/api/training/ping", headers=h)
        assert r.status_code == 503 and time.monotonic() - start < 2
        assert r.headers["content-type"].startswith("application/problem+json") and r.headers["retry-after"]
        # the gateway's own routes keep working
        assert world.client.get("/api/auth/me", headers=h).status_code == 200
    finally:
        upstream.start()
    assert world.client.get("/api/training/ping", headers=h).status_code == 200


def test_unknown_service_paths_are_the_gateways_404(world: World) -> None:
    r = world.client.get("/api/nosuch/thing", headers=world.auth("uni_a_admin"))
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
