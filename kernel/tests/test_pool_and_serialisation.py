"""Kernel-level costs every service pays per request (issue #21): the PostgreSQL pool keeps the connections a burst
opened (no backend forked again at the next burst), and a synchronous endpoint returning its response model is
answered in its own worker thread, byte for byte as FastAPI would answer it."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import fastapi.routing
import pytest
from fastapi import APIRouter, FastAPI, Response
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from sanquan_kernel import testing as kt
from sanquan_kernel.db import make_engine
from sanquan_kernel.routing import ServiceRouter


def test_a_burst_past_the_pool_size_keeps_its_connections_for_the_next_one() -> None:
    if not kt.postgres_available():
        if kt.postgres_required():
            pytest.fail("PostgreSQL is required (CI) but not reachable")
        pytest.skip("PostgreSQL not reachable")
    name = f"kernel_pool_{time.time_ns()}"
    url = kt.create_postgres_database(name)
    engine = make_engine(url, pool_size=2)
    try:

        def burst() -> set[int]:
            conns = [engine.connect() for _ in range(4)]  # twice pool_size at once: the most the pool allows
            pids = {int(c.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()) for c in conns}
            for c in conns:
                c.close()
            return pids

        first = burst()
        assert engine.pool.checkedin() == 4  # type: ignore[attr-defined]  # none closed on return ...
        assert burst() == first  # ... so the next burst forks no backend

        def one() -> int:
            with engine.connect() as c:
                return int(c.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())

        assert len({one() for _ in range(4)}) == 1  # last in, first out: steady work stays on one warm connection
    finally:
        engine.dispose()
        kt.drop_postgres_database(name)


class Item(BaseModel):
    item_id: int = Field(serialization_alias="itemId")
    name: str
    share: float
    at: datetime
    tags: list[str] = []


ITEM = Item(item_id=7, name='甲大学 "quoted" </script>', share=1 / 3, at=datetime(2026, 12, 5, 3, 4, 5, 6, UTC))


def _app(router: APIRouter) -> FastAPI:
    @router.get("/item", response_model=Item)
    def item() -> Item:
        return ITEM

    @router.post("/item", response_model=Item, status_code=201)
    def create() -> Item:
        return ITEM

    @router.get("/tagged", response_model=Item)
    def tagged(response: Response) -> Item:
        response.headers["ETag"] = '"1"'
        return ITEM

    @router.get("/plain", response_model=Item)
    def plain() -> dict[str, Any]:
        return {"item_id": 1, "name": "x", "share": 0.5, "at": ITEM.at, "extra": "dropped"}

    app = FastAPI()
    app.include_router(router)
    return app


def test_a_sync_endpoint_returning_its_model_answers_as_fastapi_would_in_one_thread_hop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hops: list[str] = []
    original = fastapi.routing.run_in_threadpool

    async def counted(func: Any, *args: Any, **kwargs: Any) -> Any:
        hops.append(getattr(func, "__name__", "?"))
        return await original(func, *args, **kwargs)

    monkeypatch.setattr(fastapi.routing, "run_in_threadpool", counted)
    ours, fastapis = TestClient(_app(ServiceRouter())), TestClient(_app(APIRouter()))
    for method, path in [("GET", "/item"), ("POST", "/item"), ("GET", "/tagged"), ("GET", "/plain")]:
        mine, theirs = ours.request(method, path), fastapis.request(method, path)
        assert mine.status_code == theirs.status_code, path
        assert mine.content == theirs.content, path
        assert mine.headers.get("content-type") == theirs.headers.get("content-type") == "application/json"
        assert mine.headers.get("etag") == theirs.headers.get("etag"), path
    assert ours.post("/item").status_code == 201 and ours.get("/tagged").headers["etag"] == '"1"'
    hops.clear()
    ours.get("/item")
    assert len(hops) == 1, hops  # the endpoint's thread only: FastAPI's validation hop is not taken
    hops.clear()
    fastapis.get("/item")
    assert len(hops) == 2, hops
    hops.clear()
    ours.get("/tagged")  # a Response parameter: FastAPI merges its headers, so FastAPI answers
    assert len(hops) == 2, hops
