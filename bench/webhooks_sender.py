"""Benchmark (issue #18): the webhook worker's HTTP client alone — N signed POSTs, 32 at once, to a local receiver
in its own process (bench/webhooks_fanout.py's: 204 at once), with httpx's async client (the worker's client until
the lean sender), aiohttp, and the worker's sender (webhooks/sender.py), one after the other in the same run.
Prints each one's CPU per request (this process) and requests/s.

    .venv/bin/python bench/webhooks_sender.py [--requests 3000] [--clients httpx,aiohttp,sender]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import resource
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.webhooks_fanout import httpx_free_port, receiver
from sanquan_gateway.webhooks import signing
from sanquan_gateway.webhooks.sender import Sender

SECRET = "whsec_QmVuY2hCZW5jaEJlbmNoQmVuY2hCZW5jaEJlbmNoMTI="
BODY = (
    b'{"id":"evt_x","type":"plan.returned","timestamp":"2026-12-04T08:00:00Z","subject":"plan:1",'
    b'"university_id":1,"department_id":null,"data":{"plan_id":1}}'
)
CONCURRENCY = 32


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


async def measure(n: int, post: Callable[[int], Awaitable[None]]) -> tuple[float, float]:
    sem = asyncio.Semaphore(CONCURRENCY)

    async def one(i: int) -> None:
        async with sem:
            await post(i)

    await asyncio.gather(*(one(i) for i in range(200)))  # warm-up: connections open
    c0, t0 = cpu(), time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(n)))
    return cpu() - c0, time.perf_counter() - t0


async def with_httpx(url: str, n: int) -> tuple[float, float]:
    import httpx

    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(limits=limits, timeout=10) as http:

        async def post(i: int) -> None:
            r = await http.post(
                url, content=BODY, headers=signing.headers([SECRET], f"evt_{i}", int(time.time()), BODY)
            )
            assert r.status_code == 204

        return await measure(n, post)


async def with_aiohttp(url: str, n: int) -> tuple[float, float]:
    import aiohttp

    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=10)) as http:

        async def post(i: int) -> None:
            headers = signing.headers([SECRET], f"evt_{i}", int(time.time()), BODY)
            async with http.post(url, data=BODY, headers=headers, allow_redirects=False) as r:
                await r.read()
                assert r.status == 204

        return await measure(n, post)


async def with_sender(url: str, n: int) -> tuple[float, float]:
    sender = Sender(timeout=10, public_only=False)

    async def post(i: int) -> None:
        status, error = await sender.post(url, signing.header_list([SECRET], f"evt_{i}", int(time.time()), BODY), BODY)
        assert status == 204, error

    try:
        return await measure(n, post)
    finally:
        sender.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--clients", default="httpx,aiohttp,sender")
    args = ap.parse_args()
    port = httpx_free_port()
    count = mp.Value("q", 0)
    ready = mp.Event()
    rx = mp.Process(target=receiver, args=(port, count, ready), daemon=True)
    rx.start()
    ready.wait(10)
    url = f"http://127.0.0.1:{port}/hooks"
    runs = {"httpx": with_httpx, "aiohttp": with_aiohttp, "sender": with_sender}
    figures = {}
    for name in args.clients.split(","):
        c, w = asyncio.run(runs[name](url, args.requests))
        figures[name] = c
        print(
            f"{name:8} {args.requests} POSTs: {1000 * c / args.requests:6.3f} ms CPU each, {args.requests / w:6.0f}/s"
        )
    rx.terminate()
    if "sender" in figures:
        for name, c in figures.items():
            if name != "sender":
                print(f"{name} / sender CPU per request: {c / figures['sender']:.1f}x")


if __name__ == "__main__":
    from calibration import calibrated

    calibrated(main)
