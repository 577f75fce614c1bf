"""Benchmark: the province-wide compliance report grouped by university (T4) on a generated province —
160 universities, 1,600 departments, 100,000 staff, 1,000,000 records in one year.

Measures the report at the service (a real HTTP request: token check, scope, query on the per-staff yearly totals,
JSON) against the baseline measured in the same run: one SQL query aggregating the raw records on the fly.
Target: <= 200 ms at the service.

    .venv/bin/python bench/training_compliance.py [--backend postgresql|sqlite] [--staff 100000] [--records 1000000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
from training_common import DEPTS_PER_UNI, UNIVERSITIES, Server, make_app, percentile, province_orgdir

from sanquan_kernel import testing as kt
from sanquan_kernel.db import make_engine
from sanquan_kernel.migrate import migrate
from training.main import ALEMBIC_INI
from training.vocabulary import THEMES

YEAR = 2025
DB_NAME = "bench_training_compliance"
THEME_SETS = ["law", "safety", "ideals,law", "ethics,quality", "ideology", "law,safety", "quality"]


def _totals_sql(year: int) -> str:
    per_theme = []
    for t in THEMES:
        has = f"(',' || themes || ',') LIKE '%,{t},%'"
        per_theme += [
            f"SUM(CASE WHEN {has} THEN CAST(ROUND(hours * 100) AS INTEGER) ELSE 0 END)",
            f"SUM(CASE WHEN {has} THEN CAST(ROUND(days * 100) AS INTEGER) ELSE 0 END)",
            f"SUM(CASE WHEN {has} THEN 1 ELSE 0 END)",
        ]
    cols = ", ".join(f"{t}_{m}" for t in THEMES for m in ("hours_x100", "days_x100", "count"))
    cents = "SUM(CAST(ROUND(hours * 100) AS INTEGER)), SUM(CAST(ROUND(days * 100) AS INTEGER))"
    return (
        f"INSERT INTO staff_year_total (staff_id, year, hours_x100, days_x100, records, {cols}) "
        f"SELECT staff_id, year, {cents}, COUNT(*), {', '.join(per_theme)} "
        f"FROM training_record WHERE year = {year} AND deleted_at IS NULL GROUP BY staff_id, year"
    )


def generate_postgres(url: str, staff: int, records: int) -> None:
    per_uni = staff // UNIVERSITIES
    eng = make_engine(url, pool_size=1)
    with eng.begin() as c:
        c.execute(text("SELECT setseed(0.42)"))
        c.execute(
            text(f"""
            INSERT INTO staff (id, university_id, department_id, employee_no, name, position, employment_type,
                               active, version, created_at, updated_at)
            SELECT g, 1000 + (g - 1) / {per_uni},
                   10000 + ((g - 1) / {per_uni}) * {DEPTS_PER_UNI} + (g - 1) % {DEPTS_PER_UNI},
                   'E' || g, '职工' || g, '岗位',
                   (ARRAY['permanent','contract','dispatched','outsourced'])[1 + g % 4],
                   g % 50 <> 0, 1, now(), now()
            FROM generate_series(1, {staff}) g""")
        )
        c.execute(text("SELECT setval(pg_get_serial_sequence('staff', 'id'), (SELECT max(id) FROM staff))"))
        themes = "ARRAY[" + ",".join(f"'{t}'" for t in THEME_SETS) + "]"
        c.execute(
            text(f"""
            INSERT INTO training_record (staff_id, university_id, department_id, title, taken_on, year, hours, days,
                                         themes, organizer_level, source, created_at, created_by, version)
            SELECT s, 1000 + (s - 1) / {per_uni},
                   10000 + ((s - 1) / {per_uni}) * {DEPTS_PER_UNI} + (s - 1) % {DEPTS_PER_UNI},
                   '培训' || g % 97, DATE '{YEAR}-01-01' + (g::bigint * 7919 % 365)::int, {YEAR}, h, round(h / 8, 2),
                   ({themes})[1 + g % {len(THEME_SETS)}], 'university', 'import', now(), 'bench', 1
            FROM (SELECT g, 1 + (g - 1) % {staff} AS s,
                         round((2 + random() * (CASE WHEN (1 + (g - 1) % {staff}) % 3 = 0
                                                     THEN 10 ELSE 16.5 END))::numeric, 2) AS h
                  FROM generate_series(1, {records}) g) x""")
        )
        c.execute(text(_totals_sql(YEAR)))
    with eng.connect() as c:
        c.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    eng.dispose()


def generate_sqlite(url: str, staff: int, records: int) -> None:
    import random
    from datetime import UTC, date, datetime, timedelta

    rnd = random.Random(42)
    per_uni = staff // UNIVERSITIES
    now = datetime.now(UTC).isoformat(sep=" ")
    eng = make_engine(url, pool_size=1)
    raw = eng.raw_connection()
    cur = raw.cursor()
    cur.execute("BEGIN")

    def place(s: int) -> tuple[int, int]:
        u = (s - 1) // per_uni
        return 1000 + u, 10000 + u * DEPTS_PER_UNI + (s - 1) % DEPTS_PER_UNI

    cur.executemany(
        "INSERT INTO staff (id, university_id, department_id, employee_no, name, position, employment_type, active,"
        " version, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,1,?,?)",
        ((s, *place(s), f"E{s}", f"职工{s}", "岗位", "contract", s % 50 != 0, now, now) for s in range(1, staff + 1)),
    )
    start = date(YEAR, 1, 1)

    def rec(g: int) -> tuple:
        s = 1 + (g - 1) % staff
        h = round(2 + rnd.random() * (10 if s % 3 == 0 else 16.5), 2)
        return (
            s,
            *place(s),
            f"培训{g % 97}",
            (start + timedelta(days=(g * 7919) % 365)).isoformat(),
            YEAR,
            h,
            round(h / 8, 2),
            THEME_SETS[g % len(THEME_SETS)],
            "university",
            "import",
            now,
            "bench",
        )

    cur.executemany(
        "INSERT INTO training_record (staff_id, university_id, department_id, title, taken_on, year, hours, days,"
        " themes, organizer_level, source, created_at, created_by, version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,1)",
        (rec(g) for g in range(1, records + 1)),
    )
    cur.execute(_totals_sql(YEAR))
    cur.execute("COMMIT")
    cur.execute("ANALYZE")
    raw.close()
    eng.dispose()


# The same rule as the service (half a cent of tolerance: SQLite sums NUMERIC as floating point).
BASELINE_SQL = f"""
SELECT s.university_id, COUNT(*) AS staff_total,
       SUM(CASE WHEN COALESCE(t.h, 0) >= 89.995 OR COALESCE(t.d, 0) >= 11.995 THEN 1 ELSE 0 END) AS compliant,
       SUM(COALESCE(t.h, 0)), SUM(COALESCE(t.d, 0))
