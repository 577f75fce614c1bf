"""The service hall's load (S1, issue #20): an open-loop mix of students reporting and following their requests and
departments reading their queues, through the gateway, on a university of a year's requests; and the department
queue's latency over that year (~150,000 requests).

Mix: 25 % a new request (student, Idempotency-Key), 30 % a student's own list, 30 % one of their requests in
detail, 15 % a department's queue (``sort=due``, open statuses). Targets (docs/benchmarks.md): 300 req/s for
5 minutes with p99 ≤ 200 ms and no error; the queue ≤ 50 ms. Printed beside them: a baseline measured in the same
run (the hall's vocabulary through the gateway: token check, proxy, service, no database), the CPU per request of
every process, and the host calibration (bench/calibration.py, at the start and the end), since figures differ between
hosts. The open-loop generator and its report are bench/open_loop.py's, shared with bench/load_mix.py.

Students' tokens are signed with the platform's own key (DATA_DIR/keys), as the gateway's hall sign-in issues them.

    .venv/bin/python bench/hall_mix.py --backend postgresql --rate 300 --seconds 300 --cpu
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import tests.harness as harness
from bench import open_loop
from bench.load_mix import cpu_snapshot, report_cpu
from bench.open_loop import pct, report, report_timeline, run_loop
from sanquan_kernel.tokens import SigningKey, issue_access_token

if "hall" not in harness.SERVICES:  # the hall is started beside the three services
    harness.SERVICES = (*harness.SERVICES, "hall")
_wait_ready = harness.Stack.wait_ready


def _patient_wait_ready(self: harness.Stack, only: str | None = None, timeout: float = 600) -> None:
    _wait_ready(self, only, timeout)  # a shared, loaded host starts five processes slowly


harness.Stack.wait_ready = _patient_wait_ready  # type: ignore[method-assign]

MIX = {"create": 25, "own_list": 30, "own_detail": 30, "queue": 15}
QUEUE = "/api/hall/requests?sort=due&status=new&status=accepted&limit=20"
CATEGORIES = ["repair_dorm", "repair_classroom", "canteen", "utilities", "environment", "property", "suggestion"]


def student_tokens(stack: harness.Stack, university: int, n: int) -> list[str]:
    key = SigningKey.from_pem((stack.data_dir / "keys" / "signing-key.pem").read_bytes())
    out = []
    for i in range(1, n + 1):
        tok, _ = issue_access_token(
            key,
            issuer="sanquan-gateway",
            audience="sanquan-api",
            subject=f"hall:{i}",
            ttl_seconds=4 * 3600,
            claims={
                "role": "student",
                "org_id": university,
                "university_id": university,
                "department_id": None,
                "scope": "",
            },
        )
        out.append(tok)
    return out


def configure(stack: harness.Stack) -> tuple[int, list[int], list[int]]:
    admin = stack.token("u1_admin")
    h = {"Authorization": f"Bearer {admin}"}
    me = httpx.get(f"{stack.url}/api/auth/me", headers=h).json()
    uni = me["university_id"]
    depts = [
        o["id"]
        for o in httpx.get(
            f"{stack.url}/api/orgs", params={"level": "department", "parent_id": uni, "limit": 50}, headers=h
        ).json()["items"]
    ]
    places = []
    for b in range(10):
        bid = httpx.post(
            f"{stack.url}/api/hall/places", json={"kind": "building", "name": f"{b + 1}号楼"}, headers=h
        ).json()["id"]
        places.append(bid)
        for r in range(10):
            places.append(
                httpx.post(
                    f"{stack.url}/api/hall/places",
                    json={"kind": "room", "name": f"{b + 1}-{r + 1:02d}", "parent_id": bid},
                    headers=h,
                ).json()["id"]
            )
    rules = [{"category": c, "department_id": depts[i % len(depts)]} for i, c in enumerate(CATEGORIES)]
    assert httpx.put(f"{stack.url}/api/hall/routing", json={"rules": rules}, headers=h).status_code == 200
    return uni, depts, places


def bulk_requests(
    stack: harness.Stack,
    uni: int,
    depts: list[int],
    places: list[int],
    n: int,
    students: int,
    backlog: bool = False,
) -> dict[int, list[int]]:
    """A year of a 40,000-student university: ``n`` requests over the last 365 days, most of them closed, the rest
    open in the departments' queues; inserted in the hall's database directly (the API would take minutes).

    The open requests whose promises ran out during the year are stored escalated, as the promise-timer job (every
    5 minutes) left them: without it (``backlog``, the bench before 2026-12-05 03:40) the ~15,000 open requests of
    150,000, nearly all breached, were pending, and the job's first run inside the mix escalated them at once — one
    transaction locking them, an event and an outbox row each, the gateway then told of every one —, a burst
    of work that is not the mix's (docs/benchmarks.md, "Hall mix (#20), stop 27")."""
    from sqlalchemy import create_engine, insert, select, text

    from hall.requests.models import HallRequest

    url = stack.env.get("HALL_DATABASE_URL") or f"sqlite:///{stack.data_dir / 'hall.db'}"
    engine = create_engine(url)
    now = datetime.now(UTC)
    rnd = random.Random(20)
    rows = []
    for i in range(n):
        created = now - timedelta(minutes=rnd.randint(10, 365 * 24 * 60))
        status = rnd.choices(["closed", "answered", "accepted", "new"], [85, 5, 6, 4])[0]
        accepted = created + timedelta(minutes=rnd.randint(5, 300)) if status != "new" else None
        resolved = created + timedelta(hours=rnd.randint(1, 96)) if status in ("closed", "answered") else None
        cat = rnd.choice(CATEGORIES)
        is_open = status in ("new", "accepted")
        accept_due, resolve_due, again = (
            created + timedelta(hours=2),
            created + timedelta(hours=48),
            created + timedelta(hours=96),
        )
        escalated = not backlog and is_open
        rows.append(
            {
                "number": f"BXB-{i:07d}",
                "university_id": uni,
                "department_id": rnd.choice(depts),
                "requester_id": rnd.randint(1, students),
                "requester_kind": "student",
                "anonymous": False,
                "category": cat,
                "place_id": rnd.choice(places),
                "description": f"批量的报修内容 {i}",
                "status": status,
                "accept_due_at": accept_due,
                "resolve_due_at": resolve_due,
                "escalate_again_at": again,
                "accepted_at": accepted,
                "resolved_at": resolved,
                "closed_at": resolved if status == "closed" else None,
                "accept_escalated": escalated and status == "new" and accept_due <= now,
                "resolve_escalation": (2 if again <= now else 1 if resolve_due <= now else 0) if escalated else 0,
                "score": rnd.randint(3, 5) if status == "closed" and rnd.random() < 0.5 else None,
                "created_at": created,
                "updated_at": created,
                "version": 1,
            }
        )
    t = time.perf_counter()
    with engine.begin() as c:
        for k in range(0, n, 5000):
            c.execute(insert(HallRequest), rows[k : k + 5000])
        if engine.dialect.name == "postgresql":
            c.execute(text("ANALYZE hall_request"))
        mine: dict[int, list[int]] = defaultdict(list)
        for rid, req in c.execute(select(HallRequest.id, HallRequest.requester_id)):
            mine[req].append(rid)
        pending = c.execute(
            text(
                "SELECT count(*) FROM hall_request WHERE status IN ('new', 'accepted') AND ("
                "(status = 'new' AND NOT accept_escalated AND accept_due_at <= :now) OR "
                "(resolve_escalation = 0 AND resolve_due_at <= :now) OR "
                "(resolve_escalation = 1 AND escalate_again_at <= :now))"
            ),
            {"now": now},
        ).scalar()
    engine.dispose()
    print(f"{n} requests inserted in {time.perf_counter() - t:.1f} s; {pending} with a breach not yet escalated")
    return mine


