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

``--worker-only [--baseline REF]``: the delivery worker alone, side by side with the worker of git commit ``REF``
(its worker.py and repository.py, loaded from git), no platform and no seed (on a machine too busy for the demo's
seed): a fresh gateway database with the 160 endpoints and ``--events`` pending deliveries, the worker in this
process, the receiver in its own; rounds alternate baseline / current (``--rounds``), each sends every delivery
once; prints deliveries/s and this process's CPU per delivery (the worker's: claim, sign, send, record).

    .venv/bin/python bench/webhooks_fanout.py --worker-only --baseline b26c5e5 --events 10000 [--backend sqlite]

``--intake-only [--baseline REF]``: the event intake alone (``events.service.take``, what ``POST /internal/events``
runs after validating the body: the events stored, the notifications' recipients asked, the deliveries written),
in a process of its own per round on a fresh gateway database with the 160 endpoints, side by side with the
gateway source of git commit ``REF`` (``git archive`` of gateway/src, first on the path); ``--events`` in batches
of ``--batch``, one transaction each as the intake has; prints events/s, deliveries written/s and CPU per event.

    .venv/bin/python bench/webhooks_fanout.py --intake-only --baseline aa7867d --events 10000 [--backend sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import multiprocessing as mp
import os
import signal
import statistics
import subprocess
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

from bench.load_mix import _run, prepare, run
from bench.open_loop import pct
from bench.service_cpu import cpu_seconds
from sanquan_gateway.accounts.models import Client
from sanquan_gateway.webhooks.models import WebhookEndpoint
from tests.harness import ROOT, Stack, service_command

SERVICE_SECRET = "bench-webhooks-service-secret-0123456789"
ENDPOINTS = 160
BASE_UNIVERSITY = 900_000


def receiver(port: int, count: Any, ready: Any, distinct: Any = None) -> None:
    """A minimal HTTP/1.1 keep-alive server: reads each request with its body, answers 204, counts; ``distinct``:
    also counts the ``webhook-id``s not seen before (a delivery sent again, e.g. after a timeout, counts once)."""
    seen: set[bytes] = set()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n"):
                    if line[:15].lower() == b"content-length:":
                        length = int(line[15:])
                    elif distinct is not None and line[:11].lower() == b"webhook-id:" and line not in seen:
                        seen.add(line)
                        with distinct.get_lock():
                            distinct.value += 1
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


def inject(
    base: str, token: str, events: int, batch: int, started: list[float], took: list[float] | None = None
) -> None:
    """As a service's relay sends: one batch after the other. ``took``: each batch's seconds, retries included."""
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
            t0 = time.perf_counter()
            for attempt in range(100):  # as a relay does: a shed or failed batch is sent again, after a pause
                r = http.post("/internal/events", json=body)
                if r.status_code == 200:
                    break
                if r.status_code not in (429, 502, 503, 504):
                    r.raise_for_status()
                time.sleep(min(2.0, 0.1 * (attempt + 1)))
            else:
                r.raise_for_status()
            if took is not None:
                took.append(time.perf_counter() - t0)


P50: dict[str, float] = {}  # each round's p50 by its name (the final table's p50 ratio, less noisy than the p99)


def summary(name: str, out: dict[str, Any]) -> float:
    lat = [v for vs in out["results"].values() for v in vs]
    P50[name] = pct(lat, 50)
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
    ap.add_argument("--modes", default="thread,process", help="where the worker runs, in this order each round")
    ap.add_argument("--nice", type=int, default=10, help="the worker process's niceness (process mode)")
    ap.add_argument("--limit", type=float, default=1.25, help="B's p99 at most this times the mean of the A rounds")
    ap.add_argument("--step", type=float, default=2.0, help="seconds per line of round B's timeline")
    ap.add_argument("--worker-only", action="store_true", help="the delivery worker alone, beside a baseline's")
    ap.add_argument("--baseline", default="b26c5e5", help="--worker-only: the baseline worker's commit, or none")
    ap.add_argument("--rounds", type=int, default=1, help="rounds of each mode (--worker-only: of each worker)")
    ap.add_argument("--intake-only", action="store_true", help="the event intake alone, beside a baseline's")
    ap.add_argument("--intake-round", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.intake_round:
        intake_round(args)
        return
    if args.intake_only:
        intake_only(args)
        return
    if args.worker_only:
        worker_only(args)
        return

    fanout(args)


def start_worker(stack: Stack, nice: int) -> subprocess.Popen[bytes]:
    """The delivery worker in a process of its own, as ``make run`` and compose run it."""
    log = stack.data_dir / "webhooks.log"
    return subprocess.Popen(
        service_command("gateway", "webhooks", "--nice", str(nice)),
        cwd=ROOT,
        env=stack.env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop_worker(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is not None and proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(15)


def use_mode(stack: Stack, mode: str, nice: int, worker: subprocess.Popen[bytes] | None) -> Any:
    """The gateway restarted with its worker thread on (``thread``: as before) or off and the worker process
    started (``process``)."""
    stop_worker(worker)
    stack.kill("gateway", signal.SIGTERM)
    stack.env["GATEWAY_WEBHOOK_WORKER"] = "true" if mode == "thread" else "false"
    stack.start(only="gateway")
    return start_worker(stack, nice) if mode == "process" else None


def sample(count: Any, every: float, out: list[tuple[float, int]], stop: threading.Event) -> None:
    while not stop.is_set():
        out.append((time.perf_counter(), count.value))
        stop.wait(every)


def timeline(out_b: dict[str, Any], t_b: float, samples: list[tuple[float, int]], step: float) -> list[str]:
    """Per ``step`` seconds of round B: requests sent, their p50/p99 and the deliveries the receiver got."""
    slices: dict[int, list[float]] = {}
    for sent, took in out_b["timeline"]:
        slices.setdefault(int(sent // step), []).append(took)
    got: dict[int, int] = {}
    for (t0, c0), (_, c1) in itertools.pairwise(samples):
        got[int((t0 - t_b) // step)] = got.get(int((t0 - t_b) // step), 0) + (c1 - c0)
    lines = [f"{'from s':>7} {'sent':>5} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'deliv/s':>8}"]
    for k in sorted(set(slices) | {g for g in got if g >= 0 and got[g]}):
        vs = slices.get(k, [])
        p50, p99 = (pct(vs, 50), pct(vs, 99)) if vs else (0.0, 0.0)
        top = max(vs) * 1000 if vs else 0.0
        lines.append(f"{k * step:7.0f} {len(vs):5} {p50:7.1f} {p99:7.1f} {top:7.1f} {got.get(k, 0) / step:8.0f}")
    return lines


def fanout(args: argparse.Namespace) -> None:
    port = httpx_free_port()
    requests = mp.Value("q", 0)
    count = mp.Value("q", 0)  # distinct deliveries (webhook-id)
    ready = mp.Event()
    rx = mp.Process(target=receiver, args=(port, requests, ready, count), daemon=True)
    rx.start()
    ready.wait(10)
    extra = {
        "GATEWAY_LOGIN_MAX_FAILURES_PER_ADDRESS": "100000",
        "LOG_LEVEL": "WARNING",
        "PLANS_SERVICE_CLIENT_SECRET": SERVICE_SECRET,
    }
    modes = args.modes.split(",")
    results: dict[str, list[dict[str, Any]]] = {m: [] for m in modes}
    worker: subprocess.Popen[bytes] | None = None
    with Stack(backend=args.backend, name="whfan", extra_env=extra) as stack:
        stack.seed_demo()
        w = prepare(stack, args.register)
        gateway_db = stack.env.get("GATEWAY_DATABASE_URL") or f"sqlite:///{stack.data_dir}/gateway.db"
        add_endpoints(gateway_db, f"http://127.0.0.1:{port}/hooks")
        load_before = os.getloadavg()[0]
        try:
            for r in range(args.rounds):
                for mode in modes:
                    worker = use_mode(stack, mode, args.nice, worker)
                    token = stack.client_token("svc-plans", SERVICE_SECRET)
                    _run(run(stack.url, w, args.rate, 5, 256))  # warm-up after the restart, not counted
                    res: dict[str, Any] = {"load": os.getloadavg()[0]}
                    gw_a = cpu_seconds(stack.procs["gateway"].pid)
                    res["a1"] = summary(
                        f"{r + 1} {mode:7} A alone", _run(run(stack.url, w, args.rate, args.seconds, 256))
                    )
                    res["gw_a"] = cpu_seconds(stack.procs["gateway"].pid) - gw_a
                    before, requests_before = count.value, requests.value
                    started: list[float] = []
                    posts: list[float] = []
                    samples: list[tuple[float, int]] = []
                    halt = threading.Event()
                    sampler = threading.Thread(target=sample, args=(count, 0.25, samples, halt), daemon=True)
                    sampler.start()
                    injector = threading.Thread(
                        target=inject, args=(stack.url, token, args.events, args.batch, started, posts)
                    )
                    gw = stack.procs["gateway"].pid
                    cpu0 = {"gateway": cpu_seconds(gw), "worker": cpu_seconds(worker.pid) if worker else 0.0}
                    t_b = time.perf_counter()
                    injector.start()
                    out_b = _run(run(stack.url, w, args.rate, args.seconds, 256))
                    injector.join()
                    injected = time.perf_counter()
                    deadline = time.perf_counter() + 600
                    while count.value < before + args.events and time.perf_counter() < deadline:
                        time.sleep(0.02)
                    done = time.perf_counter()
                    halt.set()
                    sampler.join()
                    cpu1 = {"gateway": cpu_seconds(gw), "worker": cpu_seconds(worker.pid) if worker else 0.0}
                    res["b"] = summary(f"{r + 1} {mode:7} B + fan-out", out_b)
                    res["a2"] = summary(
                        f"{r + 1} {mode:7} A alone after", _run(run(stack.url, w, args.rate, args.seconds, 256))
                    )
                    res["p50"] = [P50[f"{r + 1} {mode:7} {k}"] for k in ("A alone", "B + fan-out", "A alone after")]
                    res["delivered"] = count.value - before
                    res["requests"] = requests.value - requests_before
                    res["seconds"] = done - started[0]
                    res["intake_seconds"] = injected - started[0]
                    res["cpu"] = {k: cpu1[k] - cpu0[k] for k in cpu0}
                    res["posts"] = (1000 * statistics.median(posts), 1000 * max(posts), len(posts))
                    res["timeline"] = timeline(out_b, t_b, samples, args.step)
                    results[mode].append(res)
                    verdict(mode, res, args.limit)
        finally:
            stop_worker(worker)
    rx.terminate()
    print(f"\nload average (1 min): {load_before:.2f} at the start, {os.getloadavg()[0]:.2f} at the end")
    print(
        f"\n{'':10} {'deliv/s':>8} {'e2e s':>6} {'intake s':>8} {'A p99':>7} {'B p99':>7} {'A p99':>7} "
        f"{'B/A':>5} {'p50 B/A':>7} {'gw CPU s':>8} {'wk CPU s':>8}  unchanged (B ≤ {args.limit:.2f}× mean A)"
    )
    for mode, rs in results.items():
        for res in rs:
            base = statistics.mean([res["a1"], res["a2"]])
            cpu = res["cpu"]
            print(
                f"{mode:10} {res['delivered'] / res['seconds']:8.0f} {res['seconds']:6.1f} "
                f"{res['intake_seconds']:8.1f} {res['a1']:7.1f} {res['b']:7.1f} {res['a2']:7.1f} "
                f"{res['b'] / base:5.2f} {res['p50'][1] / statistics.mean([res['p50'][0], res['p50'][2]]):7.2f} "
                f"{cpu['gateway']:8.1f} {cpu['worker']:8.1f}  "
                f"{'yes' if res['b'] <= args.limit * base else 'NO'}"
            )
    if len(results) == 2:
        (m1, r1), (m2, r2) = results.items()
        ratio = [x["b"] / statistics.mean([x["a1"], x["a2"]]) for x in r1]
        ratio2 = [x["b"] / statistics.mean([x["a1"], x["a2"]]) for x in r2]
        print(
            f"side by side (median of {args.rounds}): B/A {m1} {statistics.median(ratio):.2f}, {m2} "
            f"{statistics.median(ratio2):.2f}; deliveries/s {m1} "
            f"{statistics.median(x['delivered'] / x['seconds'] for x in r1):.0f}, {m2} "
            f"{statistics.median(x['delivered'] / x['seconds'] for x in r2):.0f}"
        )


def verdict(mode: str, res: dict[str, Any], limit: float) -> None:
    """The definition (docs/decisions.md, "Webhook fan-out: the worker in a process of its own"): the fan-out
    meets #18 when it delivers ≥ 500/s end to end (first event posted → the receiver has them all) and the load
    mix's p99 during it (B) is at most ``limit`` (1.25) times the mean p99 of the mix alone just before and just
    after it (A), in the same run."""
    base = statistics.mean([res["a1"], res["a2"]])
    rate = res["delivered"] / res["seconds"]
    ok = rate >= 500 and res["b"] <= limit * base
    print("\n".join(res["timeline"]))
    posts = res["posts"]
    print(
        f"{mode}: {res['delivered']} delivered ({res['requests']} requests: the rest sent again) in "
        f"{res['seconds']:.1f} s = {rate:.0f}/s (intake done at "
        f"{res['intake_seconds']:.1f} s: {posts[2]} batches of the relay, {posts[0]:.0f} ms median, {posts[1]:.0f} ms "
        f"at most); API p99 {res['b']:.1f} ms during vs {base:.1f} ms alone = {res['b'] / base:.2f}× (limit "
        f"{limit:.2f}×; A after / A before {res['a2'] / res['a1']:.2f}: this run's own noise); CPU s gateway "
        f"{res['cpu']['gateway']:.1f} (round A alone: {res['gw_a']:.1f}), worker process {res['cpu']['worker']:.1f}; "
        f"load {res['load']:.1f} -> VERDICT {'MET' if ok else 'NOT MET'}\n",
        flush=True,
    )


def baseline_worker(ref: str) -> Any:
    """``DeliveryWorker`` as it was at commit ``ref`` (its worker.py on its repository.py; the rest is today's)."""
    import subprocess
    import types

    def source(name: str) -> str:
        path = f"gateway/src/sanquan_gateway/webhooks/{name}.py"
        return subprocess.run(["git", "show", f"{ref}:{path}"], check=True, capture_output=True, text=True).stdout

    modules: dict[str, Any] = {}
    for name in ("repository", "worker"):
        mod = types.ModuleType(f"baseline_webhooks_{name}")
        sys.modules[mod.__name__] = mod  # dataclasses look their module up
        code = source(name)
        if name == "worker":
            code = code.replace("from sanquan_gateway.webhooks import repository as repo\n", "")
            mod.__dict__["repo"] = modules["repository"]
        exec(compile(code, f"{ref}:{name}.py", "exec"), mod.__dict__)
        modules[name] = mod
    return modules["worker"].DeliveryWorker


def worker_only(args: argparse.Namespace) -> None:
    import resource
    import tempfile

    from sqlalchemy import update
    from sqlalchemy.orm import sessionmaker

    from sanquan_gateway.config import Settings
    from sanquan_gateway.events.models import Event
    from sanquan_gateway.main import create_app  # noqa: F401 - every model on Base.metadata
    from sanquan_gateway.models import Base
    from sanquan_gateway.webhooks.models import WebhookDelivery
    from sanquan_gateway.webhooks.worker import DeliveryWorker

    port = httpx_free_port()
    count = mp.Value("q", 0)
    ready = mp.Event()
    rx = mp.Process(target=receiver, args=(port, count, ready), daemon=True)
    rx.start()
    ready.wait(10)
    tmp = tempfile.mkdtemp(prefix="whfan-")
    if args.backend == "sqlite":
        url = f"sqlite:///{tmp}/gateway.db"
    else:
        name = f"whfan_{os.getpid()}"
        admin = create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f"DROP DATABASE IF EXISTS {name}"))
            c.execute(text(f"CREATE DATABASE {name}"))
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    now = datetime.now(UTC)
    with engine.begin() as c:
        c.execute(
            insert(Client),
            [{"client_id": "bench", "name": "bench", "secret_hash": "x", "role": "integration", "scopes": ""}],
        )
    add_endpoints(url, f"http://127.0.0.1:{port}/hooks")
    with engine.begin() as c:
        c.execute(
            insert(Event),
            [
                {
                    "id": f"evt_{k:032x}",
                    "type": "plan.returned",
                    "source": "plans",
                    "university_id": BASE_UNIVERSITY + k % ENDPOINTS,
                    "subject": f"plan:{k}",
                    "occurred_at": now,
                    "received_at": now,
                    "data": {"plan_id": k, "year": 2026},
                }
                for k in range(args.events)
            ],
        )
        c.execute(
            text(
                "INSERT INTO webhook_delivery (endpoint_id, university_id, event_seq, event_id, event_type, subject,"
                " status, attempts, next_attempt_at, created_at)"
                " SELECT w.id, e.university_id, e.seq, e.id, e.type, e.subject, 'pending', 0, :now, :now"
                " FROM events e JOIN webhook_endpoint w ON w.university_id = e.university_id"
            ),
            {"now": now},
        )
    settings = Settings(
        database_url=url,
        environment="test",
        plans_url="http://127.0.0.1:9",
        training_url="http://127.0.0.1:9",
        evaluation_url="http://127.0.0.1:9",
        spa_dir="/nonexistent",
        webhook_poll_seconds=0.05,
    )
    factory = sessionmaker(engine, expire_on_commit=False)
    workers: dict[str, Any] = {"current": DeliveryWorker}
    if args.baseline != "none":
        workers = {"baseline " + args.baseline: baseline_worker(args.baseline), **workers}
    results: dict[str, list[tuple[float, float]]] = {k: [] for k in workers}
    print(f"{args.events} deliveries to {ENDPOINTS} endpoints, {args.backend}; load average {os.getloadavg()[0]:.2f}")
    for r in range(args.rounds):
        for label, cls in workers.items():
            with engine.begin() as c:
                c.execute(
                    update(WebhookDelivery).values(
                        status="pending", attempts=0, next_attempt_at=datetime.now(UTC), locked_until=None
                    )
                )
            before = count.value
            worker = cls(factory, settings)
            cpu0 = resource.getrusage(resource.RUSAGE_SELF)
            t0 = time.perf_counter()
            worker.start()
            deadline = t0 + 900
            while count.value < before + args.events and time.perf_counter() < deadline:
                time.sleep(0.02)
            wall = time.perf_counter() - t0
            cpu1 = resource.getrusage(resource.RUSAGE_SELF)
            worker.stop()
            got = count.value - before
            cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
            results[label].append((got / wall, 1000 * cpu / max(got, 1)))
            print(
                f"round {r + 1} {label:18} {got} sent in {wall:6.1f} s = {got / wall:6.0f}/s, "
                f"{1000 * cpu / max(got, 1):.2f} ms CPU per delivery (load {os.getloadavg()[0]:.1f})"
            )
    rx.terminate()
    engine.dispose()
    if args.backend != "sqlite":
        admin = create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f"DROP DATABASE IF EXISTS whfan_{os.getpid()} WITH (FORCE)"))
    if len(workers) == 1:
        rate, cpu_ms = (statistics.median(x[i] for x in results["current"]) for i in (0, 1))
        print(f"\nmedian: current {rate:.0f}/s, {cpu_ms:.2f} ms/delivery")
        return
    (base_label, cur_label) = list(workers)
    b_rate = statistics.median(x[0] for x in results[base_label])
    c_rate = statistics.median(x[0] for x in results[cur_label])
    b_cpu = statistics.median(x[1] for x in results[base_label])
    c_cpu = statistics.median(x[1] for x in results[cur_label])
    print(
        f"\nmedian: {base_label} {b_rate:.0f}/s, {b_cpu:.2f} ms/delivery; current {c_rate:.0f}/s, "
        f"{c_cpu:.2f} ms/delivery; ratio {c_rate / b_rate:.1f}x the rate, {b_cpu / c_cpu:.1f}x less CPU"
    )


def _fresh_database(backend: str, name: str) -> str:
    import tempfile

    if backend == "sqlite":
        return f"sqlite:///{tempfile.mkdtemp(prefix='whfan-')}/gateway.db"
    admin = create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        c.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def intake_round(args: argparse.Namespace) -> None:
    """One round of --intake-only in this process (whatever sanquan_gateway is first on the path): prints one line
    ``events seconds cpu deliveries``."""
    import resource

    from sqlalchemy import func
    from sqlalchemy.orm import sessionmaker

    from sanquan_gateway.events import service as intake
    from sanquan_gateway.events.schemas import EventIn
    from sanquan_gateway.main import create_app  # noqa: F401 - every model and subscriber
    from sanquan_gateway.models import Base
    from sanquan_gateway.webhooks.models import WebhookDelivery

    url = _fresh_database(args.backend, f"whintake_{os.getpid()}")
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    with engine.begin() as c:
        c.execute(
            insert(Client),
            [{"client_id": "bench", "name": "bench", "secret_hash": "x", "role": "integration", "scopes": ""}],
        )
    add_endpoints(url, "http://127.0.0.1:9/hooks")
    now = datetime.now(UTC)
    batches = [
        [
            EventIn(
                id="evt_" + uuid.uuid4().hex,
                type="plan.returned",
                source="plans",
                university_id=BASE_UNIVERSITY + (k % ENDPOINTS),
                subject=f"plan:{k}",
                occurred_at=now,
                data={"plan_id": k, "year": 2026},
            )
            for k in range(b, min(args.events, b + args.batch))
        ]
        for b in range(0, args.events, args.batch)
    ]
    factory = sessionmaker(engine, expire_on_commit=False)
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    for batch in batches:
        with factory.begin() as session:
            intake.take(session, batch)
    wall = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    with engine.connect() as c:
        deliveries = c.scalar(select(func.count()).select_from(WebhookDelivery))
    engine.dispose()
    if args.backend != "sqlite":
        admin = create_engine("postgresql+psycopg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f"DROP DATABASE IF EXISTS whintake_{os.getpid()} WITH (FORCE)"))
        admin.dispose()
    cpu = (cpu1.ru_utime - cpu0.ru_utime) + (cpu1.ru_stime - cpu0.ru_stime)
    print(f"INTAKE {args.events} {wall:.4f} {cpu:.4f} {deliveries}")


def intake_only(args: argparse.Namespace) -> None:
    import shutil
    import subprocess
    import tempfile

    root = Path(__file__).resolve().parents[1]
    sources: dict[str, str | None] = {"current": None}
    tmp = tempfile.mkdtemp(prefix="whintake-src-")
    if args.baseline != "none":
        archive = subprocess.run(
            ["git", "-C", str(root), "archive", args.baseline, "gateway/src"], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        sources = {"baseline " + args.baseline: f"{tmp}/gateway/src", **sources}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--intake-round", "--backend", args.backend]
    cmd += ["--events", str(args.events), "--batch", str(args.batch)]
    print(
        f"intake: {args.events} events in batches of {args.batch} to {ENDPOINTS} endpoints, {args.backend}; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    results: dict[str, list[tuple[float, float]]] = {k: [] for k in sources}
    for r in range(args.rounds):
        for label, src in sources.items():
            env = dict(os.environ)
            if src is not None:
                env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
            out = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True, cwd=root).stdout
            (line,) = [x for x in out.splitlines() if x.startswith("INTAKE ")]
            n, wall, cpu, deliveries = line.split()[1:]
            rate, cpu_ms = int(n) / float(wall), 1000 * float(cpu) / int(n)
            results[label].append((rate, cpu_ms))
            print(
                f"round {r + 1} {label:18} {n} events in {float(wall):6.2f} s = {rate:6.0f} events/s "
                f"({int(deliveries) / float(wall):6.0f} deliveries/s), {cpu_ms:.3f} ms CPU per event "
                f"(load {os.getloadavg()[0]:.1f})"
            )
    shutil.rmtree(tmp, ignore_errors=True)
    med = {k: tuple(statistics.median(x[i] for x in v) for i in (0, 1)) for k, v in results.items()}
    line = "; ".join(f"{k} {rate:.0f} events/s, {cpu:.3f} ms CPU/event" for k, (rate, cpu) in med.items())
    if len(med) == 2:
        (b_rate, b_cpu), (c_rate, c_cpu) = med.values()
        line += f"; ratio {c_rate / b_rate:.1f}x the rate, {b_cpu / c_cpu:.1f}x less CPU"
    print("\nmedian: " + line)


def httpx_free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


if __name__ == "__main__":
    from calibration import calibrated

    calibrated(main)