FROM staff s
LEFT JOIN (SELECT staff_id, SUM(hours) AS h, SUM(days) AS d FROM training_record
           WHERE year = {YEAR} AND deleted_at IS NULL GROUP BY staff_id) t ON t.staff_id = s.id
WHERE s.active AND (s.joined_on IS NULL OR s.joined_on <= '{YEAR}-12-31')
  AND (s.left_on IS NULL OR s.left_on >= '{YEAR}-01-01')
GROUP BY s.university_id"""


def timed(fn, runs: int) -> list[float]:  # type: ignore[no-untyped-def]
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    ap.add_argument("--staff", type=int, default=100_000)
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--keep", action="store_true", help="keep the generated PostgreSQL database")
    ap.add_argument("--reuse", action="store_true", help="reuse a database kept by --keep (no generation)")
    args = ap.parse_args()

    if args.backend == "postgresql" and args.reuse:
        url = make_url(kt.postgres_admin_url()).set(database=DB_NAME).render_as_string(hide_password=False)
        print(f"backend={args.backend}: reusing {DB_NAME}")
    else:
        if args.backend == "postgresql":
            url = kt.create_postgres_database(DB_NAME)
        else:
            url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
        t0 = time.perf_counter()
        migrate(ALEMBIC_INI, url)
        (generate_postgres if args.backend == "postgresql" else generate_sqlite)(url, args.staff, args.records)
        gen = time.perf_counter() - t0
        print(f"backend={args.backend} staff={args.staff:,} records={args.records:,} generated in {gen:.1f} s")
    print(f"load average before timing: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")

    eng = make_engine(url, pool_size=1)
    with eng.connect() as c:
        baseline_rows = c.execute(text(BASELINE_SQL)).all()
        base = timed(lambda: c.execute(text(BASELINE_SQL)).all(), max(3, args.runs // 3))
    eng.dispose()

    app = make_app(url, province_orgdir())
    headers = kt.province_admin()
    with Server(app) as srv, httpx.Client(base_url=srv.url, headers=headers, timeout=60) as http:
        params = {"year": YEAR, "group_by": "university"}
        first = http.get("/api/training/compliance", params=params)
        first.raise_for_status()
        report = first.json()
        svc = timed(lambda: http.get("/api/training/compliance", params=params).raise_for_status(), args.runs)
        dept = timed(
            lambda: http.get(
                "/api/training/compliance", params={**params, "group_by": "department"}
            ).raise_for_status(),
            max(3, args.runs // 3),
        )
        ind = timed(
            lambda: http.get("/api/training/indicators", params={"year": YEAR}).raise_for_status(),
            max(3, args.runs // 3),
        )

    # The service's answer agrees with the raw records.
    by_uni = {r[0]: r for r in baseline_rows}
    for row in report["rows"]:
        b = by_uni[row["org_id"]]
        assert row["staff_total"] == b[1] and row["compliant"] == b[2], (row, b)
    assert report["totals"]["staff_total"] == sum(r[1] for r in baseline_rows)

    med_svc, med_base = statistics.median(svc), statistics.median(base)
    print(f"compliance rate (province): {report['totals']['rate']:.3f}, rows: {len(report['rows'])}")
    print(f"baseline: one SQL aggregating raw records   median {med_base:8.1f} ms")
    print(
        f"service:  GET /compliance?group_by=university median {med_svc:8.1f} ms  p95 {percentile(svc, 95):.1f} ms"
        f"  -> {med_base / med_svc:.1f}x faster than the baseline; target <= 200 ms: "
        f"{'OK' if med_svc <= 200 else 'MISSED'}"
    )
    print(f"service:  group_by=department (1,600 rows)    median {statistics.median(dept):8.1f} ms")
    print(f"service:  GET /indicators                     median {statistics.median(ind):8.1f} ms")
    if args.backend == "postgresql" and not (args.keep or args.reuse):
        kt.drop_postgres_database(DB_NAME)


if __name__ == "__main__":
    from calibration import calibrated

    calibrated(main)
