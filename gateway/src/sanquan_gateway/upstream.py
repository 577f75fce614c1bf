"""The proxy's HTTP/1.1 client: keep-alive connections to one upstream, on asyncio protocols with httptools.

Why not a general-purpose client: the reverse proxy only ever forwards one request on one connection to a service it
knows, and a general client's per-request objects (URL parsing, header multidicts, cookie jars, tracing hooks,
response wrappers) were about half of the gateway's CPU per proxied request (py-spy, docs/decisions.md). This module
does the minimum: write the request head and body, parse the response with httptools (the parser uvicorn uses),
hand the body over in chunks with back-pressure, and keep the connection for the next request.

Reuse: a connection goes back to the pool only when both halves of the exchange reached DONE — the request was
sent completely (head, every body byte it declared, the chunked terminator) and the response was read completely,
framed unambiguously and allowed keep-alive — and nothing arrived on it since. The states are h11's (a client's
``IDLE → SEND_BODY → DONE`` for the request, ``SEND_RESPONSE → SEND_BODY → DONE`` for the response, ``MUST_CLOSE``
for either half that ended any other way); httptools is the parser, the states are kept here, and
``Connection.reusable`` is the one rule (docs/decisions.md, "The forwarder's connection states"). A connection
that is not reusable is closed — never repaired.

Timeouts: ``connect_timeout`` for the TCP connect; ``read_timeout`` for each wait on the upstream (between bytes,
like a socket read timeout), so a slow but streaming export is not cut while a hung service is.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
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


class State(enum.Enum):
    """One half of an exchange, named as h11 names them (``h11._state``)."""

    IDLE = "IDLE"  # the request: nothing sent yet
    SEND_RESPONSE = "SEND_RESPONSE"  # the response: no final head yet
    SEND_BODY = "SEND_BODY"
    DONE = "DONE"
    MUST_CLOSE = "MUST_CLOSE"  # this half ended in a way that leaves the connection unfit for another exchange


IDLE, SEND_RESPONSE, SEND_BODY, DONE, MUST_CLOSE = State


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
        #: Something arrived while no response was expected (or after one ended): never reused.
        self.dirty = False
        self.reset(b"GET")
        self.ours = self.theirs = DONE  # a new connection is ready for a request
        self.complete = True

    def reset(self, method: bytes) -> None:
        """Start an exchange. Only a reusable (or new) connection gets here."""
        self.head_only = method == b"HEAD"
        self.ours = IDLE
        self.theirs = SEND_RESPONSE
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.framing: list[bytes] = []  # the response's content-length and transfer-encoding headers
        self.body: deque[bytes] = deque()
        self.buffered = 0
        self.informational = False
        self.received = False
        self.error: UpstreamError | None = None
        self.waiter: asyncio.Future[None] | None = None
        self.reading_paused = False
        #: No more response bytes are expected on this exchange (the response ended, reusably or not).
        self.complete = False
        #: The service answered before the whole request body was forwarded (the client's body was not consumed).
        self.answered_early = False

    @property
    def headers_done(self) -> bool:
        return self.theirs is not SEND_RESPONSE

    # -- asyncio protocol -----------------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports do not subclass asyncio's
        sock = transport.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        self.received = True
        if self.complete:
            self.dirty = True  # bytes after a complete response (or while idle): the stream is out of step
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(UpstreamBroken(f"invalid response from the upstream: {exc}"))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if self.theirs is SEND_BODY and not self.framing and exc is None:
            self._finish(MUST_CLOSE)  # a body without framing ends with its connection (RFC 9112, 6.3)
            self._wake()
        elif not self.complete:
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
        if self.complete:
            self.dirty = True
            return
        name = name.lower()
        self.headers.append((name, value))
        if name == b"content-length" or name == b"transfer-encoding":
            self.framing.append(name)

    def on_headers_complete(self) -> None:
        if self.complete:  # a second response in the same read: the stream is out of step
            self.dirty = True
            return
        status = self.parser.get_status_code()
        if 100 <= status < 200:  # an interim response (we never send Expect); wait for the final one
            self.informational = True
            self.headers = []
            self.framing = []
            return
        self.status = status
        self.theirs = SEND_BODY
        if self.head_only:
            # No body follows, whatever Content-Length says; the parser cannot know that, so the parser's state
            # is not to be trusted for another exchange.
            self._finish(MUST_CLOSE)
        self._wake()

    def on_body(self, body: bytes) -> None:
        if self.complete:
            self.dirty = True
            return
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
        if self.complete:
            self.dirty = True
            return
        # Reusable only when the response said where it ends by exactly one header (llhttp refuses two lengths
        # or both framings outright) and allowed keep-alive; a body that ended with the connection did not.
        framed = len(self.framing) == 1 or (not self.framing and (self.status in (204, 304)))
        self._finish(DONE if framed and self.parser.should_keep_alive() else MUST_CLOSE)
        self._wake()

    # -- used by the proxy ----------------------------------------------------------------------------------
    def _finish(self, state: State) -> None:
        self.theirs = state
        self.complete = True

    def _wake(self) -> None:
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def _fail(self, error: UpstreamError) -> None:
        if self.error is None:
            self.error = error
        self._wake()

    async def _wait(self, timeout: float | None) -> None:
        if self.error is not None:
            raise self.error
        self.waiter = waiter = self.loop.create_future()
        timer = self.loop.call_later(timeout, _expire, waiter) if timeout is not None else None
        try:
            await waiter
        finally:
            if timer is not None:
                timer.cancel()
            self.waiter = None
        if self.error is not None:
            raise self.error

    async def drain(self, timeout: float) -> None:
        """Wait until the upstream takes more of the request body; it must take some within ``timeout``."""
        while self.write_paused and not self.lost:
            self.drain_waiter = waiter = self.loop.create_future()
            timer = self.loop.call_later(timeout, _expire, waiter)
            try:
                await waiter
            finally:
                timer.cancel()
                self.drain_waiter = None
        if self.lost:
            raise self.error or UpstreamBroken("the upstream closed the connection")

    async def read_head(self, timeout: float | None) -> None:
        while not self.headers_done:
            await self._wait(timeout)

    async def read_chunk(self, timeout: float) -> tuple[bytes, bool]:
        """The body received so far and whether it was the last of it."""
        while not self.body and not self.complete:
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
        return chunk, self.complete

    @property
    def reusable(self) -> bool:
        """Both halves DONE, nothing left over, nothing arrived since, the socket still open."""
        return (
            self.ours is DONE
            and self.theirs is DONE
            and self.error is None
            and not self.dirty
            and not self.lost
            and not self.body
        )

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
            if conn.reusable and now - conn.idle_since < self.idle_timeout:
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
                # Every byte the head declared is queued, in order, on the stream: the request is complete.
                conn.ours = DONE
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
        # A streamed body: never retried (it cannot be replayed). It is sent while the proxy also listens for the
        # response: a service that answers before the body is complete (a 401/404/413/422 decided on the head)
        # is answered at once, and the connection — whose request is unfinished — is closed afterwards.
        framing = (
            b"content-length: %d\r\n" % content_length
            if content_length is not None
            else b"transfer-encoding: chunked\r\n"
        )
        conn = self._idle_connection() or await self._connect()
        conn.reset(method)
        sender: asyncio.Task[None] | None = None
        listener: asyncio.Task[None] | None = None
        try:
            assert conn.transport is not None
            conn.transport.write(self._head(method, target, headers, framing))
            conn.ours = SEND_BODY
            sender = asyncio.ensure_future(_send_body(conn, body, content_length, self.read_timeout))
            listener = asyncio.ensure_future(conn.read_head(None))
            await asyncio.wait((sender, listener), return_when=asyncio.FIRST_COMPLETED)
            if sender.done():
                listener.cancel()
                await _quietly(listener)
                sender.result()  # the client went away, or the upstream did: raised here
                await conn.read_head(self.read_timeout)
            else:
                sender.cancel()
                await _quietly(sender)
                conn.ours = MUST_CLOSE
                conn.answered_early = True
                listener.result()  # the upstream failed before answering: raised here
            return conn
        except BaseException:
            for task in (sender, listener):
                if task is not None and not task.done():
                    task.cancel()
                    await _quietly(task)
            conn.close()
            raise


async def _send_body(conn: Connection, body: AsyncIterator[bytes], content_length: int | None, timeout: float) -> None:
    """The request body, framed as the head said; the request is DONE only when all of it was written."""
    transport = conn.transport
    assert transport is not None
    sent = 0
    async for chunk in body:
        if conn.lost:
            raise conn.error or UpstreamBroken("the upstream closed the connection")
        sent += len(chunk)
        if content_length is None:
            transport.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        elif sent <= content_length:
            transport.write(chunk)
        if conn.write_paused:
            await conn.drain(timeout)
    if content_length is None:
        transport.write(b"0\r\n\r\n")
    elif sent != content_length:  # the head promised another length: the stream cannot be trusted any more
        conn.ours = MUST_CLOSE
        return
    conn.ours = DONE


async def _quietly(task: asyncio.Future[None]) -> None:
    """Wait for a cancelled or finished helper task and take its outcome, which the caller handled otherwise (a
    cancellation of the caller itself still propagates)."""
    await asyncio.wait((task,))
    if not task.cancelled():
        task.exception()
