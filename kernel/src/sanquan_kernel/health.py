"""``/healthz`` (the process is alive) and ``/readyz`` (database reachable, migrations at head).

Anyone learns whether a process is ready; the migration revisions (current and head) are told only to a caller on
this host or one with ``METRICS_TOKEN`` (the same callers as ``/metrics``)."""

from __future__ import annotations

import os
from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, text

from sanquan_kernel.errors import problem_response
from sanquan_kernel.middleware import trusted_caller


def alembic_heads(alembic_ini: Path) -> set[str]:
    cfg = Config(str(alembic_ini))
    cfg.set_main_option("script_location", str(alembic_ini.parent / "migrations"))
    return set(ScriptDirectory.from_config(cfg).get_heads())


def current_revisions(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
        return set(MigrationContext.configure(conn).get_current_heads())


def health_router(engine_of: str = "engine") -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/readyz")
    def readyz(request: Request) -> JSONResponse:
        k = request.app.state.kernel
        details = trusted_caller(request.scope, getattr(k.settings, "metrics_token", None))
        try:
            current = current_revisions(getattr(k, engine_of))
        except Exception:  # noqa: BLE001 - report, don't raise
            return problem_response(503, "The database is not reachable" if details else "Not ready")
        if k.alembic_heads and current != k.alembic_heads:
            if not details:
                return problem_response(503, "Not ready")
            return problem_response(
                503, "Migrations are not at head", current=sorted(current), head=sorted(k.alembic_heads)
            )
        if not details:
            return JSONResponse({"status": "ready"})
        # the process id, for a caller on this host: a test harness tells its own process from another one that
        # took the same port (tests/harness.py)
        return JSONResponse({"status": "ready", "revision": sorted(current), "pid": os.getpid()})

    return router
