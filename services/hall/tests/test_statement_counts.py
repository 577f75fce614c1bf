"""What the hall's requests of the S1 load mix (bench/hall_mix.py: a new request, a student's list and request, a
department's queue) cost the database, in statements, and that none of them is compiled again once warm (issue #20:
building and compiling statements cost the hall more CPU than running them). A lazy load, an N+1 query, a re-read
of a row just written or a statement built per request fails here. Reads on PostgreSQL send no BEGIN/COMMIT."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from hall_helpers import configure, report, student

from sanquan_kernel import testing as kt


def _cost(app: FastAPI, client: TestClient, method: str, url: str, headers: dict, body: Any = None) -> tuple:
    with kt.count_statements(app.state.kernel.engine) as log:
        r = client.request(method, url, headers=headers, json=body)
    assert r.status_code < 300, r.text
    return r, log


def _reads(app: FastAPI, log: kt.StatementLog, queries: int) -> None:
    sqlite = app.state.kernel.engine.dialect.name == "sqlite"
    assert len(log.queries) == queries, str(log)
    assert len(log) == queries + (2 if sqlite else 0), str(log)


def _writes(log: kt.StatementLog, queries: int) -> None:
    assert len(log.queries) == queries, str(log)
    assert log.statements.count("BEGIN") == 1 and log.statements[-1] == "COMMIT", str(log)


def test_the_mix_s_requests_cost_their_statements_and_compile_nothing_once_warm(
    app: FastAPI, client: TestClient
) -> None:
    configure(client)
    mine = report(client)["id"]
    body = {"category": "utilities", "description": "宿舍没有热水了"}
    queue = "/api/hall/requests?sort=due&status=new&status=accepted&limit=20"
    for warm in (True, False):  # the first round compiles (once per process); the second must not
        key = {**student(), "Idempotency-Key": uuid.uuid4().hex}
        # the key's request (none); the category's rules and promise; the request (ON CONFLICT DO NOTHING
        # RETURNING its row); its number; its timeline entry; its audit entry; its event — nothing read back
        r, log = _cost(app, client, "POST", "/api/hall/requests", key, body)
        _writes(log, 8)
        assert r.status_code == 201 and [e["kind"] for e in r.json()["events"]] == ["created"]
        compiled = list(log.compiled)
        r, log = _cost(app, client, "POST", "/api/hall/requests", key, body)
        _writes(log, 4)  # the key's request; the request with its place, its timeline, its files
        assert r.status_code == 200
        compiled += log.compiled
        r, log = _cost(app, client, "GET", f"/api/hall/requests/{mine}", student())
        _reads(app, log, 3)  # the request with its place's name; its timeline; its files
        compiled += log.compiled
        for url, who in (("/api/hall/requests?limit=20", student()), (queue, kt.staff())):
            r, log = _cost(app, client, "GET", url, who)
            _reads(app, log, 1)  # the page with its places' names
            assert len(r.json()["items"]) >= 1
            compiled += log.compiled
        if not warm:
            assert compiled == [], compiled
