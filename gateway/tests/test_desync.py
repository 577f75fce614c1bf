"""The forwarder never hands one caller's bytes to another (issue #13, upstream desync).

The real gateway (uvicorn on a free port) in front of a real service that answers with a digest of the caller's
token, so that a response that reached the wrong caller is recognised. Attackers speak raw sockets: requests whose
body the service never waits for (an unknown route answers 404 on the head), unsent Content-Length and chunked
bodies, disconnects mid-body, slow bodies, pipelined requests; raw upstreams answer with both framings, with none,
or die mid-response. After each, ordinary callers must get their own answer at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import h11
import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from sanquan_gateway.bootstrap import bootstrap
from sanquan_gateway.main import ALEMBIC_INI, create_app
from sanquan_kernel import testing as kt
from sanquan_kernel.migrate import migrate

from .conftest import _settings, seed

#: A body the gateway streams (over its small-body threshold) but that the attacker never finishes.
HUGE = 300_000


def digest(authorization: str) -> str:
    return hashlib.sha256(authorization.encode()).hexdigest()[:16]


def tenant_service() -> FastAPI:
    """Answers with a digest of the caller's Authorization header: whose answer it was is visible in it."""
    app = FastAPI()

    @app.get("/api/training/staff")
    async def staff(request: Request) -> JSONResponse:
        return JSONResponse({"caller": digest(request.headers.get("authorization", ""))})

    @app.get("/api/training/ledger.csv")
    async def ledger(request: Request) -> PlainTextResponse:
        return PlainTextResponse(f"caller,{digest(request.headers.get('authorization', ''))}\n" * 200)

    @app.post("/api/training/echo")
    async def echo(request: Request) -> JSONResponse:
        body = await request.body()
        return JSONResponse({"caller": digest(request.headers.get("authorization", "")), "length": len(body)})

    @app.get("/api/training/openapi.json")
    async def openapi() -> JSONResponse:
        return JSONResponse({"openapi": "3.1.0"})

    return app