#: Lines of the processes' logs that say where an error answer came from (the 503s of the mix: the hall's load
#: shedding, its database pool, the database refusing a connection, the gateway not reaching a worker, a worker
#: that uvicorn's supervisor replaced because it missed its ping).
LOG_SIGNS = {
    "pool exhausted (503)": "database pool exhausted",
    "database unavailable (503)": "database unavailable",
    "connection lost (503)": "connection was lost",
    "gateway: upstream unavailable (503)": "unavailable: ",
    "gateway: upstream timed out (504)": "timed out: ",
    "gateway: upstream failed (502)": "upstream hall failed",
    "worker died/replaced": "died",
    "too many clients": "too many clients",
    "unhandled error (500)": "unhandled error",
}


def log_summary(stack: harness.Stack, since: dict[str, int]) -> None:
    """What each process logged about errors since the offsets ``since`` (bytes), and its load shedding
    (the logs run at WARNING: a 503 of the hall's load shedding, ``max_in_flight`` requests at once, is not logged;
    it is the 503s the bench saw less the ones logged here)."""
    print("\nerror signs in the processes' logs during the mix:")
    for name, path in stack.logs.items():
        with path.open("rb") as f:
            f.seek(since.get(name, 0))
            text = f.read().decode(errors="replace")
        found = {sign: text.count(needle) for sign, needle in LOG_SIGNS.items() if needle in text}
        print(f"  {name:12} {found or 'none'}")


