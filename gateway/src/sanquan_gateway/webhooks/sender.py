"""The delivery worker's HTTP client: one keep-alive pool per receiving origin on the gateway's own HTTP/1.1
connections (``sanquan_gateway.upstream``: asyncio protocols and httptools), over TLS for ``https://``.

Why not httpx: its async client cost ~7.7 ms of CPU per webhook POST on this machine, the 0.12 ms here, so the
worker sent ~250 deliveries per free core and second instead of thousands (docs/benchmarks.md, docs/decisions.md).
A webhook is one small POST with a small answer; nothing of a general client is needed.

Where a connection may go (SSRF, ``urls.py``): when private targets are not allowed, the host name is resolved for
each new connection, every address must be public, and the connection goes to the address that was checked (no
second lookup a rebinding DNS server could answer differently: ``urls.public_address``, the one way the gateway
connects to a checked address). A kept-alive connection was checked when opened.
"""

from __future__ import annotations

import asyncio
import ssl
from urllib.parse import urlsplit

from sanquan_gateway.upstream import (
    DONE,
    Connection,
    UpstreamBroken,
    UpstreamError,
    UpstreamPool,
    UpstreamTimeout,
    UpstreamUnavailable,
)
from sanquan_gateway.webhooks import urls

#: A longer answer is not read to its end: the connection is closed instead (the status is all we keep).
MAX_ANSWER = 64 * 1024


class NotPublic(UpstreamError):
    """The host resolves to a private, loopback, link-local or otherwise non-public address."""


class OriginPool(UpstreamPool):
    """Keep-alive connections to one ``scheme://host:port``."""

    def __init__(self, scheme: str, netloc: str, *, timeout: float, public_only: bool, tls: ssl.SSLContext) -> None:
        # UpstreamPool parses an http URL; the scheme's default port and TLS are set here.
        super().__init__(f"http://{netloc}", connect_timeout=timeout, read_timeout=timeout, max_idle=64)
        parts = urlsplit(f"{scheme}://{netloc}")
        self.port = parts.port or (443 if scheme == "https" else 80)
        self.tls = tls if scheme == "https" else None
        self.public_only = public_only

    async def _connect(self) -> Connection:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.connect_timeout):
                address = self.host
                if self.public_only:
                    try:
                        address = await loop.run_in_executor(None, urls.public_address, self.host, self.port)
                    except urls.NotPublicAddress as exc:
                        raise NotPublic(str(exc)) from None
                _, conn = await loop.create_connection(
                    lambda: Connection(loop),
                    address,
                    self.port,
                    ssl=self.tls,
                    server_hostname=self.host if self.tls is not None else None,
                )
        except TimeoutError as exc:
            raise UpstreamUnavailable(f"connect to {self.host}:{self.port} timed out") from exc
        except OSError as exc:  # refused, unreachable, no such name, TLS handshake failures (ssl.SSLError)
            raise UpstreamUnavailable(f"connect to {self.host}:{self.port} failed: {exc}") from exc
        return conn

    async def post(self, target: bytes, headers: list[tuple[bytes, bytes]], body: bytes) -> int:
        """POST ``body`` and read the answer; the status. A kept-alive connection the receiver closed meanwhile
        (nothing came back) is retried once on a new one: at least once, receivers skip by ``webhook-id``."""
        head = self._head(b"POST", target, headers, b"content-length: %d\r\n" % len(body))
        for attempt in (0, 1):
            conn = self._idle_connection() if attempt == 0 else None
            reused = conn is not None
            if conn is None:
                conn = await self._connect()
            conn.reset(b"POST")
            assert conn.transport is not None
            conn.transport.write(head + body)
            conn.ours = DONE
            try:
                await conn.read_head(self.read_timeout)
                size, done = 0, False
                while not done and size <= MAX_ANSWER:
                    chunk, done = await conn.read_chunk(self.read_timeout)
                    size += len(chunk)
            except UpstreamBroken:
                conn.close()
                if reused and not conn.received:
                    continue
                raise
            except BaseException:
                conn.close()
                raise
            if done:
                self.release(conn)
            else:
                conn.close()
            return conn.status
        raise UpstreamBroken("unreachable")  # pragma: no cover

    def sweep(self) -> None:
        """Close the idle connections that are too old to be used again."""
        now = asyncio.get_running_loop().time()
        keep = []
        for conn in self.idle:
            if conn.reusable and now - conn.idle_since < self.idle_timeout:
                keep.append(conn)
            else:
                conn.close()
        self.idle = keep


class Sender:
    """The pools of every origin the worker posts to, and one call that turns a POST into (status, error)."""

    def __init__(self, *, timeout: float, public_only: bool, tls: ssl.SSLContext | None = None) -> None:
        self.timeout = timeout
        self.public_only = public_only
        self.pools: dict[tuple[str, str], OriginPool] = {}
        self.targets: dict[str, tuple[OriginPool, bytes]] = {}
        #: Certificates and host names checked as a browser would (the system's trust store).
        self.tls = tls or ssl.create_default_context()

    def _target(self, url: str) -> tuple[OriginPool, bytes]:
        got = self.targets.get(url)
        if got is None:
            parts = urlsplit(url)
            key = (parts.scheme, parts.netloc)
            pool = self.pools.get(key)
            if pool is None:
                pool = self.pools[key] = OriginPool(
                    parts.scheme, parts.netloc, timeout=self.timeout, public_only=self.public_only, tls=self.tls
                )
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            got = self.targets[url] = (pool, path.encode())
        return got

    async def post(self, url: str, headers: list[tuple[bytes, bytes]], body: bytes) -> tuple[int | None, str | None]:
        """``(status, None)`` when the receiver answered, ``(None, why)`` when it did not (within the timeout)."""
        try:
            pool, target = self._target(url)
        except ValueError:
            return None, "not a URL"
        try:
            async with asyncio.timeout(self.timeout):
                return await pool.post(target, headers, body), None
        except (TimeoutError, UpstreamTimeout):
            return None, "timeout"
        except NotPublic as exc:
            return None, str(exc)
        except UpstreamError as exc:
            return None, (type(exc).__name__ + ": " + str(exc))[:300]

    def sweep(self) -> None:
        for pool in self.pools.values():
            pool.sweep()
        if len(self.targets) > 10_000:  # URLs of endpoints since changed or deleted
            self.targets.clear()

    def close(self) -> None:
        for pool in self.pools.values():
            pool.close()
        self.pools.clear()
        self.targets.clear()
