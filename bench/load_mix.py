"""Load test with a realistic mix, open loop at a fixed arrival rate, loopback only, bounded in time.

Staff browse their ledgers, department managers report progress, campus systems push records, the province and
the universities open dashboards. Reports throughput, p50/p95/p99 latency and the error rate, overall and per kind.
Target (issue #8): >= 300 requests/s with p99 <= 250 ms and zero errors, for 5 minutes on PostgreSQL.

    .venv/bin/python bench/load_mix.py --backend postgresql --rate 300 --seconds 300
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from sanquan_kernel import clock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import open_loop
from bench.open_loop import Request, report, report_timeline, run_loop
from bench.service_cpu import cpu_seconds
from tests.harness import Stack

MIX = {
    "staff_ledger": 35,
    "push_record": 25,
    "manager_progress": 15,
    "province_dashboard": 10,
    "university_reports": 15,
}


REGISTER_PER_UNIVERSITY = 500  # logistics staff per university besides the demo's, each with about a year of records
RECORDS_PER_PERSON = 12


@dataclass
class World:
    year: int
    staff: list[tuple[str, int]] = field(default_factory=list)  # (token, staff id)
    managers: list[tuple[str, int]] = field(default_factory=list)  # (token, task id)
    pushers: list[tuple[str, list[str]]] = field(default_factory=list)  # (campus client token, its employee numbers)
    province: str = ""
    uni_admins: list[str] = field(default_factory=list)


def _register(stack: Stack, n: int, year: int, size: int) -> tuple[str, list[str]]:
    """University ``n``'s HR system (an integration client) and a register of ``size`` more staff spread over its
    departments, each with ``RECORDS_PER_PERSON`` records of the year imported: campus pushes land on a register of
    realistic size, not on the few demo people (whose ledgers would grow by hundreds of records a minute)."""
    with stack.client(f"u{n}_admin") as c:
        me = c.get("/api/auth/me").json()
        client = c.post(
            "/api/clients",
            json={"name": f"load HR {n}", "org_id": me["org_id"], "scopes": ["training:read", "training:write"]},
        ).json()
        demo = c.get("/api/training/staff", params={"limit": 500}).json()["items"]
        departments = sorted({s["department_id"] for s in demo})
        new = [f"L{n}-{k:05d}" for k in range(size)]

        def put(i_no: tuple[int, str]) -> None:
            i, no = i_no
            dept = departments[i % len(departments)]
            body = {"name": f"职工{no}", "department_id": dept, "employment_type": "contract", "active": True}
            r = c.put(f"/api/training/staff/by-employee-no/{no}", json=body)
            if r.status_code >= 300:
                raise SystemExit(f"register {no}: {r.status_code} {r.text}")

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(put, enumerate(new)))
        lines = ["employee_no,title,taken_on,hours,days,themes,organizer_level,external_id"]
        for no in new:
            for k in range(RECORDS_PER_PERSON):
                lines.append(f"{no},岗位培训{k},{year}-01-{1 + k % 28:02d},3.5,0,safety,university,seed-{no}-{k}")
        r = c.post(
            "/api/training/records/import",
            files={"file": (f"register-{n}.csv", "\n".join(lines).encode(), "text/csv")},
            timeout=120,
        )
        if r.status_code != 200:
            raise SystemExit(f"import {n}: {r.status_code} {r.text[:500]}")
    token = stack.client_token(client["client_id"], client["client_secret"])
    return token, [s["employee_no"] for s in demo] + new


def prepare(stack: Stack, register: int) -> World:
    year = clock.today().year
    w = World(year=year)
    w.province = stack.token("admin")
    for n in range(1, 5):
        w.pushers.append(_register(stack, n, year, register))
        w.uni_admins.append(stack.token(f"u{n}_admin"))
        for m in range(1, 4):
            for k in (1, 2):
                try:
                    tok = stack.token(f"u{n}_d{m}_staff{k}")
                except httpx.HTTPError:
                    continue
                mine = httpx.get(f"{stack.url}/api/training/staff", headers={"Authorization": f"Bearer {tok}"})
                items = mine.json().get("items", []) if mine.status_code == 200 else []
                if items:
                    w.staff.append((tok, items[0]["id"]))
            try:
                tok = stack.token(f"u{n}_d{m}_mgr")
            except httpx.HTTPError:
                continue
            plans = (
                httpx.get(
                    f"{stack.url}/api/plans/plans", headers={"Authorization": f"Bearer {tok}"}, params={"year": year}
                )
                .json()
                .get("items", [])
            )
            for plan in (p for p in plans if p.get("status") == "approved"):  # P4: progress on approved plans
                tasks = (
                    httpx.get(
                        f"{stack.url}/api/plans/plans/{plan['id']}/tasks", headers={"Authorization": f"Bearer {tok}"}
                    )
                    .json()
                    .get("items", [])
                )
                mgr_dept = httpx.get(f"{stack.url}/api/auth/me", headers={"Authorization": f"Bearer {tok}"}).json()[
                    "department_id"
                ]
                w.managers += [(tok, t["id"]) for t in tasks if t.get("department_id") == mgr_dept][:3]
    if not (w.staff and w.managers and w.pushers):
        raise SystemExit(f"demo data incomplete: staff={len(w.staff)} managers={len(w.managers)}")
    return w


def analyze(stack: Stack) -> None:
    """Statistics for the rows just created, as autovacuum keeps them in steady operation: without them PostgreSQL
    plans the first minutes' statements for near-empty tables (a sequential scan of every record for one ledger)."""
    if stack.backend != "postgresql":
        return
    import psycopg

    for name, url in stack.env.items():
        if name.endswith("_DATABASE_URL"):
            with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
                conn.execute("ANALYZE")


