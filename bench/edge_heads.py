"""Cost and effect of the bounded request heads (``sanquan_kernel.serve``).

1. Server CPU per request on one keep-alive connection, for a trivial ASGI app: uvicorn's httptools protocol vs
   ``BoundedHttpToolsProtocol`` and ``SecurityHeadersMiddleware`` (the process's CPU time over N requests, so the
   client's own work is not counted). Alternating rounds, medians.
2. Memory of a process while 8 connections send 8 MB each of a head that never ends (the finding: 107 → 625 MB).

    .venv/bin/python bench/edge_heads.py [--requests 20000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

SERVER = textwrap.dedent(
    """
    import sys
    import uvicorn
    from sanquan_kernel.middleware import SecurityHeadersMiddleware
    from sanquan_kernel.serve import BoundedHttpToolsProtocol

    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                await send({"type": message["type"] + ".complete"})
                if message["type"] == "lifespan.shutdown":
                    return
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"ok"})

    bounded = sys.argv[2] == "bounded"
    uvicorn.run(
        SecurityHeadersMiddleware(app) if bounded else app,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        http=BoundedHttpToolsProtocol if bounded else "httptools",
        log_config=None,
        access_log=False,
    )
    """
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(kind: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", SERVER, str(port), kind])
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def per_request_cpu(port: int, pid: int, n: int) -> float:
    req = b"GET /x HTTP/1.1\r\nHost: b\r\nAccept: */*\r\nUser-Agent: bench\r\nAuthorization: Bearer " + b"t" * 600
    req += b"\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port)) as s:
        before = cpu_seconds(pid)
        for _ in range(n):
            s.sendall(req)
            data = b""
            while not data.endswith(b"ok"):
                data += s.recv(4096)
        return (cpu_seconds(pid) - before) / n


def flood(port: int, pid: int) -> tuple[float, float]:
    before = rss_mib(pid)
    line = b"X-Fill: " + b"f" * 1000 + b"\r\n"
    chunk = line * 1000
    socks = [socket.create_connection(("127.0.0.1", port), timeout=30) for _ in range(8)]
    for s in socks:
        try:
            s.sendall(b"GET / HTTP/1.1\r\nHost: b\r\n")
            for _ in range(8):
                s.sendall(chunk)
        except OSError:
            pass
    time.sleep(0.5)
    peak = rss_mib(pid)
    for s in socks:
        s.close()
    return before, peak


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=20000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    results: dict[str, list[float]] = {"httptools": [], "bounded": []}
    servers = {kind: start(kind) for kind in results}
    try:
        for proc, port in servers.values():
            per_request_cpu(port, proc.pid, 2000)  # warm up
        for _ in range(args.rounds):
            for kind, (proc, port) in servers.items():
                results[kind].append(per_request_cpu(port, proc.pid, args.requests) * 1e6)
        print(f"server CPU per keep-alive request, median of {args.rounds} rounds of {args.requests}:")
        for kind, values in results.items():
            print(f"  {kind:10} {statistics.median(values):6.1f} µs  (rounds: {', '.join(f'{v:.1f}' for v in values)})")
        print("memory while 8 connections send 8 MB each of an endless head:")
        for kind, (proc, port) in servers.items():
            before, peak = flood(port, proc.pid)
            print(f"  {kind:10} {before:6.0f} MiB -> {peak:6.0f} MiB")
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    from calibration import calibrated

    calibrated(main)
