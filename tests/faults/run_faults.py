"""The long fault run of issue #8 (``make fault-test``): the scenarios of tests/test_faults.py, repeated under
load, with figures. Loopback only; bounded in rounds and time; stops by itself.

1. Each service stopped (SIGTERM) and killed (SIGKILL) under load, in turn: how fast its routes answer 503, whether
   any other route failed meanwhile, how long until it is served again once started (nothing else restarted).
2. PostgreSQL restarted under load (a private cluster, never the machine's server): what the services answer
   while it is down, and how long they take to recover by themselves.
3. The training service killed at random moments of an import (the synchronous endpoint and import jobs), on
   PostgreSQL and SQLite: the whole file stored or none of it, jobs run again after the restart.
4. Concurrent corrections of one record with the same ``If-Match``: exactly one wins each round.

Prints one summary; exits non-zero when any expectation failed.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.faults.lib import (  # noqa: E402
    PROBES,
    Load,
    PrivatePostgres,
    import_file,
    ledger_state,
    pids,
    wait_until,
)
from tests.harness import SERVICES, Stack  # noqa: E402

failures: list[str] = []
lines: list[str] = []


def expect(ok: bool, what: str) -> None:
    if not ok:
        failures.append(what)
        print(f"  FAILED: {what}", flush=True)


def ms(values: list[float]) -> str:
    if not values:
        return "-"
    return f"p50 {statistics.median(values) * 1000:.0f} ms, max {max(values) * 1000:.0f} ms"


def first_503_latency(stack: Stack, service: str, timeout: float = 10) -> float:
    """Seconds a request to the stopped service's route takes to come back 503."""
    with stack.client("admin") as c:
        started = time.monotonic()
        r = c.get(PROBES[service], timeout=timeout)
        elapsed = time.monotonic() - started
    expect(
        r.status_code == 503 and r.headers.get("content-type", "").startswith("application/problem+json"),
        f"{service} down answered {r.status_code}",
    )
    return elapsed


# -- 1 --------------------------------------------------------------------------------------------------------
def stop_services(stack: Stack, rounds: int) -> None:
    print("1. services stopped under load", flush=True)
    for sig, how in ((signal.SIGTERM, "stopped"), (signal.SIGKILL, "killed")):
        answer_503: list[float] = []
        restart: list[float] = []
        others_ok = others_total = 0
        stray: list[int] = []
        for _ in range(rounds):
            for service in SERVICES:
                before = pids(stack)
                with Load(stack, threads=6) as load:
                    wait_until(lambda load=load: len(load.samples) > 30, 30)
                    stack.kill(service, sig)
                    down = time.monotonic()
                    answer_503.append(first_503_latency(stack, service))
                    time.sleep(2.0)
                    started = time.monotonic()
                    stack.start(only=service)
                    with stack.client("admin") as c:
                        wait_until(lambda c=c, service=service: c.get(PROBES[service]).status_code == 200, 60, 0.05)
                    restart.append(time.monotonic() - started)
                    up = time.monotonic()
                    time.sleep(0.5)
                during = load.between(down, up)
                others = [x for x in during if x.target != service]
                others_total += len(others)
                others_ok += sum(1 for x in others if x.status == 200)
                stray += [x.status for x in during if x.target == service and x.status not in (200, 502, 503)]
                after = pids(stack)
                expect(
                    all(after[k] == v for k, v in before.items() if k != service),
                    f"{service}: another process restarted",
                )
        expect(others_ok == others_total, f"{how}: {others_total - others_ok} requests to other services failed")
        expect(not stray, f"{how}: unexpected answers for the stopped service: {sorted(set(stray))}")
        lines.append(
            f"service {how} under load ({rounds}x each of {len(SERVICES)}): its routes answer 503 in {ms(answer_503)}; "
            f"other routes {others_ok}/{others_total} OK meanwhile; served again {ms(restart)} after start"
        )
        print("  " + lines[-1], flush=True)


