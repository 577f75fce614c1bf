"""``sanquan_kernel.serve``: bounded request heads on a real server process, spoken to over raw sockets."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

SERVER = textwrap.dedent(
    """
    import sys
    from sanquan_kernel.serve import serve

    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                await send({"type": message["type"] + ".complete"})
                if message["type"] == "lifespan.shutdown":
                    return
        size = 0
        more = True
        while more:
            message = await receive()
            size += len(message.get("body", b""))
            more = message.get("more_body", False)
        body = f"{scope['method']} {scope['path']} {size}".encode()
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    serve(app, host="127.0.0.1", port=int(sys.argv[1]), factory=False)
    """
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, port: int, proc: subprocess.Popen[bytes]) -> None:
        self.port = port
        self.proc = proc

    def connect(self, timeout: float = 10) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=timeout)

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise AssertionError("no VmRSS")


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    port = _free_port()
    env = {**os.environ, "HEADER_TIMEOUT_SECONDS": "1", "MAX_HEADER_BYTES": "65536", "MAX_HEADER_LINE_BYTES": "16384"}
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(port)], env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the test server did not start") from None
                time.sleep(0.05)
        yield Server(port, proc)
    finally:
        proc.terminate()
        proc.wait(10)


_buffers: dict[int, bytes] = {}


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """One response (Content-Length framed); what follows it stays buffered for the next call."""
    data = _buffers.pop(sock.fileno(), b"")
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"closed before a response: {data!r}"
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        assert chunk
        rest += chunk
    _buffers[sock.fileno()] = rest[length:]
    return status, headers, rest[:length]


def closed(sock: socket.socket) -> bool:
    """The server closed the connection (EOF or reset) within the socket's timeout."""
    _buffers.pop(sock.fileno(), None)
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except TimeoutError:
        return False


def request(path: str = "/", headers: str = "", body: bytes = b"") -> bytes:
    length = f"Content-Length: {len(body)}\r\n" if body else ""
    return f"GET {path} HTTP/1.1\r\nHost: t\r\n{headers}{length}\r\n".encode() + body


def test_keep_alive_large_but_allowed_heads_and_pipelining_still_work(server: Server) -> None:
    cookies = "".join(f"X-Part-{i}: {'c' * 8000}\r\n" for i in range(6))  # 48 KB of head, each header < 16 KiB
    with server.connect() as s:
        s.sendall(request("/one", cookies))
        assert read_response(s)[::2] == (200, b"GET /one 0")
        s.sendall(request("/two"))
        assert read_response(s)[::2] == (200, b"GET /two 0")
        s.sendall(request("/three") + request("/four"))  # pipelined
        assert read_response(s)[::2] == (200, b"GET /three 0")
        assert read_response(s)[::2] == (200, b"GET /four 0")


def test_a_body_sent_with_its_head_in_one_piece_is_not_taken_for_head(server: Server) -> None:
    body = b"x" * 300_000
    with server.connect() as s:
        s.sendall(request("/upload", body=body) + request("/after"))
        assert read_response(s)[::2] == (200, b"GET /upload 300000")
        assert read_response(s)[::2] == (200, b"GET /after 0")


def test_an_oversized_head_is_answered_431_and_the_connection_closed(server: Server) -> None:
    many = "".join(f"X-H-{i}: {'v' * 1000}\r\n" for i in range(100))  # 100 KB, every header small
    with server.connect() as s:
        s.sendall(request("/", many))
        status, headers, body = read_response(s)
        assert status == 431
        assert headers["content-type"] == "application/problem+json"
        assert headers["connection"] == "close"
        assert b"65536 bytes" in body
        assert closed(s)


def test_one_huge_header_and_a_huge_target_are_refused(server: Server) -> None:
    with server.connect() as s:
        s.sendall(request("/", f"Cookie: {'c' * 20_000}\r\n"))
        status, _, body = read_response(s)
        assert status == 431 and b"A request header is larger than 16384 bytes" in body
        assert closed(s)
    with server.connect() as s:
        s.sendall(request("/" + "p" * 20_000))
        assert read_response(s)[0] == 414
        assert closed(s)


def test_a_head_that_never_completes_is_closed_after_the_timeout(server: Server) -> None:
    with server.connect(timeout=15) as s:  # slowloris: a header line now and then, never the blank line
        s.sendall(b"GET / HTTP/1.1\r\nHost: t\r\n")
        for i in range(3):
            try:
                s.sendall(f"X-Slow-{i}: 1\r\n".encode())
            except OSError:
                break
            time.sleep(0.5)
        assert closed(s)
    with server.connect(timeout=15) as s:  # a connection that never sends a byte
        assert closed(s)
    with server.connect(timeout=15) as s:  # after a complete request, the next head has its own deadline
        s.sendall(request("/first"))
        assert read_response(s)[0] == 200
        s.sendall(b"GET /second HTTP/1.1\r\n")
        assert closed(s)


def test_unfinished_heads_do_not_grow_the_servers_memory(server: Server) -> None:
    before = server.rss_kib()
    line = b"X-Fill: " + b"f" * 1000 + b"\r\n"
    chunk = line * 1000  # ~1 MB of valid header lines, the head never finished
    refused = 0
    socks = [server.connect() for _ in range(8)]
    try:
        for s in socks:
            try:
                s.sendall(b"GET / HTTP/1.1\r\nHost: t\r\n")
                for _ in range(8):  # 8 MB per connection, 64 MB in all
                    s.sendall(chunk)
            except OSError:
                refused += 1
    finally:
        for s in socks:
            s.close()
    grown_mib = (server.rss_kib() - before) / 1024
    assert refused == 8, "the server kept reading an endless head"
    assert grown_mib < 16, f"the server grew by {grown_mib:.0f} MiB"


def test_private_files_tightens_what_an_earlier_version_left_readable(tmp_path: Path) -> None:
    from sanquan_kernel.serve import private_files

    data = tmp_path / "data"
    (data / "keys").mkdir(parents=True, mode=0o755)
    (data / "keys").chmod(0o755)
    (data / "gateway.db").write_bytes(b"x")
    (data / "gateway.db").chmod(0o644)
    (data / "keys" / "k.pem").write_bytes(b"k")
    (data / "keys" / "k.pem").chmod(0o640)
    (tmp_path / "elsewhere").write_bytes(b"y")
    (tmp_path / "elsewhere").chmod(0o644)
    (data / "link").symlink_to(tmp_path / "elsewhere")
    old = os.umask(0o022)
    try:
        private_files(data)
        assert os.umask(0o022) == 0o077
    finally:
        os.umask(old)
    modes = {p.name: oct(p.lstat().st_mode & 0o777) for p in [data, *data.rglob("*")] if not p.is_symlink()}
    assert modes == {"data": "0o700", "keys": "0o700", "gateway.db": "0o600", "k.pem": "0o600"}
    assert (tmp_path / "elsewhere").stat().st_mode & 0o777 == 0o644  # a link's target is not ours to change
