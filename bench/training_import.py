"""Benchmark: bulk import of ledger records (rows/s end to end for a 100,000-row file) and the latency of a single
push under 32 concurrent clients.

The import is timed over real HTTP (uvicorn in this process: multipart upload, token check, streaming validation
of every row, COPY on PostgreSQL / multi-row INSERT on SQLite, bulk update of the yearly totals, commit). The
baseline measured in the same run is the physical bound: a bare COPY (or executemany) of the same rows.
Target: >= 20,000 rows/s.

    .venv/bin/python bench/training_import.py [--backend postgresql|sqlite] [--rows 100000] [--xlsx]
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import httpx
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from training_common import Server, make_app, percentile, province_orgdir, uni_id

from sanquan_kernel import testing as kt
from sanquan_kernel.db import make_engine
from sanquan_kernel.migrate import migrate
from training.main import ALEMBIC_INI

STAFF = 2000
UNI = uni_id(0)
THEMES = ["law;safety", "ideals", "ethics;quality", "ideology", "safety"]
LEVELS = ["province", "university", "department", "external"]
HEADER = ["employee_no", "title", "taken_on", "hours", "days", "themes", "organizer_level", "external_id"]


def make_rows(n: int, tag: str) -> list[list[str]]:
    start = date(2025, 1, 1)
    return [
        [
            f"E{1 + i % STAFF}",
            f"培训课程{i % 113}",
            (start + timedelta(days=i % 300)).isoformat(),
            f"{2 + (i % 15) * 0.5:.2f}",
            f"{(i % 4) * 0.5:.1f}",
            THEMES[i % len(THEMES)],
            LEVELS[i % 4],
            f"{tag}-{i}",
        ]
        for i in range(n)
    ]


def to_csv(rows: list[list[str]]) -> bytes:
    return ("\n".join([",".join(HEADER), *(",".join(r) for r in rows)]) + "\n").encode()


def to_xlsx(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("records")
    ws.append(HEADER)
    for r in rows:
        ws.append([r[0], r[1], r[2], float(r[3]), float(r[4]), r[5], r[6], r[7]])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def seed_staff(url: str) -> None:
    eng = make_engine(url, pool_size=1)
    with eng.begin() as c:
        c.execute(
            text(
                "INSERT INTO staff (university_id, department_id, employee_no, name, position, employment_type,"
                " active, version, created_at, updated_at) VALUES (:u, :d, :no, :name, '岗位', 'contract',"
                " true, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
            ),
            [{"u": UNI, "d": 10_000 + i % 10, "no": f"E{1 + i}", "name": f"职工{i}"} for i in range(STAFF)],
        )
    eng.dispose()


def baseline_copy(url: str, rows: list[list[str]], backend: str) -> float:
    """The physical bound: the same rows stored with a bare COPY / executemany, nothing else (rolled back)."""
    eng = make_engine(url, pool_size=1)
    with eng.connect() as c:
        ids = dict(c.execute(text("SELECT employee_no, id FROM staff")).all())
    raw = eng.raw_connection()
    cols = (
        "staff_id, university_id, department_id, title, taken_on, year, hours, days, themes, organizer_level, "
        "external_id, source, created_at, created_by, version"
    )
    data = [
        (
            ids[r[0]],
            UNI,
            10_000,
            r[1],
            r[2],
            2025,
            r[3],
            r[4],
            r[5].replace(";", ","),
            r[6],
            "base-" + r[7],
            "import",
            "2025-12-01 00:00:00+00",
            "bench",
            1,
        )
        for r in rows
    ]
    t0 = time.perf_counter()
    cur = raw.cursor()
    if backend == "postgresql":
        with cur.copy(f"COPY training_record ({cols}) FROM STDIN") as cp:  # type: ignore[attr-defined]
            cp.write("".join("\t".join(map(str, row)) + "\n" for row in data))
    else:
        cur.execute("BEGIN")
        cur.executemany(f"INSERT INTO training_record ({cols}) VALUES ({','.join('?' * 15)})", data)
    elapsed = time.perf_counter() - t0
    raw.rollback()
    raw.close()
    eng.dispose()
    return elapsed


def push_latency(base_url: str, clients: int, per_client: int) -> list[float]:
    """Each client pushes records one by one (with its own external ids); answers every latency in ms."""
    latencies: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(clients)
    headers = kt.integration(UNI, client="bench-push")

    def run(k: int) -> None:
        mine = []
        with httpx.Client(base_url=base_url, headers=headers, timeout=60) as http:
            barrier.wait()
            for i in range(per_client):
                body = {
                    "employee_no": f"E{1 + (k * per_client + i) % STAFF}",
                    "title": "推送记录",
                    "taken_on": "2025-06-01",
                    "hours": 2,
                    "days": 0.5,
                    "themes": ["safety"],
                    "organizer_level": "university",
                    "external_id": f"push-{k}-{i}",
                }
                t0 = time.perf_counter()
                r = http.post("/api/training/records", json=body)
                mine.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 201, r.text
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--xlsx", action="store_true", help="also time the same rows as an .xlsx workbook")
    ap.add_argument("--clients", type=int, default=32)
    ap.add_argument("--pushes", type=int, default=20, help="pushes per client")
    args = ap.parse_args()

    name = "bench_training_import"
    url = (
        kt.create_postgres_database(name)
        if args.backend == "postgresql"
        else f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    )
    migrate(ALEMBIC_INI, url)
    seed_staff(url)
    rows = make_rows(args.rows, "imp")
    content = to_csv(rows)
    print(
        f"backend={args.backend} rows={args.rows:,} csv={len(content) / 1e6:.1f} MB "
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores"
    )

    base = baseline_copy(url, rows, args.backend)
    print(
        f"baseline: bare {'COPY' if args.backend == 'postgresql' else 'executemany'} of the rows "
        f"{base:6.2f} s  {args.rows / base:9,.0f} rows/s"
    )

    app = make_app(url, province_orgdir(1))
    headers = kt.university_admin(UNI)
    with Server(app) as srv, httpx.Client(base_url=srv.url, headers=headers, timeout=600) as http:
        t0 = time.perf_counter()
        r = http.post(
            "/api/training/records/import",
            params={"dry_run": "true"},
            files={"file": ("ledger.csv", content, "text/csv")},
        )
        dry = time.perf_counter() - t0
        assert r.status_code == 200 and r.json()["accepted"] == args.rows, r.text[:500]
        print(f"service:  dry run (validate only)      {dry:6.2f} s  {args.rows / dry:9,.0f} rows/s")

        t0 = time.perf_counter()
        r = http.post("/api/training/records/import", files={"file": ("ledger.csv", content, "text/csv")})
        full = time.perf_counter() - t0
        assert r.status_code == 200 and r.json()["accepted"] == args.rows, r.text[:500]
        ok = "OK" if args.rows / full >= 20_000 else "MISSED"
        print(
            f"service:  import .csv end to end       {full:6.2f} s  {args.rows / full:9,.0f} rows/s  "
            f"({base / full:.2f}x of the bare-copy bound; target >= 20,000 rows/s: {ok})"
        )

        if args.xlsx:
            xrows = make_rows(args.rows, "xl")
            xcontent = to_xlsx(xrows)
            t0 = time.perf_counter()
            r = http.post("/api/training/records/import", files={"file": ("ledger.xlsx", xcontent)})
            xl = time.perf_counter() - t0
            assert r.status_code == 200 and r.json()["accepted"] == args.rows, r.text[:500]
            print(f"service:  import .xlsx end to end      {xl:6.2f} s  {args.rows / xl:9,.0f} rows/s")

        # The totals agree with the raw records after the import.
        eng = make_engine(url, pool_size=1)
        with eng.connect() as c:
            raw = c.execute(
                text("SELECT COALESCE(SUM(hours), 0) FROM training_record WHERE deleted_at IS NULL")
            ).scalar()
            tot = c.execute(text("SELECT COALESCE(SUM(hours_x100), 0) / 100.0 FROM staff_year_total")).scalar()
        eng.dispose()
        assert abs(float(raw) - float(tot)) < 0.01, (raw, tot)

        lat = push_latency(srv.url, args.clients, args.pushes)
        total_s = sum(lat) / 1000 / args.clients
        print(
            f"service:  single push, {args.clients} concurrent clients x {args.pushes}: median "
            f"{statistics.median(lat):.1f} ms  p99 {percentile(lat, 99):.1f} ms  "
            f"(~{len(lat) / total_s:,.0f} pushes/s)"
        )
    app.state.kernel.engine.dispose()
    if args.backend == "postgresql":
        kt.drop_postgres_database(name)


if __name__ == "__main__":
    from calibration import calibrated

    calibrated(main)