def log_offsets(stack: harness.Stack) -> dict[str, int]:
    return {name: path.stat().st_size for name, path in stack.logs.items() if path.exists()}


def hall_workers(stack: harness.Stack) -> set[int]:
    """The hall's uvicorn workers (its supervisor's children): uvicorn replaces a worker that missed its ping for
    5 s (``timeout_worker_healthcheck``) and logs it at INFO, below the stack's WARNING: a changed set shows it."""
    out = subprocess.run(["pgrep", "-P", str(stack.procs["hall"].pid)], capture_output=True, text=True).stdout
    return set(map(int, out.split()))


def job_runs(stack: harness.Stack, mix_started: datetime) -> None:
    """When the hall's promise-timer job last ran, on the mix's clock (seconds from its start)."""
    from sqlalchemy import create_engine, text

    url = stack.env.get("HALL_DATABASE_URL") or f"sqlite:///{stack.data_dir / 'hall.db'}"
    engine = create_engine(url)
    with engine.connect() as c:
        rows = c.execute(text("SELECT name, runs, last_started_at, last_finished_at FROM scheduled_job")).all()
    engine.dispose()
    for name, runs, *times in rows:
        at = []
        for t in times:  # SQLite answers a text() query's instants as text
            t = datetime.fromisoformat(t) if isinstance(t, str) else t
            at.append(
                "-" if t is None else f"{(t.replace(tzinfo=t.tzinfo or UTC) - mix_started).total_seconds():+.0f} s"
            )
        print(f"  job {name}: {runs} runs; the last started {at[0]}, finished {at[1]} from the mix's start")


def timed_gets(base: str, token: str, path: str, n: int) -> list[float]:
    out = []
    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as c:
        for _ in range(n):
            t = time.perf_counter()
            r = c.get(path)
            out.append(time.perf_counter() - t)
            assert r.status_code == 200, r.text[:300]
    return out


def request_for(kind: str, students: list[str], mine: dict[int, list[int]], queues: list[str]) -> open_loop.Request:
    i = random.randrange(len(students))
    if kind == "create":
        body = {"category": random.choice(CATEGORIES), "description": "宿舍的灯坏了，请尽快修理"}
        head = [
            (b"authorization", f"Bearer {students[i]}".encode()),
            (b"content-type", b"application/json"),
            (b"idempotency-key", uuid.uuid4().hex.encode()),
        ]
        return "POST", "/api/hall/requests", head, json.dumps(body).encode()
    if kind == "own_list":
        path, token = "/api/hall/requests?limit=20", students[i]
    elif kind == "own_detail":
        ids = mine.get(i + 1) or [1]
        path, token = f"/api/hall/requests/{random.choice(ids)}", students[i]
    else:
        path, token = QUEUE, random.choice(queues)
    return "GET", path, [(b"authorization", f"Bearer {token}".encode())], b""


