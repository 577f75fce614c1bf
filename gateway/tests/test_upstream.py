"""The proxy's HTTP/1.1 client against real sockets: a real uvicorn service for the ordinary cases and raw asyncio
servers for the misbehaving ones (closing idle connections, dying mid-body, answering garbage, never answering)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import uvicorn
import uvloop
from fastapi import FastAPI, Request
from fastapi.responses import Response, StreamingResponse

from sanquan_gateway.upstream import (
    UpstreamBroken,
    UpstreamPool,
    UpstreamTimeout,
    UpstreamUnavailable,
)

from .conftest import free_port


def service() -> FastAPI:
    app = FastAPI()

    @app.api_route("/echo", methods=["GET", "POST", "PUT", "HEAD"])
    async def echo(request: Request) -> Response:
        body = await request.body()
        digest = hashlib.sha256(body).hexdigest()
        headers = {"x-length": str(len(body)), "x-digest": digest, "x-te": request.headers.get("transfer-encoding", "")}
        return Response(b"ok:" + body[:16], headers=headers)

    @app.get("/big")
    async def big(n: int) -> StreamingResponse:
        async def gen() -> AsyncIterator[bytes]:
            for i in range(n):
                yield bytes([65 + i % 26]) * 65536

        return StreamingResponse(gen(), media_type="application/octet-stream")

    return app


async def serve_uvicorn() -> tuple[uvicorn.Server, asyncio.Task[None], int]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(service(), port=port, log_config=None, access_log=False, lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    return server, task, port


Runner = Callable[[Callable[[], Awaitable[Any]]], Any]


@pytest.fixture(params=["asyncio", "uvloop"])
def run(request: pytest.FixtureRequest) -> Runner:
    """Runs a scenario on the standard event loop and on uvloop (which uvicorn uses in production)."""

    def runner(coro: Callable[[], Awaitable[Any]]) -> Any:
        if request.param == "uvloop":
            return uvloop.run(coro())
        return asyncio.run(coro())

    return runner


def pool_for(port: int, **kw: Any) -> UpstreamPool:
    return UpstreamPool(f"http://127.0.0.1:{port}", connect_timeout=kw.pop("connect", 1.0), read_timeout=2.0, **kw)


async def read_all(pool: UpstreamPool, conn: Any) -> bytes:
    parts = []
    last = False
    while not last:
        chunk, last = await conn.read_chunk(pool.read_timeout)
        parts.append(chunk)
    pool.release(conn)
    return b"".join(parts)


def test_requests_reuse_one_keep_alive_connection_and_bodies_arrive_whole(run: Runner) -> None:
    async def scenario() -> None:
        server, task, port = await serve_uvicorn()
        pool = pool_for(port)
        try:
            first = None
            for i in range(5):
                body = f"payload {i}".encode() * 1000
                conn = await pool.request(b"POST", b"/echo", [(b"content-type", b"text/plain")], body)
                first = first or conn
                assert conn is first, "a keep-alive connection is reused"
                headers = dict(conn.headers)
                assert conn.status == 200
                assert headers[b"x-length"] == str(len(body)).encode()
                assert headers[b"x-digest"] == hashlib.sha256(body).hexdigest().encode()
                assert await read_all(pool, conn) == b"ok:" + body[:16]
            assert len(pool.idle) == 1
        finally:
            pool.close()
            server.should_exit = True
            await task

    run(scenario)


def test_a_streamed_request_body_goes_chunked_and_a_large_response_streams_with_back_pressure(run: Runner) -> None:
    async def scenario() -> None:
        server, task, port = await serve_uvicorn()
        pool = pool_for(port)
        try:
            blob = bytes(range(256)) * 40000  # 10 MB in 64 kB pieces, length unknown up front

            async def pieces() -> AsyncIterator[bytes]:
                for i in range(0, len(blob), 65536):
                    yield blob[i : i + 65536]

            conn = await pool.request(b"PUT", b"/echo", [], pieces())
            headers = dict(conn.headers)
            assert headers[b"x-te"] == b"chunked"
            assert headers[b"x-digest"] == hashlib.sha256(blob).hexdigest().encode()
            await read_all(pool, conn)

            conn = await pool.request(b"GET", b"/big?n=160", [], b"")  # 10 MB
            await asyncio.sleep(0.5)  # a slow reader: the connection must pause, not buffer everything
            total = 0
            biggest = 0
            last = False
            while not last:
                chunk, last = await conn.read_chunk(pool.read_timeout)
                total += len(chunk)
                biggest = max(biggest, len(chunk))
            pool.release(conn)
            assert total == 160 * 65536
            assert biggest <= 2 * 1024 * 1024, f"reading pauses at the high-water mark, not at {biggest} bytes"
        finally:
            pool.close()
            server.should_exit = True
            await task

    run(scenario)


def test_head_responses_end_at_the_headers(run: Runner) -> None:
    async def scenario() -> None:
        server, task, port = await serve_uvicorn()
        pool = pool_for(port)
        try:
            conn = await pool.request(b"HEAD", b"/echo", [], b"")
            assert conn.status == 200
            assert await read_all(pool, conn) == b""
            conn = await pool.request(b"GET", b"/echo", [], b"")  # the pool still works afterwards
            assert await read_all(pool, conn) == b"ok:"
        finally:
            pool.close()
            server.should_exit = True
            await task

    run(scenario)


async def raw_server(handler: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]) -> Any:
    return await asyncio.start_server(handler, "127.0.0.1", 0)


async def read_request(reader: asyncio.StreamReader) -> bytes:
    return await reader.readuntil(b"\r\n\r\n")


OK = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"


async def closing_server() -> tuple[Any, dict[str, int]]:
    """Answers the first request on each connection; takes the second and closes without a word (the race of a
    keep-alive connection that the service closes just as the proxy reuses it)."""
    seen = {"requests": 0}

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await read_request(reader)
        seen["requests"] += 1
        writer.write(OK)
        await writer.drain()
        await read_request(reader)
        seen["requests"] += 1
        writer.close()

    return await raw_server(handler), seen


def test_an_idempotent_request_on_a_connection_the_service_closed_is_sent_again(run: Runner) -> None:
    async def scenario() -> None:
        server, seen = await closing_server()
        pool = pool_for(server.sockets[0].getsockname()[1])
        try:
            conn = await pool.request(b"GET", b"/", [], b"")
            assert await read_all(pool, conn) == b"ok"
            conn = await pool.request(b"GET", b"/", [], b"")
            assert await read_all(pool, conn) == b"ok"
            assert seen["requests"] == 3  # once answered, once dropped, once more on a new connection
        finally:
            pool.close()
            server.close()

    run(scenario)


def test_a_post_is_never_sent_twice(run: Runner) -> None:
    async def scenario() -> None:
        server, seen = await closing_server()
        pool = pool_for(server.sockets[0].getsockname()[1])
        try:
            conn = await pool.request(b"POST", b"/", [], b"{}")
            assert await read_all(pool, conn) == b"ok"
            with pytest.raises(UpstreamBroken):
                await pool.request(b"POST", b"/", [], b"{}")
            assert seen["requests"] == 2
        finally:
            pool.close()
            server.close()

    run(scenario)


def test_death_mid_body_garbage_and_silence_are_errors_not_hangs(run: Runner) -> None:
    async def scenario() -> None:
        async def dies(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await read_request(reader)
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly part")
            await writer.drain()
            writer.close()

        async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await read_request(reader)
            writer.write(b"SSH-2.0-OpenSSH\r\n\r\n")
            await writer.drain()

        async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await read_request(reader)
            await asyncio.sleep(10)

        servers = [await raw_server(h) for h in (dies, garbage, silent)]
        pools = [pool_for(s.sockets[0].getsockname()[1]) for s in servers]
        pools[2].read_timeout = 0.3
        try:
            conn = await pools[0].request(b"GET", b"/", [], b"")
            with pytest.raises(UpstreamBroken):
                await read_all(pools[0], conn)
            assert not pools[0].idle
            with pytest.raises(UpstreamBroken):
                await pools[1].request(b"GET", b"/", [], b"")
            loop = asyncio.get_running_loop()
            started = loop.time()
            with pytest.raises(UpstreamTimeout):
                await pools[2].request(b"GET", b"/", [], b"")
            assert loop.time() - started < 2
            assert not any(p.idle for p in pools)
        finally:
            for p in pools:
                p.close()
            for s in servers:
                s.close()

    run(scenario)


def test_a_closed_port_is_unavailable_at_once(run: Runner) -> None:
    async def scenario() -> None:
        pool = pool_for(free_port())
        with pytest.raises(UpstreamUnavailable):
            await pool.request(b"GET", b"/", [], b"")

    run(scenario)


def test_only_http_upstreams_are_accepted() -> None:
    with pytest.raises(ValueError):
        UpstreamPool("https://example.org", connect_timeout=1, read_timeout=1)