class Server:
    """An ASGI app served by uvicorn in a thread of its own."""

    def __init__(self, app: Any) -> None:
        # Bound here, not by number later: another test process cannot take the port in between.
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = int(self.sock.getsockname()[1])
        config = uvicorn.Config(app, log_level="error", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.time() + 15
        while not self.server.started:
            assert time.time() < deadline, "server did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


@dataclass
class Platform:
    gateway: int
    service: int
    tokens: dict[str, str]

    def auth(self, who: str) -> str:
        return f"Bearer {self.tokens[who]}"


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    data = tmp_path_factory.mktemp("desync")
    url = kt.test_database_url("sqlite", "desync", data)
    migrate(ALEMBIC_INI, url)
    old = os.environ.get("DATA_DIR")
    os.environ["DATA_DIR"] = str(data)
    try:
        with Server(tenant_service()) as service:
            app: Any = create_app(
                _settings(url, training_url=f"http://127.0.0.1:{service.port}", upstream_read_timeout=3.0),
                start_background=False,
            )
            bootstrap(app.state.kernel.sessionmaker, None, None)
            _, users, _ = seed(app.state.kernel.sessionmaker)
            issuer = app.state.kernel.extras["issuer"]
            tokens = {name: str(issuer.access_for_user(users[name])[0]) for name in ("uni_a_admin", "uni_b_admin")}
            with Server(app) as gateway:
                yield Platform(gateway.port, service.port, tokens)
    finally:
        if old is None:
            os.environ.pop("DATA_DIR", None)
        else:
            os.environ["DATA_DIR"] = old


# -- a raw client ---------------------------------------------------------------------------------------------------
class Raw:
    """A socket to the gateway that writes whatever it is given and reads responses with h11."""

    def __init__(self, port: int, timeout: float = 8.0) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.conn = h11.Connection(h11.CLIENT)

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def response(self) -> tuple[int, dict[bytes, bytes], bytes]:
        """The next response on the connection: status, headers, body."""
        status, headers, body = 0, {}, b""
        while True:
            event = self.conn.next_event()
            if event is h11.NEED_DATA:
                data = self.sock.recv(65536)
                self.conn.receive_data(data)
                if not data and self.conn.their_state is not h11.DONE:
                    raise ConnectionError("the gateway closed the connection before answering")
                continue
            if isinstance(event, h11.Response):
                status, headers = event.status_code, {k.lower(): v for k, v in event.headers}
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                return status, headers, body

    def next_cycle(self) -> None:
        """Read the next response on the same connection (h11 did not see the raw requests go out)."""
        leftover, _ = self.conn.trailing_data
        self.conn = h11.Connection(h11.CLIENT)
        if leftover:
            self.conn.receive_data(leftover)

    def closed_by_peer(self, wait: float = 3.0) -> bool:
        self.sock.settimeout(wait)
        try:
            while self.sock.recv(65536):
                pass
            return True
        except TimeoutError:
            return False
        except OSError:
            return True

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


def head(method: str, path: str, *lines: str) -> bytes:
    return (f"{method} {path} HTTP/1.1\r\nHost: gw\r\n" + "".join(f"{line}\r\n" for line in lines) + "\r\n").encode()


def smuggled(platform: Platform, who: str) -> bytes:
    """A complete request hidden in a body, as an attacker would shape it."""
    return head("GET", "/api/training/ledger.csv", f"Authorization: {platform.auth(who)}")


def victim_check(platform: Platform, who: str, client: httpx.Client | None = None) -> float:
    """An ordinary request; it must come back promptly with the caller's own answer. Returns its duration."""
    started = time.perf_counter()
    get = client.get if client is not None else httpx.get
    r = get(
        f"http://127.0.0.1:{platform.gateway}/api/training/staff",
        headers={"Authorization": platform.auth(who)},
        timeout=10,
    )
    elapsed = time.perf_counter() - started
    assert r.status_code == 200, r.text
    assert r.json() == {"caller": digest(platform.auth(who))}, "another caller's answer"
    return elapsed


# -- the early answer -------------------------------------------------------------------------------------------------
def early_answer(platform: Platform, framing: str, first: bytes, rest: bytes | None, pause: float) -> Raw:
    """An attacker's POST to a route the service answers on the head alone (404), with an unfinished body: ``first``
    at once, then ``rest`` (if any) after ``pause``. Returns the connection after the answer, which must be the
    404 with ``Connection: close``."""
    attacker = Raw(platform.gateway)
    try:
        attacker.send(
            head("POST", "/api/training/no-such-route", f"Authorization: {platform.auth('uni_a_admin')}", framing)
            + first
        )
        if rest is not None:
            time.sleep(pause)
            attacker.send(rest)
        status, headers, _ = attacker.response()
        assert status == 404
        assert headers.get(b"connection") == b"close", "the attacker's unread body ends its connection"
    except BaseException:
        attacker.close()
        raise
    return attacker


def test_an_early_answer_with_an_unsent_content_length_body_does_not_poison_the_next_caller(
    platform: Platform,
) -> None:
    attacker = early_answer(
        platform, f"Content-Length: {HUGE}", b"0123456789", smuggled(platform, "uni_a_admin"), pause=0.5
    )
    try:
        assert attacker.closed_by_peer()
    finally:
        attacker.close()
    for _ in range(3):
        assert victim_check(platform, "uni_b_admin") < 2.0


def test_the_service_answers_at_once_even_while_the_body_is_still_coming(platform: Platform) -> None:
    early_answer(platform, f"Content-Length: {HUGE}", b"x" * 100, None, pause=0).close()  # no further byte sent
    victim_check(platform, "uni_b_admin")


def test_an_early_answer_with_an_unsent_chunked_body_does_not_poison_the_next_caller(platform: Platform) -> None:
    payload = smuggled(platform, "uni_a_admin")
    chunk = b"%x\r\n%s\r\n" % (len(payload), payload)
    early_answer(platform, "Transfer-Encoding: chunked", b"a\r\n0123456789\r\n", chunk, pause=0.3).close()
    for _ in range(3):
        assert victim_check(platform, "uni_b_admin") < 2.0


def test_only_reads_of_the_api_description_skip_the_token_check(platform: Platform) -> None:
    base = f"http://127.0.0.1:{platform.gateway}"
    assert httpx.get(f"{base}/api/training/openapi.json").status_code == 200
    assert httpx.head(f"{base}/api/training/openapi.json").status_code in (200, 405)
    # Another method, or another path that merely ends the same way, needs a token.
    assert httpx.post(f"{base}/api/training/openapi.json", content=b"{}").status_code == 401
    assert httpx.get(f"{base}/api/training/staff/openapi.json").status_code == 401
    attacker = Raw(platform.gateway)
    try:
        attacker.send(
            head("POST", "/api/training/x/openapi.json", "Transfer-Encoding: chunked") + b"a\r\n0123456789\r\n"
        )
        status, headers, _ = attacker.response()
        assert status == 401
        assert headers.get(b"connection") == b"close", "an answer before the body ends the client's connection"
    finally:
        attacker.close()
    victim_check(platform, "uni_b_admin")


def test_a_client_that_disconnects_mid_body_leaves_nothing_behind(platform: Platform) -> None:
    for framing in (f"Content-Length: {HUGE}", "Transfer-Encoding: chunked"):
        attacker = Raw(platform.gateway)
        attacker.send(
            head("POST", "/api/training/echo", f"Authorization: {platform.auth('uni_a_admin')}", framing)
            + (b"5\r\nhello\r\n" if "chunked" in framing else b"y" * 70_000)
        )
        time.sleep(0.2)
        attacker.close()
        time.sleep(0.1)
        victim_check(platform, "uni_b_admin")


def test_a_slow_body_arrives_whole_and_the_connection_stays_usable(platform: Platform) -> None:
    client = Raw(platform.gateway)
    try:
        size = 280_000
        client.send(
            head(
                "POST",
                "/api/training/echo",
                f"Authorization: {platform.auth('uni_a_admin')}",
                f"Content-Length: {size}",
            )
        )
        for _ in range(4):
            client.send(b"z" * (size // 4))
            time.sleep(0.15)
        status, _, body = client.response()
        assert status == 200
        assert b'"length":280000' in body
        # The same client connection goes on working, and so does the upstream connection behind it.
        client.next_cycle()
        client.send(head("GET", "/api/training/staff", f"Authorization: {platform.auth('uni_a_admin')}"))
        status, _, body = client.response()
        assert status == 200
        assert digest(platform.auth("uni_a_admin")).encode() in body
    finally:
        client.close()
    victim_check(platform, "uni_b_admin")


def test_pipelined_requests_are_answered_in_order_each_with_its_own_answer(platform: Platform) -> None:
    client = Raw(platform.gateway)
    try:
        who = ["uni_a_admin", "uni_b_admin", "uni_a_admin", "uni_b_admin"]
        client.send(b"".join(head("GET", "/api/training/staff", f"Authorization: {platform.auth(w)}") for w in who))
        for w in who:
            status, _, body = client.response()
            assert status == 200
            assert digest(platform.auth(w)).encode() in body
            client.next_cycle()
    finally:
        client.close()


# -- odd upstreams ----------------------------------------------------------------------------------------------------
class OddUpstream:
    """A raw HTTP server whose very first answer is ``first``; later answers are ordinary. Counts the requests that
    arrive on the connection of the odd answer after it, so that reuse of a spoiled connection is visible."""

    def __init__(self, first: bytes, *, close_after: bool = False) -> None:
        self.first = first
        self.close_after = close_after
        self.port = 0
        self.reused_after_odd = 0
        self.answered_odd = False
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        odd_here = False
        try:
            while True:
                await reader.readuntil(b"\r\n\r\n")
                if not self.answered_odd:
                    self.answered_odd = odd_here = True
                    writer.write(self.first)
                    await writer.drain()
                    if self.close_after:
                        writer.close()
                        return
                else:
                    self.reused_after_odd += odd_here
                    writer.write(b'HTTP/1.1 200 OK\r\ncontent-length: 13\r\n\r\n{"ok": true}\n')
                    await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    def __enter__(self) -> OddUpstream:
        self.thread.start()
        fut = asyncio.run_coroutine_threadsafe(asyncio.start_server(self.handle, "127.0.0.1", 0), self.loop)
        self.server = fut.result(5)
        self.port = int(self.server.sockets[0].getsockname()[1])
        return self

    def __exit__(self, *exc: object) -> None:
        async def shutdown() -> None:
            self.server.close()
            handlers = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in handlers:
                task.cancel()
            await asyncio.gather(*handlers, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), self.loop).result(5)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@contextlib.contextmanager
def gateway_before(upstream_port: int, data: Path) -> Iterator[Platform]:
    url = kt.test_database_url("sqlite", "odd", data)
    migrate(ALEMBIC_INI, url)
    app: Any = create_app(
        _settings(url, training_url=f"http://127.0.0.1:{upstream_port}", upstream_read_timeout=2.0),
        start_background=False,
    )
    bootstrap(app.state.kernel.sessionmaker, None, None)
    _, users, _ = seed(app.state.kernel.sessionmaker)
    issuer = app.state.kernel.extras["issuer"]
    tokens = {"uni_a_admin": str(issuer.access_for_user(users["uni_a_admin"])[0])}
    with Server(app) as gateway:
        yield Platform(gateway.port, upstream_port, tokens)


@pytest.mark.parametrize(
    "first",
    [
        # Both framings: llhttp refuses it; the gateway answers 502 and drops the connection.
        b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        # Two different lengths.
        b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\ncontent-length: 30\r\n\r\nhello",
        # A complete response followed by bytes nobody asked for (a second response, as a desync would produce).
        b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhelloHTTP/1.1 200 OK\r\ncontent-length: 7\r\n\r\nstolen!",
    ],
    ids=["both-framings", "two-lengths", "extra-bytes"],
)
def test_an_ambiguous_or_overlong_response_is_never_followed_on_the_same_connection(
    first: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    with OddUpstream(first) as odd, gateway_before(odd.port, tmp_path) as p:
        with httpx.Client(base_url=f"http://127.0.0.1:{p.gateway}", timeout=10) as c:
            h = {"Authorization": p.auth("uni_a_admin")}
            c.get("/api/training/x", headers=h)  # whatever the odd answer becomes, it is the only one
            for _ in range(3):
                r = c.get("/api/training/x", headers=h)
                assert r.status_code == 200
                assert r.content == b'{"ok": true}\n', "bytes of another response leaked"
        assert odd.reused_after_odd == 0, "a connection with an odd answer was used again"


def test_a_response_without_framing_ends_with_its_connection_and_is_not_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    first = b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil the end"
    with OddUpstream(first, close_after=True) as odd, gateway_before(odd.port, tmp_path) as p:
        with httpx.Client(base_url=f"http://127.0.0.1:{p.gateway}", timeout=10) as c:
            h = {"Authorization": p.auth("uni_a_admin")}
            r = c.get("/api/training/x", headers=h)
            assert r.status_code == 200
            assert r.content == b"until the end"
            assert c.get("/api/training/x", headers=h).content == b'{"ok": true}\n'  # on a new connection
        assert odd.reused_after_odd == 0


def test_a_service_that_dies_mid_response_costs_only_that_response(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    first = b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly part"
    with OddUpstream(first, close_after=True) as odd, gateway_before(odd.port, tmp_path) as p:
        h = {"Authorization": p.auth("uni_a_admin")}
        with pytest.raises(httpx.HTTPError):  # the client sees a broken response, never a complete wrong one
            httpx.get(f"http://127.0.0.1:{p.gateway}/api/training/x", headers=h, timeout=10)
        assert odd.reused_after_odd == 0


# -- under fire -------------------------------------------------------------------------------------------------------
def _poison(platform: Platform, n: int, errors: list[str]) -> None:
    """One attempt of four kinds in turn, each as an attacker from university A would make it."""
    auth = f"Authorization: {platform.auth('uni_a_admin')}"
    kind = n % 4
    attacker = Raw(platform.gateway, timeout=5)
    try:
        if kind == 0:  # early answer, unsent Content-Length body, then a request hidden in the rest
            attacker.send(head("POST", "/api/training/nope", auth, f"Content-Length: {HUGE}") + b"0123456789")
            attacker.response()
            with contextlib.suppress(OSError):
                attacker.send(smuggled(platform, "uni_a_admin"))
        elif kind == 1:  # early answer, unsent chunked body
            attacker.send(head("POST", "/api/training/nope", auth, "Transfer-Encoding: chunked") + b"3\r\nabc\r\n")
            attacker.response()
            payload = smuggled(platform, "uni_a_admin")
            with contextlib.suppress(OSError):
                attacker.send(b"%x\r\n%s\r\n" % (len(payload), payload))
        elif kind == 2:  # disconnect mid-body
            attacker.send(head("POST", "/api/training/echo", auth, f"Content-Length: {HUGE}") + b"q" * 1000)
        else:  # a small body of exactly the declared length that is itself a request (must be harmless)
            payload = smuggled(platform, "uni_a_admin")
            attacker.send(head("POST", "/api/training/nope", auth, f"Content-Length: {len(payload)}") + payload)
            attacker.response()
    except (OSError, h11.ProtocolError) as exc:
        errors.append(f"attack {n}: {exc!r}")
    finally:
        attacker.close()


def test_two_tenants_are_served_correctly_while_an_attacker_poisons_connections_a_thousand_times(
    platform: Platform,
) -> None:
    stop = threading.Event()
    failures: list[str] = []
    served = {"uni_a_admin": 0, "uni_b_admin": 0}
    slowest = {"uni_a_admin": 0.0, "uni_b_admin": 0.0}

    def tenant(who: str) -> None:
        with httpx.Client(timeout=10) as client:
            while not stop.is_set():
                try:
                    elapsed = victim_check(platform, who, client)
                except (AssertionError, httpx.HTTPError) as exc:
                    failures.append(f"{who}: {exc!r}")
                    continue
                served[who] += 1
                slowest[who] = max(slowest[who], elapsed)

    threads = [threading.Thread(target=tenant, args=(who,)) for who in served]
    for t in threads:
        t.start()
    attack_errors: list[str] = []
    try:
        for n in range(1000):
            _poison(platform, n, attack_errors)
            if len(failures) > 20 or len(attack_errors) > 20:
                break
    finally:
        stop.set()
        for t in threads:
            t.join(30)
    assert failures == [], failures[:5]
    assert attack_errors == [], attack_errors[:5]
    assert min(served.values()) > 50, served
    # Within its normal latency: a generous bound, far below the 3 s read timeout a poisoned connection costs.
    assert max(slowest.values()) < 1.5, slowest
