"""Operations benchmark: how long ``make backup`` / ``make restore`` take for a province's training ledger, and
how fast a new replica becomes ready (the time ``--scale`` and a rolling upgrade wait for).

1. Backup and restore on PostgreSQL of the training database with a generated province (default 100,000 staff,
   1,000,000 records — one year), through ops/backup.py exactly as ``make backup`` / ``make restore`` run it.
   Baselines measured in the same run: a bare ``COPY training_record TO STDOUT`` (reading the biggest table) and a
   bare ``COPY ... FROM STDIN`` of the same rows into an empty table without indexes.
2. Start-up of a training replica (the image's CMD: migrate, then serve, until ``/readyz`` answers 200) on a fresh
   database and on one already at head (the baseline: serving alone), and of two replicas at once on a fresh one.

    .venv/bin/python bench/ops_backup.py [--staff 100000] [--records 1000000] [--skip-backup] [--skip-startup]

Needs PostgreSQL at TEST_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ops"))

import backup as ops_backup
from training_compliance import generate_postgres

from sanquan_kernel import testing as kt
from sanquan_kernel.migrate import migrate
from tests.harness import free_port
from tests.ops.test_startup import start, stop, wait_healthy
from training.main import ALEMBIC_INI

ROOT = Path(__file__).resolve().parents[1]
DB = "bench_ops_backup"


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def bench_backup(staff: int, records: int) -> None:
    url = kt.create_postgres_database(DB)
    work = Path(tempfile.mkdtemp(prefix="bench-ops-"))
    os.environ.update({"TRAINING_DATABASE_URL": url, "DATA_DIR": str(work / "var")})
    try:
        migrate(ALEMBIC_INI, url)
        print(f"generating {staff:,} staff and {records:,} records ...", flush=True)
        gen = timed(lambda: generate_postgres(url, staff, records))
        with psycopg.connect(libpq(url)) as conn:
            size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]  # type: ignore[index]
        print(f"generated in {gen:.1f} s; database size {size / 2**20:.0f} MiB")

        buf = io.BytesIO()

        def copy_out() -> None:
            with (
                psycopg.connect(libpq(url)) as conn,
                conn.cursor() as cur,
                cur.copy("COPY training_record TO STDOUT") as cp,
            ):
                for chunk in cp:
                    buf.write(chunk)

        def copy_in() -> None:
            with psycopg.connect(libpq(url)) as conn, conn.cursor() as cur:
                cur.execute("CREATE TEMP TABLE r (LIKE training_record)")
                with cur.copy("COPY r FROM STDIN") as cp:
                    cp.write(buf.getvalue())

        t_copy_out = timed(copy_out)
        t_copy_in = timed(copy_in)
        folder: list[Path] = []
        t_backup = timed(lambda: folder.append(ops_backup.backup(work / "backups")))
        dump = folder[0] / "training.dump"
        t_restore = timed(lambda: ops_backup.restore(folder[0], safety_backup=False))
        with psycopg.connect(libpq(url)) as conn:
            n = conn.execute("SELECT count(*) FROM training_record").fetchone()[0]  # type: ignore[index]
        assert n == records, n
        mib = size / 2**20
        print(f"\nBackup and restore, training database, {records:,} records ({mib:.0f} MiB on disk)")
        print(f"{'measure':52} {'seconds':>8} {'MiB/s':>7} {'records/s':>10}")
        rows = [
            ("baseline: COPY training_record TO STDOUT", t_copy_out),
            ("make backup (pg_dump -Fc of the database)", t_backup),
            ("baseline: COPY FROM STDIN, no indexes", t_copy_in),
            ("make restore (wipe + pg_restore, one transaction)", t_restore),
        ]
        for label, t in rows:
            print(f"{label:52} {t:8.2f} {mib / t:7.0f} {records / t:10,.0f}")
        print(f"backup / COPY out: {t_backup / t_copy_out:.2f}x; restore / COPY in: {t_restore / t_copy_in:.2f}x")
        print(f"dump file: {dump.stat().st_size / 2**20:.0f} MiB; load average {os.getloadavg()[0]:.1f}")
    finally:
        kt.drop_postgres_database(DB)


def bench_startup(runs: int) -> None:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_DATABASE_URL")}
    results: dict[str, list[float]] = {"fresh": [], "at head": [], "two at once, fresh": []}
    for _ in range(runs):
        for case in results:
            url = kt.create_postgres_database(DB + "_up")
            data = Path(tempfile.mkdtemp(prefix="bench-ops-up-"))
            env.update({"TRAINING_DATABASE_URL": url, "DATA_DIR": str(data), "LOG_LEVEL": "WARNING"})
            env["TRAINING_SERVICE_CLIENT_SECRET"] = "bench-secret-0123456789"
            if case == "at head":
                migrate(ALEMBIC_INI, url)
            n = 2 if case.startswith("two") else 1
            t = time.perf_counter()
            replicas = [start("training", free_port(), env, data, i) for i in range(n)]
            try:
                wait_healthy(replicas, timeout=120)
                results[case].append(time.perf_counter() - t)
            finally:
                stop(replicas)
                kt.drop_postgres_database(DB + "_up")
    base = statistics.median(results["at head"])
    print(f"\nStart-up of a training replica until /readyz answers 200 (median of {runs})")
    for case, values in results.items():
        med = statistics.median(values)
        print(f"{case:22} {med:6.2f} s   ({med / base:.2f}x the start on a database at head)")
    print(f"load average {os.getloadavg()[0]:.1f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--staff", type=int, default=100_000)
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--skip-backup", action="store_true")
    ap.add_argument("--skip-startup", action="store_true")
    args = ap.parse_args()
    if not kt.postgres_available():
        raise SystemExit("PostgreSQL is not reachable at " + kt.postgres_admin_url())
    if not args.skip_backup:
        bench_backup(args.staff, args.records)
    if not args.skip_startup:
        bench_startup(args.runs)


if __name__ == "__main__":
    from calibration import calibrated

    calibrated(main)
