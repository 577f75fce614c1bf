"""The proxy's HTTP/1.1 client: keep-alive connections to one upstream, on asyncio protocols with httptools.

Why not a general-purpose client: the reverse proxy only ever forwards one request on one connection to a service it
knows, and a general client's per-request objects (URL parsing, header multidicts, cookie jars, tracing hooks,
response wrappers) were about half of the gateway's CPU per proxied request (py-spy, docs/decisions.md). This module
does the minimum: write the request head and body, parse the response with httptools (the parser uvicorn uses),
hand the body over in chunks with back-pressure, and keep the connection for the next request.

Timeouts: ``connect_timeout`` for the TCP connect; ``read_timeout`` for each wait on the upstream (between bytes,
like a socket read timeout), so a slow but streaming export is not cut while a hung service is.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections import deque
from collections.abc import AsyncIterator
from typing import cast
from urllib.parse import urlsplit

import httptools

#: Pause reading from the upstream when this much response body waits for the client.
HIGH_WATER = 512 * 1024
IDEMPOTENT = frozenset({b"GET", b"HEAD", b"OPTIONS", b"PUT", b"DELETE"})


class UpstreamError(Exception):
    """The upstream could not give a response."""


class UpstreamUnavailable(UpstreamError):
    """Connection refused, unreachable or not accepted within the connect timeout."""


class UpstreamTimeout(UpstreamError):
    """No byte from the upstream within the read timeout."""


class UpstreamBroken(UpstreamError):
    """The connection closed before the response was complete, or the response was not HTTP."""


class Connection(asyncio.Protocol):
    """One keep-alive connection; carries one exchange at a time."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.lost = False
        self.idle_since = 0.0
        self.write_paused = False
        self.drain_waiter: asyncio.Future[None] | None = None
        self.reset(b"GET")

    def reset(self, method: bytes) -> None:
        self.head_only = method == b"HEAD"
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.headers_done = False
        self.body: deque[bytes] = deque()
        self.buffered = 0
        self.done = False
        self.keep_alive = False
        self.spoiled = False  # something happened that makes the connection unfit for another exchange
        self.informational = False
        self.received = False
        self.error: UpstreamError | None = None
        self.waiter: asyncio.Future[None] | None = None
        self.reading_paused = False

    # -- asyncio protocol -----------------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports do not subclass asyncio's
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        self.received = True
        if self.done:
            self.spoiled = True  # bytes after a complete response: the connection is not reusable
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(UpstreamBroken(f"invalid response from the upstream: {exc}"))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if not self.done:
            self._fail(UpstreamBroken("the upstream closed the connection"))
        waiter = self.drain_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def pause_writing(self) -> None:
        self.write_paused = True

    def resume_writing(self) -> None:
        self.write_paused = False
        waiter = self.drain_waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # -- httptools callbacks --------------------------------------------------------------------------------
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.lower(), value))

    def on_headers_complete(self) -> None:
        status = self.parser.get_status_code()
        if 100 <= status < 200:  # an interim response (we never send Expect); wait for the final one
            self.informational = True
            self.headers = []
            return
        self.status = status
        self.headers_done = True
        if self.head_only:  # no body follows, whatever Content-Length says; the parser cannot know that
            self.done = True
            self.spoiled = True
        self._wake()

    def on_body(self, body: bytes) -> None:
        self.body.append(body)
        self.buffered += len(body)
        if self.buffered > HIGH_WATER and not self.reading_paused and self.transport is not None:
            self.transport.pause_reading()
            self.reading_paused = True
        self._wake()

    def on_message_complete(self) -> None:
        if self.informational:
            self.informational = False
            return
        self.done = True
        self.keep_alive = self.parser.should_keep_alive()
        self._wake()

    # -- used by the proxy ----------------------------------------------------------------------------------
    def _wake(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _fail(self, error: UpstreamError) -> None:
        if self.error is None:
            self.error = error
        self._wake()

    async def _wait(self, timeout: float) -> None:
        if self.error is not None:
            raise self.error
        self.waiter = waiter = self.loop.create_future()
        timer = self.loop.call_later(timeout, _expire, waiter)
        try:
            await waiter
        finally:
            timer.cancel()
            self.waiter = None
        if self.error is not None:
            raise self.error

    async def drain(self) -> None:
        while self.write_paused and not self.lost:
            self.drain_waiter = self.loop.create_future()
            try:
                await self.drain_waiter
            finally:
                self.drain_waiter = None
        if self.lost:
            raise self.error or UpstreamBroken("the upstream closed the connection")

    async def read_head(self, timeout: float) -> None:
        while not self.headers_done:
            await self._wait(timeout)

    async def read_chunk(self, timeout: float) -> tuple[bytes, bool]:
        """The body received so far and whether it was the last of it."""
        while not self.body and not self.done:
            await self._wait(timeout)
        if len(self.body) == 1:
            chunk = self.body.popleft()
        else:
            chunk = b"".join(self.body)
            self.body.clear()
        self.buffered = 0
        if self.reading_paused and self.transport is not None:
            self.reading_paused = False
            self.transport.resume_reading()
        return chunk, self.done

    @property
    def reusable(self) -> bool:
        clean = self.error is None and not self.spoiled and not self.lost and not self.body
        return clean and self.done and self.keep_alive

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()
        self.lost = True


def _expire(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_exception(UpstreamTimeout("the upstream did not answer in time"))


class UpstreamPool:
    """Keep-alive connections to one upstream (``http://host:port``), most recently used first."""

    def __init__(
        self,
        url: str,
        *,
        connect_timeout: float,
        read_timeout: float,
        max_idle: int = 256,
        idle_timeout: float = 4.0,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or not parts.hostname:
            raise ValueError(f"upstream must be http://host[:port], not {url!r}")
        self.host = parts.hostname
        self.port = parts.port or 80
        self.base_path = parts.path.rstrip("/").encode()
        self.host_header = parts.netloc.encode()
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_idle = max_idle
        # Below uvicorn's 5 s keep-alive, so that we never write to a connection the service is closing.
        self.idle_timeout = idle_timeout
        self.idle: list[Connection] = []

    async def _connect(self) -> Connection:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.connect_timeout):
                _, conn = await loop.create_connection(lambda: Connection(loop), self.host, self.port)
        except TimeoutError as exc:
            raise UpstreamUnavailable(f"connect to {self.host}:{self.port} timed out") from exc
        except OSError as exc:
            raise UpstreamUnavailable(f"connect to {self.host}:{self.port} failed: {exc}") from exc
        return conn

    def _idle_connection(self) -> Connection | None:
        idle = self.idle
        if not idle:
            return None
        now = asyncio.get_running_loop().time()
        while idle:
            conn = idle.pop()
            if not conn.lost and now - conn.idle_since < self.idle_timeout:
                return conn
            conn.close()
        return None

    def release(self, conn: Connection) -> None:
        """Back to the pool when the exchange completed cleanly; closed otherwise."""
        if conn.reusable and len(self.idle) < self.max_idle:
            conn.idle_since = conn.loop.time()
            self.idle.append(conn)
        else:
            conn.close()

    def close(self) -> None:
        while self.idle:
            self.idle.pop().close()

    def _head(self, method: bytes, target: bytes, headers: list[tuple[bytes, bytes]], framing: bytes) -> bytes:
        parts = [method, b" ", self.base_path, target, b" HTTP/1.1\r\nhost: ", self.host_header, b"\r\n"]
        for name, value in headers:
            parts += (name, b": ", value, b"\r\n")
        parts += (framing, b"\r\n")
        return b"".join(parts)

    async def request(
        self,
        method: bytes,
        target: bytes,
        headers: list[tuple[bytes, bytes]],
        body: bytes | AsyncIterator[bytes],
        content_length: int | None = None,
    ) -> Connection:
        """Send one request and wait for the response head. The caller reads the body with
        ``read_chunk`` and then hands the connection to ``release`` (or ``close`` on any failure)."""
        if isinstance(body, bytes):
            framing = b"content-length: %d\r\n" % len(body) if body or method not in IDEMPOTENT else b""
            head = self._head(method, target, headers, framing)
            # A reused connection that the service closed meanwhile fails before any byte comes back; an
            # idempotent request is then sent once more on a new connection.
            for attempt in (0, 1):
                conn = self._idle_connection() if attempt == 0 else None
                reused = conn is not None
                if conn is None:
                    conn = await self._connect()
                conn.reset(method)
                assert conn.transport is not None
                conn.transport.write(head + body if len(body) < 65536 else head)
                if len(body) >= 65536:
                    conn.transport.write(body)
                try:
                    await conn.read_head(self.read_timeout)
                    return conn
                except UpstreamBroken:
                    conn.close()
                    if not (reused and not conn.received and method in IDEMPOTENT):
                        raise
                except BaseException:
                    conn.close()
                    raise
            raise UpstreamBroken("unreachable")  # pragma: no cover
        # A streamed body: never retried (it cannot be replayed).
        framing = (
            b"content-length: %d\r\n" % content_length
            if content_length is not None
            else b"transfer-encoding: chunked\r\n"
        )
        conn = self._idle_connection() or await self._connect()
        conn.reset(method)
        try:
            assert conn.transport is not None
            conn.transport.write(self._head(method, target, headers, framing))
            async for chunk in body:
                if conn.lost or conn.headers_done:  # the service answered early (e.g. refused the body)
                    break
                if content_length is None:
                    conn.transport.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                else:
                    conn.transport.write(chunk)
                if conn.write_paused:
                    await conn.drain()
            else:
                if content_length is None and not conn.lost:
                    conn.transport.write(b"0\r\n\r\n")
            await conn.read_head(self.read_timeout)
            if not conn.done:
                conn.spoiled = True  # an early answer: the rest of the body is not coming
            return conn
        except BaseException:
            conn.close()
            raise
