"""Benchmark through the gateway: the real platform (gateway + services as separate processes, `tests/harness.py`)
with the demo province seeded — which also runs the training demo seeder end to end — then

- a 100,000-row CSV import by a university administrator, end to end through the gateway (target >= 20,000 rows/s);
- a single push (POST /api/training/records) under 32 concurrent clients: median and p99 latency;
- the province compliance report through the gateway (the demo province is small; see training_compliance.py
  for the 100,000-staff province).

    .venv/bin/python bench/training_gateway.py [--backend postgresql|sqlite] [--rows 100000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import httpx

from sanquan_kernel import clock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from training_common import percentile

from tests.harness import Stack

THEMES = ["law;safety", "ideals", "ethics;quality", "ideology", "safety"]


def csv_for(employee_numbers: list[str], rows: int) -> bytes:
    start = clock.today().replace(month=1, day=1)
    span = max((clock.today() - start).days - 1, 1)
    lines = ["employee_no,title,taken_on,hours,days,themes,organizer_level,external_id"]
    for i in range(rows):
        lines.append(
            f"{employee_numbers[i % len(employee_numbers)]},培训课程{i % 113},{start + timedelta(days=i % span)},"
            f"{2 + (i % 15) * 0.5:.2f},{(i % 4) * 0.5:.1f},{THEMES[i % 5]},university,gw-{i}"
        )
    return ("\n".join(lines) + "\n").encode()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--pushes", type=int, default=10)
    args = ap.parse_args()

    with Stack(backend=args.backend, name="benchtraining") as stack:
        t0 = time.perf_counter()
        stack.seed_demo()
        print(
            f"backend={args.backend}: demo province seeded through the gateway in {time.perf_counter() - t0:.1f} s"
            f" (load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores)"
        )
        with stack.client("u1_admin") as admin:
            staff = admin.get("/api/training/staff", params={"limit": 500}).json()["items"]
            numbers = [s["employee_no"] for s in staff]
            content = csv_for(numbers, args.rows)
            t0 = time.perf_counter()
            r = admin.post(
                "/api/training/records/import", files={"file": ("ledger.csv", content, "text/csv")}, timeout=600
            )
            elapsed = time.perf_counter() - t0
            assert r.status_code == 200 and r.json()["accepted"] == args.rows, r.text[:500]
            ok = "OK" if args.rows / elapsed >= 20_000 else "MISSED"
            print(
                f"gateway: import {args.rows:,} rows (.csv {len(content) / 1e6:.1f} MB) {elapsed:6.2f} s "
                f"{args.rows / elapsed:9,.0f} rows/s; target >= 20,000 rows/s: {ok}"
            )

            token = stack.token("u1_admin")
            latencies: list[float] = []
            lock = threading.Lock()
            barrier = threading.Barrier(args.clients)

            def run(k: int) -> None:
                mine = []
                with httpx.Client(base_url=stack.url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as h:
                    barrier.wait()
                    for i in range(args.pushes):
                        body = {
                            "employee_no": numbers[(k * args.pushes + i) % len(numbers)],
                            "title": "推送记录",
                            "taken_on": clock.today().isoformat(),
                            "hours": 2,
                            "days": 0.5,
                            "themes": ["safety"],
                            "organizer_level": "university",
                            "external_id": f"gw-push-{k}-{i}",
                        }
                        t = time.perf_counter()
                        resp = h.post("/api/training/records", json=body)
                        mine.append((time.perf_counter() - t) * 1000)
                        assert resp.status_code == 201, resp.text
                with lock:
                    latencies.extend(mine)

            threads = [threading.Thread(target=run, args=(k,)) for k in range(args.clients)]
            t0 = time.perf_counter()
            for th in threads:
                th.start()
            for th in threads:
                th.join()
            wall = time.perf_counter() - t0
            print(
                f"gateway: single push, {args.clients} concurrent clients x {args.pushes}: median "
                f"{statistics.median(latencies):.1f} ms  p99 {percentile(latencies, 99):.1f} ms  "
                f"({len(latencies) / wall:,.0f} pushes/s)"
            )
        with stack.client("admin") as province:
            times = []
            for _ in range(10):
                t = time.perf_counter()
                rep = province.get("/api/training/compliance", params={"group_by": "university"})
                times.append((time.perf_counter() - t) * 1000)
                assert rep.status_code == 200
            print(
                f"gateway: demo province compliance report median {statistics.median(times):.1f} ms; totals "
                f"{rep.json()['totals']}"
            )


if __name__ == "__main__":
    main()