# -- 2 --------------------------------------------------------------------------------------------------------
def restart_postgres(pg: PrivatePostgres, stack: Stack, rounds: int, down_seconds: float) -> None:
    print("2. PostgreSQL restarted under load", flush=True)
    recovery: list[float] = []
    latencies_down: list[float] = []
    counts: dict[int, int] = {}
    for _ in range(rounds):
        before = pids(stack)
        with Load(stack, threads=6) as load:
            wait_until(lambda load=load: len(load.samples) > 30, 30)
            pg.stop("fast")
            down = time.monotonic()
            time.sleep(down_seconds)
            pg.start()
            up = time.monotonic()

            def healthy(load: Load = load) -> bool:
                recent = load.between(time.monotonic() - 1.0, time.monotonic())
                return bool(recent) and all(x.status == 200 for x in recent)

            expect(wait_until(healthy, 60, 0.05), "services did not recover after PostgreSQL came back")
            # recovered: the last failed answer after the database was back (none: at once)
            bad = [x.at for x in load.between(up, time.monotonic()) if x.status != 200]
            recovery.append(max(bad, default=up) - up)
        window = load.between(down + 0.5, up)
        for x in window:
            counts[x.status] = counts.get(x.status, 0) + 1
        expect(
            all(x.status in (200, 502, 503) and (x.status == 200 or x.problem) for x in window),
            f"answers while down: {counts}",
        )
        expect(pids(stack) == before, "a process was restarted")
        with stack.client("admin") as c:  # how fast a request is answered while the database is down
            for _ in range(3):
                pg.stop("fast")
                t = time.monotonic()
                r = c.get(PROBES["training"])
                latencies_down.append(time.monotonic() - t)
                expect(r.status_code == 503, f"training with the database down answered {r.status_code}")
                pg.start()
                wait_until(lambda c=c: c.get(PROBES["training"]).status_code == 200, 60, 0.05)
    # every process serves database-backed requests again: a sign-in (the gateway's database) included
    t = time.monotonic()

    def signs_in() -> bool:
        r = httpx.post(
            f"{stack.url}/api/auth/token",
            data={"grant_type": "password", "username": "admin", "password": stack.password},
            timeout=30,
        )
        return r.status_code == 200

    expect(wait_until(signs_in, 60, 0.2), "sign-in did not recover after PostgreSQL came back")
    sign_in = time.monotonic() - t
    lines.append(
        f"PostgreSQL restarted under load ({rounds}x, down {down_seconds:.0f} s): "
        f"answers while down {dict(sorted(counts.items()))}; "
        f"a request with the database down answers in {ms(latencies_down)}; "
        f"the last failure came {ms(recovery)} after it was back; a sign-in works {sign_in * 1000:.0f} ms after"
    )
    print("  " + lines[-1], flush=True)


