"""Pure-ASGI middleware shared by every process: request ids, access log and metrics, body-size limit."""

from __future__ import annotations

import hmac
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


async def _send_problem(
    send: Send,
    status: int,
    detail: str,
    *,
    close: bool = False,
    extra_headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    body = json.dumps(problem_body(status, detail)).encode()
    headers: list[Any] = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
        *(extra_headers or []),
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


#: Headers a reverse proxy adds: a request carrying one came from elsewhere, whatever the socket's peer.
_FORWARDED = frozenset({b"x-forwarded-for", b"x-real-ip", b"forwarded"})


def _loopback(host: str) -> bool:
    return host.startswith("127.") or host in ("::1", "::ffff:127.0.0.1")


def trusted_caller(scope: Scope, token: str | None) -> bool:
    """A direct connection from this host (a loopback peer and no proxy's forwarding header), or a request with
    ``Authorization: Bearer <token>`` (compared in constant time). For ``/metrics`` and the details of ``/readyz``."""
    bearer: bytes | None = None
    forwarded = False
    for k, v in scope["headers"]:
        if k == b"authorization":
            bearer = v
        elif k in _FORWARDED:
            forwarded = True
    if (
        token
        and bearer is not None
        and bearer[:7].lower() == b"bearer "
        and hmac.compare_digest(bearer[7:].strip(), token.encode())
    ):
        return True
    client = scope.get("client")
    return client is not None and _loopback(str(client[0])) and not forwarded


class PrivateEndpointsMiddleware:
    """``/metrics`` and ``/internal/*`` are for the platform itself, not for whoever reaches a port.

    ``/metrics``: a loopback caller or Prometheus with ``METRICS_TOKEN`` (401 otherwise). ``/internal/*``: a loopback
    caller or a service client's token (404 otherwise: outside the platform these paths do not exist); the
    endpoints check the role and scope again. ``/readyz`` tells its details to the same callers (``health.py``)."""

    def __init__(self, app: ASGIApp, *, metrics_token: str | None, authenticator: Any) -> None:
        self.app = app
        self.metrics_token = metrics_token or None
        self.authenticator = authenticator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            if path == "/metrics" and not trusted_caller(scope, self.metrics_token):
                await _send_problem(
                    send,
                    401,
                    "Metrics need the bearer token METRICS_TOKEN or a connection from this host",
                    extra_headers=[(b"www-authenticate", b"Bearer")],
                )
                return
            if (path == "/internal" or path.startswith("/internal/")) and not (
                trusted_caller(scope, None) or self._service(scope)
            ):
                await _send_problem(send, 404, "Not Found")
                return
        await self.app(scope, receive, send)

    def _service(self, scope: Scope) -> bool:
        from sanquan_kernel.errors import ProblemError
        from sanquan_kernel.principal import Role

        for k, v in scope["headers"]:
            if k == b"authorization":
                value = v.decode("latin-1")
                if value[:7].lower() != "bearer ":
                    return False
                try:
                    return bool(self.authenticator.authenticate(value[7:].strip()).role == Role.SERVICE)
                except ProblemError:
                    return False
        return False


#: The browser policy of every response of the platform (nginx's template sends the same; docs/decisions.md).
#: Scripts only from the platform's origin, no inline script; inline styles stay allowed because Element Plus and
#: Swagger UI set ``style`` attributes; images and fonts from the origin or ``data:`` (icons, Swagger UI's CSS).
#: ``blob:`` images and frames: the SPA fetches an attachment's bytes with the bearer token and shows them from an
#: object URL of its own (thumbnails, a PDF beside the experts' scoring form, #16); nothing else can mint one.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "frame-src 'self' blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


class SecurityHeadersMiddleware:
    """Adds ``SECURITY_HEADERS`` to every response (the SPA, the API, proxied answers, errors) that does not set
    them itself."""

    def __init__(self, app: ASGIApp, *, headers: tuple[tuple[bytes, bytes], ...] = SECURITY_HEADERS) -> None:
        self.app = app
        self.headers = headers
        self.names = frozenset(k for k, _ in headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def _send(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {k.lower() for k, _ in headers if k.lower() in self.names}
                headers.extend(h for h in self.headers if h[0] not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, _send)
