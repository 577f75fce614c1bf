"""The webhook worker's HTTP client (webhooks/sender.py) against real sockets: kept-alive connections a receiver
closed, TLS with certificate checks, non-public addresses refused at connect, long answers, receivers that hang."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import ssl
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from sanquan_gateway.webhooks.sender import MAX_ANSWER, Sender

HEADERS = [(b"content-type", b"application/json"), (b"webhook-id", b"evt_1")]


class Server:
    """An HTTP/1.1 receiver on asyncio: counts requests, answers as ``answer`` says."""

    def __init__(self, answer: bytes = b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n") -> None:
        self.answer = answer
        self.requests = 0
        self.close_after_answer: float | None = None  # close a kept-alive connection this long after answering
        self.drop_second = False  # close a kept-alive connection when its second request came, without answering
        self.silent = False  # read the request, never answer
        self.server: asyncio.Server | None = None

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            served = 0
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    (int(x.split(b":")[1]) for x in head.split(b"\r\n") if x.lower().startswith(b"content-length:")),
                    0,
                )
                await reader.readexactly(length)
                self.requests += 1
                served += 1
                if self.drop_second and served == 2:
                    break  # as a server whose keep-alive timeout ran out just as the request came
                if self.silent:
                    await asyncio.sleep(30)
                writer.write(self.answer)
                await writer.drain()
                if self.close_after_answer is not None:
                    await asyncio.sleep(self.close_after_answer)
                    break
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    async def start(self, tls: ssl.SSLContext | None = None) -> int:
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", 0, ssl=tls)
        return int(self.server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()


def run(test: Callable[[], Awaitable[Any]]) -> Any:
    return asyncio.run(test())


def test_a_kept_alive_connection_the_receiver_closed_is_retried_once_on_a_new_one() -> None:
    async def go() -> None:
        srv = Server()
        srv.drop_second = True
        port = await srv.start()
        sender = Sender(timeout=2, public_only=False)
        url = f"http://127.0.0.1:{port}/hooks"
        assert await sender.post(url, HEADERS, b"{}") == (204, None)
        # the pool's connection is closed by the receiver when the next request arrives: sent again on a new one
        assert await sender.post(url, HEADERS, b"{}") == (204, None)
        assert srv.requests == 3
        sender.close()
        await srv.stop()

    run(go)


def test_a_connection_closed_while_idle_is_not_used_again() -> None:
    async def go() -> None:
        srv = Server()
        srv.close_after_answer = 0.05
        port = await srv.start()
        sender = Sender(timeout=2, public_only=False)
        url = f"http://127.0.0.1:{port}/hooks"
        assert await sender.post(url, HEADERS, b"{}") == (204, None)
        await asyncio.sleep(0.2)  # the receiver closed the connection the pool keeps
        assert await sender.post(url, HEADERS, b"{}") == (204, None)
        assert srv.requests == 2  # each delivery once: the closed connection carried nothing
        sender.close()
        await srv.stop()

    run(go)


def test_connections_are_kept_alive_between_deliveries() -> None:
    async def go() -> None:
        srv = Server()
        port = await srv.start()
        sender = Sender(timeout=2, public_only=False)
        for _ in range(5):
            assert await sender.post(f"http://127.0.0.1:{port}/a?x=1", HEADERS, b"{}") == (204, None)
        (pool,) = sender.pools.values()
        assert len(pool.idle) == 1  # one connection carried the five
        sender.close()
        await srv.stop()

    run(go)


def test_a_non_public_address_is_refused_before_connecting_when_private_targets_are_not_allowed() -> None:
    async def go() -> None:
        srv = Server()
        port = await srv.start()
        sender = Sender(timeout=2, public_only=True)
        for host in ("127.0.0.1", "localhost"):
            assert await sender.post(f"http://{host}:{port}/hooks", HEADERS, b"{}") == (
                None,
                "the address is not public",
            )
        assert srv.requests == 0
        await srv.stop()

    run(go)


def test_a_receiver_that_does_not_answer_is_a_timeout() -> None:
    async def go() -> None:
        srv = Server()
        srv.silent = True
        port = await srv.start()
        sender = Sender(timeout=0.3, public_only=False)
        assert await sender.post(f"http://127.0.0.1:{port}/hooks", HEADERS, b"{}") == (None, "timeout")
        (pool,) = sender.pools.values()
        assert pool.idle == []  # the connection is not kept
        await srv.stop()

    run(go)


def test_a_refused_connection_and_a_long_answer() -> None:
    async def go() -> None:
        srv = Server(b"HTTP/1.1 500 Oops\r\ncontent-length: %d\r\n\r\n" % (4 * MAX_ANSWER) + b"x" * (4 * MAX_ANSWER))
        port = await srv.start()
        sender = Sender(timeout=2, public_only=False)
        assert await sender.post(f"http://127.0.0.1:{port}/hooks", HEADERS, b"{}") == (500, None)
        (pool,) = sender.pools.values()
        assert pool.idle == []  # not read to its end: closed, not kept
        await srv.stop()
        status, error = await sender.post("http://127.0.0.1:1/hooks", HEADERS, b"{}")
        assert status is None and error is not None and error.startswith("UpstreamUnavailable")

    run(go)


def _certificate(tmp: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=1))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


def test_https_is_sent_over_tls_and_an_untrusted_certificate_is_refused(tmp_path: Path) -> None:
    cert, key = _certificate(tmp_path)

    async def go() -> None:
        server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server_tls.load_cert_chain(cert, key)
        srv = Server()
        port = await srv.start(server_tls)
        url = f"https://127.0.0.1:{port}/hooks"
        trusting = Sender(timeout=2, public_only=False, tls=ssl.create_default_context(cafile=str(cert)))
        assert await trusting.post(url, HEADERS, b"{}") == (204, None)
        assert await trusting.post(url, HEADERS, b"{}") == (204, None)
        assert srv.requests == 2
        status, error = await Sender(timeout=2, public_only=False).post(url, HEADERS, b"{}")
        assert status is None and error is not None and "CERTIFICATE_VERIFY_FAILED" in error
        assert srv.requests == 2
        trusting.close()
        await srv.stop()

    run(go)


@pytest.mark.parametrize("url", ["not a url", "http://[::1/x"])
def test_a_broken_url_is_a_failure_not_a_crash(url: str) -> None:
    async def go() -> None:
        status, error = await Sender(timeout=1, public_only=False).post(url, HEADERS, b"{}")
        assert status is None and error

    run(go)
