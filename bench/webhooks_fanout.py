"""Benchmark (issue #18): webhook fan-out — 10,000 events to 160 endpoints with a local receiver, and the API's
p99 under the load mix while it runs, side by side with the same load mix without it.

The real platform (tests.harness.Stack, demo data, PostgreSQL by default) with 160 webhook endpoints, one per
university (written straight into the gateway's database for 160 university ids: the fan-out machinery does not
look the universities up, and 160 accounts and clients made through the API would cost minutes of argon2), all
pointing at one local receiver in a process of its own (asyncio, answers 204 at once, counts). The events go in
as the services' relays send them: ``POST /internal/events`` in batches of 200 with a service token. Rounds:

    A  the load mix (bench/load_mix.py's requests, open loop) alone            — the baseline
    B  the same load mix while the 10,000 events are taken in and delivered    — the fan-out
    A  the load mix alone again

Prints deliveries/s (first event posted → the receiver has all 10,000), each round's p50/p99, and the ratio of
B's p99 to the baselines' mean (target: ≥ 500 deliveries/s, ratio within 1 ± 0.10). Then the delivery worker
alone: the 10,000 delivered events queued again at once (as replays, one INSERT … SELECT) and the time until the
receiver has them all — its throughput without the intake in front.

    .venv/bin/python bench/webhooks_fanout.py [--backend postgresql|sqlite] [--rate 60] [--seconds 25]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import statistics
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, insert, select, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.load_mix import _run, pct, prepare, run
from bench.service_cpu import cpu_seconds
from sanquan_gateway.accounts.models import Client
from sanquan_gateway.webhooks.models import WebhookEndpoint
from tests.harness import Stack

SERVICE_SECRET = "bench-webhooks-service-secret-0123456789"
ENDPOINTS = 160
BASE_UNIVERSITY = 900_000


def receiver(port: int, count: Any, ready: Any) -> None:
    """A minimal HTTP/1.1 keep-alive server: reads each request with its body, answers 204, counts."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                if length:
                    await reader.readexactly(length)
                writer.write(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n")
                with count.get_lock():
                    count.value += 1
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", port, backlog=1024)
        ready.set()
        async with server:
            await server.serve_forever()

    asyncio.run(main())


def add_endpoints(database_url: str, url: str) -> None:
    engine = create_engine(database_url)
    now = datetime.now(UTC)
    with engine.begin() as c:
        client_pk = c.scalar(select(Client.id).where(Client.role == "integration").limit(1))
        if client_pk is None:
            raise SystemExit("the demo has no integration client")
        c.execute(
            insert(WebhookEndpoint),
            [
                {
                    "university_id": BASE_UNIVERSITY + i,
                    "client_pk": client_pk,
                    "url": url,
                    "description": "bench",
                    "event_types": ["plan.returned"],
                    "active": True,
                    "secret": "whsec_" + "QmVuY2hCZW5jaEJlbmNoQmVuY2hCZW5jaEJlbmNoMTI=",
                    "consecutive_failures": 0,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
                for i in range(ENDPOINTS)
            ],
        )
    engine.dispose()


def queue_again(database_url: str) -> float:
    """Every delivered bench delivery queued again (a new pending row each); returns when they were committed."""
    engine = create_engine(database_url)
    with engine.begin() as c:
        c.execute(
            text(
                "INSERT INTO webhook_delivery (endpoint_id, university_id, event_seq, event_id, event_type, subject,"
                " status, attempts, next_attempt_at, created_at, replay_of)"
                " SELECT endpoint_id, university_id, event_seq, event_id, event_type, subject, 'pending', 0,"
                " :now, :now, id FROM webhook_delivery WHERE status = 'delivered' AND university_id >= :base"
            ),
            {"now": datetime.now(UTC), "base": BASE_UNIVERSITY},
        )
    engine.dispose()
    return time.perf_counter()


def inject(base: str, token: str, events: int, batch: int, started: list[float]) -> None:
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
        started.append(time.perf_counter())
        for b in range(0, events, batch):
            body = {
                "events": [
                    {
                        "id": "evt_" + uuid.uuid4().hex,
                        "type": "plan.returned",
                        "source": "plans",
                        "university_id": BASE_UNIVERSITY + (k % ENDPOINTS),
                        "subject": f"plan:{k}",
                        "occurred_at": datetime.now(UTC).isoformat(),
                        "data": {"plan_id": k, "year": 2026},
                    }
                    for k in range(b, min(events, b + batch))
                ]
            }
            for attempt in range(100):  # as a relay does: a shed or failed batch is sent again, after a pause
                r = http.post("/internal/events", json=body)
                if r.status_code == 200:
                    break
                if r.status_code not in (429, 502, 503, 504):
                    r.raise_for_status()
                time.sleep(min(2.0, 0.1 * (attempt + 1)))
            else:
                r.raise_for_status()


def summary(name: str, out: dict[str, Any]) -> float:
    lat = [v for vs in out["results"].values() for v in vs]
    errors = sum(out["errors"].values()) + out["dropped"]
    p99 = pct(lat, 99)
    print(
        f"{name:28} {len(lat):6} req {len(lat) / out['elapsed']:6.1f} req/s  p50 {pct(lat, 50):6.1f} ms  "
        f"p99 {p99:6.1f} ms  errors {errors}"
    )
    return p99


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", default="postgresql", choices=["sqlite", "postgresql"])
    ap.add_argument("--rate", type=float, default=60, help="load mix requests/s")
    ap.add_argument("--seconds", type=float, default=25, help="length of each load mix round")
    ap.add_argument("--events", type=int, default=10_000)
    ap.add_argument("--batch", type=int, default=200, help="events per POST /internal/events (a relay's batch)")
    ap.add_argument("--register", type=int, default=20, help="load mix: more staff per university")
    args = ap.parse_args()

    port = httpx_free_port()
    count = mp.Value("q", 0)
    ready = mp.Event()
    rx = mp.Process(target=receiver, args=(port, count, ready), daemon=True)
    rx.start()
    ready.wait(10)
    extra = {
        "GATEWAY_LOGIN_MAX_FAILURES_PER_ADDRESS": "100000",
        "LOG_LEVEL": "WARNING",
        "PLANS_SERVICE_CLIENT_SECRET": SERVICE_SECRET,
    }
    with Stack(backend=args.backend, name="whfan", extra_env=extra) as stack:
        stack.seed_demo()
        w = prepare(stack, args.register)
        gateway_db = stack.env.get("GATEWAY_DATABASE_URL") or f"sqlite:///{stack.data_dir}/gateway.db"
        add_endpoints(gateway_db, f"http://127.0.0.1:{port}/hooks")
        token = stack.client_token("svc-plans", SERVICE_SECRET)
        _run(run(stack.url, w, args.rate, 8, 256))  # warm-up, not counted
        rounds: list[tuple[str, float]] = []
        load_before = os.getloadavg()[0]
        rounds.append(
            ("A load mix alone", summary("A load mix alone", _run(run(stack.url, w, args.rate, args.seconds, 256))))
        )
        started: list[float] = []
        injector = threading.Thread(target=inject, args=(stack.url, token, args.events, args.batch, started))
        injector.start()
        out_b = _run(run(stack.url, w, args.rate, args.seconds, 256))
        injector.join()
        deadline = time.perf_counter() + 600
        while count.value < args.events and time.perf_counter() < deadline:
            time.sleep(0.05)
        done = time.perf_counter()
        delivered = count.value
        rounds.append(("B load mix + fan-out", summary("B load mix + fan-out", out_b)))
        rounds.append(
            (
                "A load mix alone (after)",
                summary("A load mix alone (after)", _run(run(stack.url, w, args.rate, args.seconds, 256))),
            )
        )
        load_after = os.getloadavg()[0]
        # The worker alone: the events just taken in, each queued again for its endpoint (as a replay does) in one
        # statement, then the time until the receiver has them all (no intake, no load mix).
        drained_from = count.value
        cpu_before = cpu_seconds(stack.procs["gateway"].pid)
        t_drain = queue_again(gateway_db)
        while count.value < drained_from + args.events and time.perf_counter() < t_drain + 600:
            time.sleep(0.02)
        drain_seconds = time.perf_counter() - t_drain
        drained = count.value - drained_from
        gateway_cpu = cpu_seconds(stack.procs["gateway"].pid) - cpu_before
    rx.terminate()
    seconds = done - started[0]
    base = statistics.mean([rounds[0][1], rounds[2][1]])
    print(
        f"\nfan-out: {delivered} of {args.events} events delivered to {ENDPOINTS} endpoints in {seconds:.1f} s "
        f"= {delivered / seconds:.0f} deliveries/s ({args.backend})"
    )
    print(f"API p99 during the fan-out / baseline mean: {rounds[1][1]:.1f} / {base:.1f} ms = {rounds[1][1] / base:.2f}")
    print(
        f"the delivery worker alone: {drained} queued deliveries sent in {drain_seconds:.1f} s "
        f"= {drained / drain_seconds:.0f} deliveries/s; the gateway process used {gateway_cpu:.1f} CPU s "
        f"= {1000 * gateway_cpu / max(1, drained):.2f} ms per delivery ({drained / max(gateway_cpu, 1e-9):.0f} "
        "deliveries per CPU second: the rate one free core would give)"
    )
    print(f"load average (1 min): {load_before:.2f} before, {load_after:.2f} after")


def httpx_free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


if __name__ == "__main__":
    from calibration import calibrated

    calibrated(main)
