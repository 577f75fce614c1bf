"""Pure-ASGI middleware shared by every process: request ids, access log and metrics, body-size limit."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from typing import Any
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sanquan_kernel.errors import problem_body
from sanquan_kernel.logging import request_id_var
from sanquan_kernel.metrics import REQUEST_COUNT, REQUEST_LATENCY, SHED

_RID_OK = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
access_log = logging.getLogger("sanquan.access")


def incoming_request_id(headers: list[tuple[bytes, bytes]]) -> str:
    for k, v in headers:
        if k == b"x-request-id":
            rid = v.decode("latin-1")
            if _RID_OK.match(rid):
                return rid
            break
    return uuid.uuid4().hex


class RequestContextMiddleware:
    """Adds ``X-Request-ID`` (the caller's if well-formed), logs one access line and records metrics."""

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = incoming_request_id(scope["headers"])
        token = request_id_var.set(rid)
        scope.setdefault("state", {})["request_id"] = rid
        start = time.perf_counter()
        status = 500

        async def _send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-request-id"]
                headers.append((b"x-request-id", rid.encode()))
                message["headers"] = headers
            await send(message)

        try:
            if _url_is_utf8(scope):
                await self.app(scope, receive, _send)
            else:
                await _send_problem(_send, 400, "The URL is not UTF-8 text once percent-decoded")
        finally:
            elapsed = time.perf_counter() - start
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            REQUEST_COUNT.labels(self.service, scope["method"], template, str(status)).inc()
            REQUEST_LATENCY.labels(self.service, scope["method"], template).observe(elapsed)
            # A proxied request is logged by the service that answered it (same request id), unless it failed.
            proxied = bool(scope.get("state", {}).get("proxied")) and status < 500
            quiet = (
                proxied
                or template in ("/healthz", "/readyz", "/metrics")
                or (status == 304 and scope["path"].startswith("/internal/"))
            )
            if not quiet:
                access_log.info(
                    "%s %s %s",
                    scope["method"],
                    scope["path"],
                    status,
                    extra={
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "duration_ms": round(elapsed * 1000, 2),
                    },
                )
            request_id_var.reset(token)


def _url_is_utf8(scope: Scope) -> bool:
    """Percent-escapes in the path and query must decode to UTF-8: the framework would otherwise replace the bad
    bytes with U+FFFD and store what nobody sent (an employee number of two replacement characters)."""
    raw_path: bytes = scope.get("raw_path") or b""
    query: bytes = scope.get("query_string") or b""
    for part in (raw_path, query):
        if b"%" in part:
            try:
                unquote_to_bytes(part).decode("utf-8")
            except UnicodeDecodeError:
                return False
    return True


class BodySizeLimitMiddleware:
    """413 for bodies over the limit: by Content-Length up front, and while streaming for chunked bodies."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for k, v in scope["headers"]:
            if k == b"content-length":
                try:
                    too_big = int(v) > self.max_bytes
                except ValueError:
                    too_big = False
                if too_big:
                    await _send_413(send, self.max_bytes)
                    return
        received = 0
        started = False

        async def _send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        async def _receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge()
            return message

        try:
            await self.app(scope, _receive, _send)
        except _TooLarge:
            if not started:
                await _send_413(send, self.max_bytes)


class _TooLarge(BaseException):
    """A BaseException, so that frameworks' body parsers (which catch Exception) cannot turn it into a 400/422."""


async def _send_413(send: Send, limit: int) -> None:
    await _send_problem(send, 413, f"The request body is larger than {limit} bytes", close=True)


async def _send_problem(send: Send, status: int, detail: str, *, close: bool = False) -> None:
    import json

    body = json.dumps(problem_body(status, detail)).encode()
    headers: list[Any] = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class LoadShedMiddleware:
    """Bounded work in progress: beyond ``max_in_flight`` requests at once, a process answers 503 with
    ``Retry-After`` at once instead of queueing them until the database pool or the gateway times out (which turned
    an overload into seconds of waiting and then errors for everyone). Health and metrics are never shed."""

    EXEMPT = ("/healthz", "/readyz", "/metrics")

    def __init__(self, app: ASGIApp, *, max_in_flight: int) -> None:
        self.app = app
        self.max_in_flight = max_in_flight
        self.in_flight = 0
        self.shed = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.max_in_flight <= 0 or scope["path"] in self.EXEMPT:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.max_in_flight:
            self.shed += 1
            SHED.inc()
            body = json.dumps(problem_body(503, "The service is busy; try again shortly")).encode()
            headers: list[Any] = [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", b"1"),
            ]
            await send({"type": "http.response.start", "status": 503, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        self.in_flight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