async def run(
    base: str,
    students: list[str],
    mine: dict[int, list[int]],
    queues: list[str],
    rate: float,
    seconds: float,
    max_in_flight: int,
) -> dict[str, Any]:
    """The hall's mix, open loop (bench/open_loop.py)."""
    pick = partial(request_for, students=students, mine=mine, queues=queues)
    return await open_loop.run(base, MIX, pick, rate, seconds, max_in_flight)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", default="postgresql", choices=["sqlite", "postgresql"])
    parser.add_argument("--rate", type=float, default=300)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--warmup", type=float, default=10)
    parser.add_argument("--max-in-flight", type=int, default=256)
    parser.add_argument("--requests", type=int, default=150_000, help="a year of requests of one university")
    parser.add_argument("--students", type=int, default=2000, help="students taking part in the mix")
    parser.add_argument("--hall-workers", type=int, default=2)
    parser.add_argument("--queue-samples", type=int, default=200)
    parser.add_argument(
        "--backlog",
        action="store_true",
        help="store the year's breached open requests not escalated (the bench before stop 27): the promise-timer "
        "job's first run in the mix escalates them all",
    )
    parser.add_argument("--cpu", action="store_true")
    parser.add_argument("--timeline", type=float, default=0, help="also report p99 per this many seconds")
    args = parser.parse_args()

    # sign-ins are not what is measured (students' tokens are signed here, staff sign in once): the cheap argon2
    # profile keeps the setup from timing out on a loaded host; the databases keep their durable commits
    env = {"HALL_WORKERS": str(args.hall_workers), "GATEWAY_PASSWORD_HASH_PROFILE": "test"}
    stack = harness.Stack(backend=args.backend, name="hallmix", extra_env=env)
    try:
        stack.start()
        stack.seed_demo(areas=())
        uni, depts, places = configure(stack)
        mine = bulk_requests(stack, uni, depts, places, args.requests, args.students, args.backlog)
        students = student_tokens(stack, uni, args.students)
        queues = [stack.token(f"u1_d{m}_mgr") for m in range(1, len(depts) + 1) if m <= 3]
        queues += [stack.token(f"u1_d{m}_staff1") for m in range(1, 4)]

        # the queue over the year, beside the baseline, interleaved in blocks so that load drifts hit both
        mgr = queues[0]
        timed_gets(stack.url, mgr, QUEUE, 20)  # warm
        q: list[float] = []
        base: list[float] = []
        for _ in range(args.queue_samples // 20):
            q += timed_gets(stack.url, mgr, QUEUE, 20)
            base += timed_gets(stack.url, mgr, "/api/hall/vocabulary", 20)
        print(f"\nqueue of a department over {args.requests} requests (through the gateway, {len(q)} samples):")
        print(f"  queue      p50 {pct(q, 50):6.1f} ms  p95 {pct(q, 95):6.1f} ms  p99 {pct(q, 99):6.1f} ms")
        print(f"  baseline   p50 {pct(base, 50):6.1f} ms  p95 {pct(base, 95):6.1f} ms  (vocabulary, no database)")
        print(f"  ratio p50  {pct(q, 50) / max(pct(base, 50), 1e-6):.2f}x the baseline")

        if args.seconds > 0:  # --seconds 0: the queue alone
            if args.warmup:
                run_loop(run(stack.url, students, mine, queues, args.rate, args.warmup, args.max_in_flight))
            offsets, workers, mix_started = log_offsets(stack), hall_workers(stack), datetime.now(UTC)
            before = cpu_snapshot(stack)
            out = run_loop(run(stack.url, students, mine, queues, args.rate, args.seconds, args.max_in_flight))
            after = cpu_snapshot(stack)
            total = report(out, args.rate)
            if args.timeline:
                report_timeline(out["timeline"], args.timeline)
            if args.cpu:
                report_cpu(before, after, total)
            log_summary(stack, offsets)
            replaced = workers - hall_workers(stack)
            print(f"  hall workers replaced during the mix: {len(replaced)} of {len(workers)} {sorted(replaced) or ''}")
            job_runs(stack, mix_started)
    finally:
        stack.stop()


if __name__ == "__main__":
    from calibration import calibrated

    calibrated(main)