_counter = itertools.count()


def request_for(kind: str, w: World, run_id: str) -> tuple[str, str, dict[str, str], Any]:
    if kind == "staff_ledger":
        tok, sid = random.choice(w.staff)
        return "GET", f"/api/training/staff/{sid}/ledger?year={w.year}", {"Authorization": f"Bearer {tok}"}, None
    if kind == "push_record":
        n = next(_counter)
        token, employee_nos = random.choice(w.pushers)
        body = {
            "employee_no": random.choice(employee_nos),
            "title": "线上安全教育微课",
            "taken_on": f"{w.year}-03-{1 + n % 28:02d}",
            "hours": 1.5,
            "days": 0,
            "themes": ["safety"],
            "organizer_level": "university",
            "external_id": f"load-{run_id}-{n}",
        }
        return "POST", "/api/training/records", {"Authorization": f"Bearer {token}"}, body
    if kind == "manager_progress":
        tok, task = random.choice(w.managers)
        body = {"status": "in_progress", "percent": random.randint(10, 90), "note": "按计划推进"}
        return "POST", f"/api/plans/tasks/{task}/progress", {"Authorization": f"Bearer {tok}"}, body
    if kind == "province_dashboard":
        path = random.choice(
            [
                f"/api/training/compliance?year={w.year}&group_by=university",
                f"/api/plans/overview?year={w.year}",
                "/api/evaluation/campaigns",
            ]
        )
        return "GET", path, {"Authorization": f"Bearer {w.province}"}, None
    tok = random.choice(w.uni_admins)
    path = random.choice(
        [
            f"/api/training/compliance?year={w.year}&group_by=department",
            f"/api/plans/dashboard?year={w.year}",
            "/api/training/staff?limit=50",
        ]
    )
    return "GET", path, {"Authorization": f"Bearer {tok}"}, None


def _request(kind: str, w: World, run_id: str) -> Request:
    method, path, headers, body = request_for(kind, w, run_id)
    head = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    if body is None:
        return method, path, head, b""
    return method, path, [*head, (b"content-type", b"application/json")], json.dumps(body).encode()


async def run(base: str, w: World, rate: float, seconds: float, max_in_flight: int) -> dict[str, Any]:
    """The mix, open loop (bench/open_loop.py)."""
    run_id = f"{int(time.time())}"
    return await open_loop.run(base, MIX, lambda kind: _request(kind, w, run_id), rate, seconds, max_in_flight)


_run = run_loop


def postmaster_pid() -> int | None:
    import subprocess

    out = subprocess.run(["pgrep", "-o", "-x", "postgres"], capture_output=True, text=True).stdout.split()
    return int(out[0]) if out else None


