"""Benchmark through the gateway: the real platform (gateway + services as separate processes, `tests/harness.py`)
with the demo province seeded — which also runs the training demo seeder end to end — then

- a 100,000-row CSV import by a university administrator, end to end through the gateway (target >= 20,000 rows/s);
- beside it, the physical bound measured in the same run: a bare COPY of the same rows into the training database
  (rolled back), before and after the import; the import's ratio to the faster of the two (issue #21: >= 0.9x);
- a single push (POST /api/training/records) under 32 concurrent clients: median and p99 latency;
- batch pushes (POST /api/training/records/batch, 1,000 records each) from a few concurrent clients: records/s,
  beside the single pushes' rate of the same run (issue #21: >= 5,000 records/s, 10x the single pushes);
- the province compliance report through the gateway (the demo province is small; see training_compliance.py
  for the 100,000-staff province).

    .venv/bin/python bench/training_gateway.py [--backend postgresql|sqlite] [--rows 100000] [--batches 20]
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
from sanquan_kernel.db import make_engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from training_common import percentile

from tests.harness import Stack

THEMES = ["law;safety", "ideals", "ethics;quality", "ideology", "safety"]


def csv_for(employee_numbers: list[str], rows: int, tag: str = "gw") -> bytes:
    start = clock.today().replace(month=1, day=1)
    span = max((clock.today() - start).days - 1, 1)
    lines = ["employee_no,title,taken_on,hours,days,themes,organizer_level,external_id"]
    for i in range(rows):
        lines.append(
            f"{employee_numbers[i % len(employee_numbers)]},培训课程{i % 113},{start + timedelta(days=i % span)},"
            f"{2 + (i % 15) * 0.5:.2f},{(i % 4) * 0.5:.1f},{THEMES[i % 5]},university,{tag}-{i}"
        )
    return ("\n".join(lines) + "\n").encode()


def baseline_copy(url: str, staff: list[dict], content: bytes) -> float:
    """The physical bound of the import: the same rows (as the import stores them) written by a bare COPY of
    preformatted text into the training database, nothing else; rolled back. Answers the seconds it took."""
    by_no = {s["employee_no"]: s for s in staff}
    lines = content.decode().splitlines()[1:]
    data = []
    for line in lines:
        no, title, taken_on, hours, days, themes, level, ext = line.split(",")
        s = by_no[no]
        data.append(
            f"{s['id']}\t{s['university_id']}\t{s['department_id']}\t{title}\t{taken_on}\t{taken_on[:4]}\t{hours}\t"
            f"{days}\t{themes.replace(';', ',')}\t{level}\tbase-{ext}\timport\t2025-12-01 00:00:00+00\tbench\t1\n"
        )
    cols = (
        "staff_id, university_id, department_id, title, taken_on, year, hours, days, themes, organizer_level, "
        "external_id, source, created_at, created_by, version"
    )
    eng = make_engine(url, pool_size=1)
    raw = eng.raw_connection()
    t0 = time.perf_counter()
    cur = raw.cursor()
    if url.startswith("postgresql"):
        with cur.copy(f"COPY training_record ({cols}) FROM STDIN") as cp:  # type: ignore[attr-defined]
            cp.write("".join(data))
    else:
        cur.execute("BEGIN")
        cur.executemany(
            f"INSERT INTO training_record ({cols}) VALUES ({','.join('?' * 15)})", [d[:-1].split("\t") for d in data]
        )
    elapsed = time.perf_counter() - t0
    raw.rollback()
    raw.close()
    eng.dispose()
    return elapsed


def batch_pushes(
    url: str, token: str, numbers: list[str], clients: int, batches: int, size: int
) -> tuple[float, list[float]]:
    """``clients`` campus systems each sending ``batches`` batches of ``size`` new records; answers the wall time and
    every batch's latency in ms."""
    latencies: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients + 1)

    def run(k: int) -> None:
        mine = []
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120) as h:
            bodies = [
                {
                    "records": [
                        {
                            "employee_no": numbers[(j * size + i) % len(numbers)],
                            "title": "批量推送记录",
                            "taken_on": clock.today().isoformat(),
                            "hours": 2,
                            "days": 0.5,
                            "themes": ["safety", "law"],
                            "organizer_level": "university",
                            "external_id": f"gw-batch-{k}-{j}-{i}",
                        }
                        for i in range(size)
                    ]
                }
                for j in range(batches)
            ]
            barrier.wait()
            for body in bodies:
                t = time.perf_counter()
                resp = h.post("/api/training/records/batch", json=body)
                mine.append((time.perf_counter() - t) * 1000)
                assert resp.status_code == 200 and resp.json()["created"] == size, resp.text[:300]
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(clients)]
    for th in threads:
        th.start()
    barrier.wait()
    t0 = time.perf_counter()
    for th in threads:
        th.join()
    return time.perf_counter() - t0, latencies


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--pushes", type=int, default=10)
    ap.add_argument("--import-rounds", type=int, default=3)
    ap.add_argument("--batch-clients", type=int, default=4)
    ap.add_argument("--batches", type=int, default=5, help="batches per batch client")
    ap.add_argument("--batch-size", type=int, default=1000)
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
            db_url = stack.env["TRAINING_DATABASE_URL"] if args.backend == "postgresql" else None
            if db_url is None:  # the SQLite file of the training service
                db_url = f"sqlite:///{stack.data_dir / 'training.db'}"
            # Rounds of bare COPY, import, bare COPY (new external ids each round): on a shared host the load moves
            # within seconds, so each import is compared with the COPYs just before and after it.
            ratios = []
            for k in range(args.import_rounds):
                content = csv_for(numbers, args.rows, tag=f"gw{k}")
                base_before = baseline_copy(db_url, staff, content)
                t0 = time.perf_counter()
                r = admin.post(
                    "/api/training/records/import", files={"file": ("ledger.csv", content, "text/csv")}, timeout=600
                )
                elapsed = time.perf_counter() - t0
                assert r.status_code == 200 and r.json()["accepted"] == args.rows, r.text[:500]
                base_after = baseline_copy(db_url, staff, content)
                base = (base_before + base_after) / 2
                ratios.append(base / elapsed)
                ok = "OK" if args.rows / elapsed >= 20_000 else "MISSED"
                print(
                    f"gateway: import {args.rows:,} rows (.csv {len(content) / 1e6:.1f} MB) {elapsed:6.2f} s "
                    f"{args.rows / elapsed:9,.0f} rows/s (target >= 20,000 rows/s: {ok}); bare COPY of the same rows "
                    f"{base_before:.2f} s before, {base_after:.2f} s after: {ratios[-1]:.2f}x their mean"
                )
            ratio = statistics.median(ratios)
            print(
                f"gateway: import / bare COPY, median of {len(ratios)} rounds: {ratio:.2f}x "
                f"(>= 0.9x: {'OK' if ratio >= 0.9 else 'MISSED'})"
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
            single_rate = len(latencies) / wall
            print(
                f"gateway: single push, {args.clients} concurrent clients x {args.pushes}: median "
                f"{statistics.median(latencies):.1f} ms  p99 {percentile(latencies, 99):.1f} ms  "
                f"({single_rate:,.0f} pushes/s)"
            )
            client_token = stack.token("u1_admin")
            batch_wall, batch_lat = batch_pushes(
                stack.url, client_token, numbers, args.batch_clients, args.batches, args.batch_size
            )
            n = args.batch_clients * args.batches * args.batch_size
            rate = n / batch_wall
            print(
                f"gateway: batch push, {args.batch_clients} concurrent clients x {args.batches} batches of "
                f"{args.batch_size:,}: {rate:,.0f} records/s ({rate / single_rate:.1f}x the single pushes above); "
                f"batch median {statistics.median(batch_lat):.0f} ms p99 {percentile(batch_lat, 99):.0f} ms; "
                f"target >= 5,000 records/s: {'OK' if rate >= 5000 else 'MISSED'}"
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
    from calibration import calibrated

    calibrated(main)
