"""Real HTTP servers standing in for the gateway's token endpoint and the plans and training services.

Each runs uvicorn in a thread on a free local port, so the evaluation service's httpx client, its service token
and its error handling are exercised for real — and a source can be stopped mid-test.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Annotated, Any

import uvicorn
from fastapi import FastAPI, Form, Header, HTTPException

from sanquan_kernel import testing as kt
from sanquan_kernel.errors import ProblemError

SECRET = "svc-evaluation-test-secret"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SourceServer:
    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.port = free_port()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> SourceServer:
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off", access_log=False
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
            self._server = None


def gateway_app() -> FastAPI:
    app = FastAPI()

    @app.post("/api/auth/token")
    def token(
        grant_type: Annotated[str, Form()], client_id: Annotated[str, Form()], client_secret: Annotated[str, Form()]
    ) -> dict[str, Any]:
        if grant_type != "client_credentials" or client_id != "svc-evaluation" or client_secret != SECRET:
            raise HTTPException(401)
        scope = "internal:read plans:indicators training:indicators training:read"
        return {
            "access_token": kt.token("service", sub="client:svc-evaluation", scope=scope),
            "token_type": "bearer",
            "expires_in": 900,
            "scope": scope,
        }

    return app


def _check(authorization: str | None, scope: str) -> None:
    """Verify the bearer token as a real service would: signature, then the narrow scope."""
    if not authorization or not authorization.startswith("Bearer "):
        raise HTTPException(401)
    try:
        principal = kt.make_authenticator().authenticate(authorization.removeprefix("Bearer "))
    except ProblemError:
        raise HTTPException(401) from None
    if principal.role != "service" or scope not in principal.scopes:
        raise HTTPException(403)


def plans_app(data: dict[int, dict[str, Any]]) -> FastAPI:
    app = FastAPI()

    @app.get("/api/plans/indicators")
    def indicators(year: int, authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
        _check(authorization, "plans:indicators")
        return {"year": year, "items": [{"university_id": u, **v} for u, v in data.items()]}

    return app


def training_app(data: dict[int, dict[str, Any]], staff: dict[int, dict[str, Any]]) -> FastAPI:
    app = FastAPI()

    @app.get("/api/training/indicators")
    def indicators(year: int, authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
        _check(authorization, "training:indicators")
        return {
            "year": year,
            "rule": {"min_hours": 90, "min_days": 12},
            "items": [{"university_id": u, **v} for u, v in data.items()],
        }

    @app.get("/api/training/staff/{staff_id}")
    def get_staff(staff_id: int, authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
        _check(authorization, "training:read")
        if staff_id not in staff:
            raise HTTPException(404)
        return {"id": staff_id, **staff[staff_id]}

    return app


def broken_plans_app(*, status: int = 500, delay: float = 0.0) -> FastAPI:
    """A plans service that fails (``status``) or answers too late (``delay`` seconds)."""
    app = FastAPI()

    @app.get("/api/plans/indicators")
    def indicators(year: int) -> Any:
        if delay:
            time.sleep(delay)
        raise HTTPException(status)

    return app