def our_backends(stack: Stack) -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend connected to this platform's own databases (pid -> seconds). The
    server is shared: the postmaster's children include every other session's tests and benchmarks, which on a
    busy machine were most of the "postgresql" figure."""
    import psycopg

    from sanquan_kernel import testing as kt

    dsn = kt.postgres_admin_url().replace("postgresql+psycopg://", "postgresql://")
    for attempt in range(20):  # the shared server may have no connection free for a moment ("too many clients")
        try:
            with psycopg.connect(dsn, autocommit=True) as conn:
                pids = [
                    r[0]
                    for r in conn.execute(
                        "SELECT pid FROM pg_stat_activity WHERE datname = ANY(%s) AND pid <> pg_backend_pid()",
                        (stack.databases,),
                    )
                ]
            return {pid: cpu_seconds(pid) for pid in pids}
        except psycopg.OperationalError:
            if attempt == 19:
                raise
            time.sleep(0.5)
    return {}


def sessions_opened(stack: Stack) -> int:
    """Connections ever opened to this platform's databases (``pg_stat_database.sessions``, PostgreSQL 14+): the
    difference over a run is the pools' churn — each new connection is a backend forked, authenticated and its
    caches warmed again."""
    import psycopg

    from sanquan_kernel import testing as kt

    dsn = kt.postgres_admin_url().replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn, autocommit=True) as conn:
        row = conn.execute(
            "SELECT coalesce(sum(sessions), 0) FROM pg_stat_database WHERE datname = ANY(%s)", (stack.databases,)
        ).fetchone()
    return int(row[0]) if row else 0


def cpu_snapshot(stack: Stack) -> dict[str, Any]:
    """CPU seconds (user + system) of each service process with its workers, PostgreSQL and this load generator."""
    snap: dict[str, Any] = {name: cpu_seconds(proc.pid) for name, proc in stack.procs.items()}
    pm = postmaster_pid() if stack.backend == "postgresql" else None
    if pm is not None:
        snap["postgresql (whole server)"] = cpu_seconds(pm)
        snap["postgresql"] = our_backends(stack)
        snap["connections opened"] = sessions_opened(stack)
    t = os.times()
    snap["load generator"] = t.user + t.system
    return snap


def report_cpu(before: dict[str, Any], after: dict[str, Any], requests: int) -> None:
    print(f"\nCPU per request of the mix ({requests} requests)")
    total = 0.0
    for name in before:
        if name == "connections opened":
            print(f"{name:26} {after[name] - before[name]:6d}     (to our databases during the run: the pools' churn)")
            continue
        if isinstance(before[name], dict):  # per backend: the ones alive at the end (new ones from zero)
            b, a = before[name], after[name]
            spent = sum(a[pid] - b.get(pid, 0.0) for pid in a)
            gone = len(set(b) - set(a))
            note = f"  ({len(a)} backends of our databases; {gone} ended during the run, not counted)"
        else:
            spent, note = after[name] - before[name], ""
        ms = 1000 * spent / max(1, requests)
        if name == "postgresql (whole server)":
            print(f"{name:26} {ms:6.2f} ms  (every session's backends on the shared server: not in the sum)")
            continue
        total += ms
        print(f"{name:26} {ms:6.2f} ms{note}")
    print(f"{'all':26} {total:6.2f} ms  (two cores: {2000 / total:.0f} req/s at 100 %)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", default="postgresql", choices=["sqlite", "postgresql"])
    parser.add_argument("--rate", type=float, default=300)
    parser.add_argument("--seconds", type=float, default=300)
    parser.add_argument("--max-in-flight", type=int, default=256)
    parser.add_argument("--warmup", type=float, default=20, help="seconds of warm-up before the measured run")
    parser.add_argument("--training-workers", type=int, default=2, help="worker processes of the training service")
    parser.add_argument("--plans-workers", type=int, default=2, help="worker processes of the plans service")
    parser.add_argument("--register", type=int, default=REGISTER_PER_UNIVERSITY, help="more staff per university")
    parser.add_argument("--timeline", type=float, default=0, help="also report p99 per this many seconds")
    parser.add_argument("--cpu", action="store_true", help="also report CPU per request of each process (from /proc)")
    args = parser.parse_args()
    extra = {
        "GATEWAY_LOGIN_MAX_FAILURES_PER_ADDRESS": "100000",
        "LOG_LEVEL": "WARNING",
        "TRAINING_WORKERS": str(args.training_workers),
        "PLANS_WORKERS": str(args.plans_workers),
    }
    with Stack(backend=args.backend, name="load", extra_env=extra) as stack:
        stack.seed_demo()
        w = prepare(stack, args.register)
        analyze(stack)
        # Warm-up, not counted: half the rate, then the full rate, so that pools, prepared statements and caches
        # are filled as in steady operation (a cold start at the full rate costs a few seconds of queueing).
        _run(run(stack.url, w, args.rate / 2, args.warmup / 2, args.max_in_flight))
        _run(run(stack.url, w, args.rate, args.warmup / 2, args.max_in_flight))
        before = cpu_snapshot(stack)
        out = _run(run(stack.url, w, args.rate, args.seconds, args.max_in_flight))
        after = cpu_snapshot(stack)
    report(out, args.rate)
    if args.timeline:
        report_timeline(out["timeline"], args.timeline)
    if args.cpu:
        report_cpu(before, after, sum(len(v) for v in out["results"].values()))


if __name__ == "__main__":
    from calibration import calibrated

    calibrated(main)
