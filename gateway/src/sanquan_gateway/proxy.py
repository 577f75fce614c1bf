"""The reverse proxy: ``/api/plans/*``, ``/api/training/*``, ``/api/evaluation/*`` to the services, and the public
``/api/public/*`` (no token, no identity) to the evaluation service.

A pure ASGI app on the gateway's own keep-alive HTTP/1.1 client (``upstream.py``; general clients cost more than
the rest of the gateway together — see docs/decisions.md). The gateway authenticates the bearer token itself
(cached verification), strips hop-by-hop and identity headers, forwards the token unchanged with the request id,
streams both bodies, and answers problem+json 502/503/504 when a service fails, is down or times out — never a
hang.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

from prometheus_client import Counter, Histogram
from starlette.types import Receive, Scope, Send

from sanquan_gateway.upstream import UpstreamError, UpstreamPool, UpstreamTimeout, UpstreamUnavailable
from sanquan_kernel.auth import Authenticator
from sanquan_kernel.errors import ProblemError, Unauthorized, problem_body
from sanquan_kernel.logging import request_id_var

log = logging.getLogger("gateway.proxy")

HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"trailers",
        b"transfer-encoding",
        b"upgrade",
        b"expect",
        b"host",
        b"content-length",
    }
)
#: Identity and forwarding headers a client might forge; the services never trust them, and we drop them anyway.
IDENTITY = frozenset(
    {
        b"x-user-id",
        b"x-user",
        b"x-user-role",
        b"x-role",
        b"x-org-id",
        b"x-university-id",
        b"x-department-id",
        b"x-principal",
        b"x-remote-user",
        b"remote-user",
        b"x-forwarded-user",
        b"x-auth-user",
        b"x-auth-request-user",
        b"x-scopes",
        b"x-forwarded-for",
        b"x-forwarded-host",
        b"x-forwarded-proto",
        b"x-real-ip",
        b"forwarded",
        b"x-request-id",
    }
)
RESPONSE_DROP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"transfer-encoding",
        b"server",
        b"date",
        b"x-request-id",
        b"proxy-authenticate",
        b"trailer",
        b"upgrade",
    }
)
#: Every request the proxy forwards without a token: (method, path under the service prefix). Only reads of the
#: services' API descriptions; anything else — another method, a longer path ending the same way — needs a token.
PUBLIC = frozenset({("GET", "/openapi.json"), ("HEAD", "/openapi.json")})
#: Public path prefixes (issue #19) and the service prefix whose upstream serves them, under the same path: anyone,
#: no token. Nothing of the caller's identity goes along (no Authorization, no cookies): the service answers every
#: visitor the same, which is what lets nginx cache the reads.
PUBLIC_PREFIXES = {"/api/public": "/api/evaluation"}
ANONYMOUS_DROP = frozenset({b"authorization", b"cookie"})
#: Told to the client with an early answer that left its request body unread: the connection is not reused.
CLOSE = (b"connection", b"close")
SMALL_BODY = 256 * 1024

UPSTREAM_FAILURES = Counter("gateway_upstream_failures_total", "Upstream failures", ["upstream", "kind"])
UPSTREAM_LATENCY = Histogram(
    "gateway_upstream_duration_seconds",
    "Upstream latency",
    ["upstream"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


class _Route:
    """What the access-log middleware reads for the route label."""

    def __init__(self, path: str) -> None:
        self.path = path


class Proxy:
    def __init__(
        self,
        upstreams: dict[str, str],
        authenticator: Authenticator,
        *,
        connect_timeout: float,
        read_timeout: float,
        trust_proxy_headers: bool = False,
    ) -> None:
        self.upstreams = {f"/api/{name}": url.rstrip("/") for name, url in upstreams.items()}
        self.public = {p: svc for p, svc in PUBLIC_PREFIXES.items() if svc in self.upstreams}
        self.routes = {prefix: _Route(prefix + "/*") for prefix in [*self.upstreams, *self.public]}
        self.latency = {prefix: UPSTREAM_LATENCY.labels(prefix) for prefix in [*self.upstreams, *self.public]}
        #: behind nginx (compose): the visitor's address is in X-Real-IP, which nginx sets from the socket
        self.trust_proxy_headers = trust_proxy_headers
        self.authenticator = authenticator
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.pools: dict[str, UpstreamPool] = {}

    def match(self, path: str) -> str | None:
        for prefix in [*self.upstreams, *self.public]:
            if path.startswith(prefix) and (len(path) == len(prefix) or path[len(prefix)] == "/"):
                return prefix
        return None

    async def start(self) -> None:
        self.pools = {
            prefix: UpstreamPool(url, connect_timeout=self.connect_timeout, read_timeout=self.read_timeout)
            for prefix, url in self.upstreams.items()
        }

    async def stop(self) -> None:
        for pool in self.pools.values():
            pool.close()

    async def fetch(self, prefix: str, path: str) -> tuple[int, bytes]:
        """A GET of the gateway's own (the combined OpenAPI document) on the proxy's pool: status and body."""
        pool = self.pools[prefix]
        conn = await pool.request(b"GET", path.encode(), [(b"accept", b"application/json")], b"")
        try:
            parts = []
            last = False
            while not last:
                chunk, last = await conn.read_chunk(pool.read_timeout)
                parts.append(chunk)
        except BaseException:
            conn.close()
            raise
        pool.release(conn)
        return conn.status, b"".join(parts)

    def _authenticate(self, headers: list[tuple[bytes, bytes]]) -> None:
        for k, v in headers:
            if k == b"authorization":
                value = v.decode("latin-1")
                if value[:7].lower() == "bearer ":
                    self.authenticator.authenticate(value[7:].strip())
                    return
                break
        raise Unauthorized("An access token is required")

    async def __call__(self, scope: Scope, receive: Receive, send: Send, prefix: str) -> None:
        scope["route"] = self.routes[prefix]
        scope.setdefault("state", {})["proxied"] = True
        path: str = scope["path"]
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        anonymous = prefix in self.public
        if not anonymous and (scope["method"], path[len(prefix) :]) not in PUBLIC:
            try:
                self._authenticate(headers)
            except ProblemError as exc:
                await _problem(send, exc.status, exc.detail, exc.headers, close=_has_body(headers))
                return
        target: bytes = scope.get("raw_path") or path.encode()
        if scope.get("query_string"):
            target += b"?" + scope["query_string"]
        out: list[tuple[bytes, bytes]] = []
        content_length: int | None = None
        chunked = False
        real_ip = None
        for k, v in headers:
            if anonymous and k in ANONYMOUS_DROP:
                continue
            if k == b"x-real-ip" and self.trust_proxy_headers:
                real_ip = v.strip()[:64]
            if k in HOP_BY_HOP or k in IDENTITY:
                if k == b"content-length":
                    try:
                        content_length = int(v)
                    except ValueError:
                        await _problem(send, 400, "Invalid Content-Length", close=True)
                        return
                elif k == b"transfer-encoding":
                    chunked = True
                continue
            out.append((k, v))
        out.append((b"x-request-id", (request_id_var.get() or "").encode()))
        client = scope.get("client")
        if real_ip and anonymous:  # the public's objections are limited per visitor, not per nginx
            out.append((b"x-forwarded-for", real_ip))
        elif client:
            out.append((b"x-forwarded-for", client[0].encode()))
        out.append((b"x-forwarded-proto", b"https" if scope.get("scheme") == "https" else b"http"))
        method: bytes = scope["method"].encode()
        body: bytes | AsyncIterator[bytes]
        if content_length is not None and content_length <= SMALL_BODY:
            try:
                body = await _read_all(receive)
            except _ClientGone:
                return
        elif content_length is None and not chunked:
            body = b""
        else:
            body = _stream(receive)
        pool = self.pools[self.public.get(prefix, prefix)]
        started = time.perf_counter()
        conn = None
        try:
            conn = await pool.request(method, target, out, body, content_length)
            resp_headers = [(k, v) for k, v in conn.headers if k not in RESPONSE_DROP]
            if conn.answered_early:  # the client's body was not read to its end: its connection ends here too
                resp_headers.append(CLOSE)
            await send({"type": "http.response.start", "status": conn.status, "headers": resp_headers})
            last = False
            while not last:
                chunk, last = await conn.read_chunk(pool.read_timeout)
                await send({"type": "http.response.body", "body": chunk, "more_body": not last})
            pool.release(conn)
            conn = None
        except _ClientGone:
            return
        except UpstreamUnavailable as exc:
            log.warning("upstream %s unavailable: %s", prefix, exc, extra={"upstream": prefix})
            UPSTREAM_FAILURES.labels(prefix, "unavailable").inc()
            await _problem_if_possible(
                send, 503, f"The {prefix[5:]} service is unavailable; try again shortly", {"Retry-After": "5"}
            )
        except UpstreamTimeout as exc:
            log.warning("upstream %s timed out: %s", prefix, exc, extra={"upstream": prefix})
            UPSTREAM_FAILURES.labels(prefix, "timeout").inc()
            await _problem_if_possible(send, 504, f"The {prefix[5:]} service did not answer in time")
        except UpstreamError as exc:
            log.warning("upstream %s failed: %s", prefix, exc, extra={"upstream": prefix})
            UPSTREAM_FAILURES.labels(prefix, "error").inc()
            await _problem_if_possible(send, 502, f"The {prefix[5:]} service failed to answer")
        finally:
            if conn is not None:
                conn.close()
            self.latency[prefix].observe(time.perf_counter() - started)


class _ClientGone(Exception):
    pass


async def _read_all(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _ClientGone()
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _stream(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _ClientGone()
        chunk = message.get("body", b"")
        if chunk:
            yield chunk
        if not message.get("more_body", False):
            return


def _has_body(headers: list[tuple[bytes, bytes]]) -> bool:
    """The request declares a body (which an answer given before reading it leaves on the connection)."""
    return any(k == b"transfer-encoding" or (k == b"content-length" and v.strip() != b"0") for k, v in headers)


async def _problem(
    send: Send, status: int, detail: str | None, headers: dict[str, str] | None = None, *, close: bool = False
) -> None:
    body = json.dumps(problem_body(status, detail)).encode()
    hdrs: list[Any] = [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())]
    for k, v in (headers or {}).items():
        hdrs.append((k.lower().encode(), v.encode()))
    if close:
        hdrs.append(CLOSE)
    await send({"type": "http.response.start", "status": status, "headers": hdrs})
    await send({"type": "http.response.body", "body": body})


async def _problem_if_possible(send: Send, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
    # When the response had already started (the upstream died mid-body) the connection is closed instead.
    with contextlib.suppress(RuntimeError):
        await _problem(send, status, detail, headers)