# -- 3 --------------------------------------------------------------------------------------------------------
def kill_imports(stack: Stack, rounds: int, rows: int, rng: random.Random) -> None:
    print(f"3. training killed during imports on {stack.name}", flush=True)
    outcomes = {"none": 0, "all": 0}
    content, _ = import_file(stack, rows, f"probe-{time.time_ns()}")
    with stack.client("u1_admin") as c:  # how long a whole import takes here, upload to commit
        t = time.monotonic()
        r = c.post("/api/training/records/import", files={"file": ("r.csv", content)}, timeout=300)
        took = time.monotonic() - t
        expect(r.status_code == 200 and r.json()["accepted"] == rows, f"the probe import answered {r.text[:200]}")
    for i in range(rounds):
        content, hours = import_file(stack, rows, f"kill-{time.time_ns()}-{i}")
        before = ledger_state(stack)
        out: dict[str, Any] = {}

        token = stack.token("u1_admin")

        def upload(content: bytes = content, out: dict[str, Any] = out, token: str = token) -> None:
            try:
                r = httpx.post(
                    f"{stack.url}/api/training/records/import",
                    params={"dry_run": "false"},
                    files={"file": ("r.csv", content)},
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=300,
                )
                out["status"] = r.status_code
            except httpx.HTTPError:
                out["status"] = 0

        th = threading.Thread(target=upload)
        th.start()
        time.sleep(rng.uniform(0.2, 1.2) * took)  # from the upload to about the commit
        stack.kill("training")
        th.join(310)
        stack.start(only="training")
        after = ledger_state(stack)
        if after == before:
            outcomes["none"] += 1
        elif after == (before[0] + rows, round(before[1] + hours, 2)):
            outcomes["all"] += 1
        else:
            expect(False, f"partial import: {before} -> {after}")
        if out.get("status") == 200:
            expect(after != before, "the import answered 200 but stored nothing")
    jobs = {"resumed": 0, "finished before the kill": 0}
    for i in range(max(1, rounds // 2)):
        content, hours = import_file(stack, rows, f"job-{time.time_ns()}-{i}")
        before = ledger_state(stack)
        with stack.client("u1_admin") as c:
            url = c.post(
                "/api/training/records/import-jobs", params={"dry_run": "false"}, files={"file": ("r.csv", content)}
            ).json()["url"]
            wait_until(lambda c=c, url=url: c.get(url).json()["status"] != "queued", 60, 0.05)
            time.sleep(rng.uniform(0, 0.5) * took)
            state = c.get(url).json()["status"]
            stack.kill("training")
            stack.start(only="training")
            expect(
                wait_until(lambda c=c, url=url: c.get(url).json()["status"] in ("done", "failed"), 300),
                "job never finished",
            )
            job = c.get(url).json()
        jobs["resumed" if state == "running" else "finished before the kill"] += 1
        expect(job["status"] == "done", f"job {job['status']}: {job.get('error')}")
        expect(ledger_state(stack) == (before[0] + rows, round(before[1] + hours, 2)), "job's records not all stored")
    lines.append(
        f"training SIGKILLed during a {rows}-row import on {stack.name} ({rounds}x, import takes ~{took:.1f} s): "
        f"stored none {outcomes['none']}x, all {outcomes['all']}x, partly never; import jobs {jobs}, all completed"
    )
    print("  " + lines[-1], flush=True)


# -- 4 --------------------------------------------------------------------------------------------------------
def stale_edits(stack: Stack, rounds: int, writers: int = 8) -> None:
    print(f"4. concurrent stale edits on {stack.name}", flush=True)
    year = time.localtime().tm_year
    wins: list[int] = []
    with stack.client("u1_admin") as c:
        staff = c.get("/api/training/staff", params={"limit": 1, "active": True}).json()["items"][0]
        ledger = f"/api/training/staff/{staff['id']}/ledger"
        base = c.get(ledger, params={"year": year}).json()["hours"]
        rec = c.post(
            "/api/training/records",
            json={
                "employee_no": staff["employee_no"],
                "title": "并发",
                "taken_on": f"{year}-01-02",
                "hours": 1,
                "days": 0,
                "themes": ["law"],
                "organizer_level": "university",
            },
        )
        path = f"/api/training/records/{rec.json()['id']}"
        for r in range(rounds):
            etag = c.get(path).headers["etag"]
            barrier = threading.Barrier(writers)

            def patch(h: int, etag: str = etag, barrier: threading.Barrier = barrier) -> int:
                with stack.client("u1_admin") as w:
                    barrier.wait()
                    return w.patch(path, json={"hours": h}, headers={"If-Match": etag}).status_code

            with ThreadPoolExecutor(writers) as pool:
                codes = list(pool.map(patch, [2 + (r * writers + k) % 50 for k in range(writers)]))
            wins.append(codes.count(200))
            expect(sorted(codes) == [200] + [412] * (writers - 1), f"round {r}: {sorted(codes)}")
        final = c.get(path).json()["hours"]
        expect(abs(c.get(ledger, params={"year": year}).json()["hours"] - (base + final)) < 0.01, "totals drifted")
        c.delete(path, headers={"If-Match": c.get(path).headers["etag"]})
    lines.append(
        f"{writers} concurrent corrections with one If-Match on {stack.name}, {rounds} rounds: "
        f"winners per round {sorted(set(wins))}; totals consistent"
    )
    print("  " + lines[-1], flush=True)


@contextlib.contextmanager
def guarded(stack: Stack) -> Iterator[None]:
    """A scenario that breaks off is a failure, not the end of the run; when anything failed, the processes'
    logs outlive the stack (its directory is removed on exit)."""
    try:
        yield
    except Exception as exc:  # noqa: BLE001
        traceback.print_exc()
        failures.append(f"{stack.name}: broke off with {exc!r}")
    if failures:
        target = Path(tempfile.mkdtemp(prefix=f"sanquan-fault-logs-{stack.name}-"))
        for name, log in stack.logs.items():
            shutil.copy(log, target / f"{name}.log")
        print(f"  logs kept in {target}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--pg-down-seconds", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=8)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    started = time.monotonic()
    pg = PrivatePostgres().init()
    try:
        pg.start()
        with Stack(name="faults_pg", extra_env=pg.stack_env()) as stack, guarded(stack):
            stack.seed_demo()
            stop_services(stack, args.rounds)
            restart_postgres(pg, stack, args.rounds, args.pg_down_seconds)
            kill_imports(stack, args.rounds * 2, args.rows, rng)
            stale_edits(stack, args.rounds * 5)
    finally:
        pg.destroy()
    with Stack(name="faults_sqlite") as stack, guarded(stack):
        stack.seed_demo(("training",))
        kill_imports(stack, args.rounds * 2, args.rows, rng)
        stale_edits(stack, args.rounds * 5)
    print(f"\nFault run summary ({time.monotonic() - started:.0f} s; private PostgreSQL cluster and SQLite):")
    for line in lines:
        print(f"- {line}")
    if failures:
        print(f"\n{len(failures)} expectation(s) failed:")
        for f in failures:
            print(f"- {f}")
        return 1
    print("\nall expectations held")
    return 0


if __name__ == "__main__":
    sys.exit(main())
