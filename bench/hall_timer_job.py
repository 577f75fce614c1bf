"""What one run of the hall's promise-timer job (``hall.requests.timers.escalate``) costs over bench/hall_mix.py's
year of a university (150,000 requests), with the year's breaches pending (``hall_mix.py --backlog``: ~15,000 open
requests, nearly all late, ~36,000 escalations) and then again with nothing left to escalate (the steady state,
every 5 minutes): wall time, this process's CPU, statements, escalations. Issue #20: the mix's tail.

    .venv/bin/python bench/hall_timer_job.py [--requests 150000]

PostgreSQL (``TEST_DATABASE_URL``'s server), a database of its own, dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import hall_mix
from sqlalchemy import insert

from hall.main import ALEMBIC_INI
from hall.models import load_all_models
from hall.places.models import Place
from hall.requests import timers
from sanquan_kernel import testing as kt
from sanquan_kernel.db import make_engine, make_sessionmaker
from sanquan_kernel.migrate import migrate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=150_000)
    args = parser.parse_args()
    load_all_models()
    name = f"bench_hall_timer_{os.getpid()}"
    url = kt.create_postgres_database(name, durable=True)
    try:
        migrate(ALEMBIC_INI, url)
        engine = make_engine(url)
        now = datetime.now(UTC)
        with engine.begin() as c:
            rows = [
                {"university_id": 1, "kind": "building", "name": f"{i + 1}号楼", "created_at": now, "updated_at": now}
                for i in range(110)
            ]
            places = list(c.execute(insert(Place).returning(Place.id), rows).scalars())
        stack = SimpleNamespace(env={"HALL_DATABASE_URL": url}, data_dir=Path("/tmp"))
        hall_mix.bulk_requests(stack, 1, [11, 12, 13], places, args.requests, 2000, backlog=True)  # type: ignore[arg-type]
        maker = make_sessionmaker(engine)
        for label in ("the year's breaches pending", "nothing left (every 5 minutes after)"):
            with kt.count_statements(engine) as log:
                wall, cpu = time.perf_counter(), time.process_time()
                with maker.begin() as s:
                    counts = timers.escalate(s, datetime.now(UTC))
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            print(f"{label:40} {counts}: {wall:7.2f} s wall, {cpu:6.2f} s CPU, {len(log)} statements", flush=True)
        engine.dispose()
    finally:
        kt.drop_postgres_database(name)


if __name__ == "__main__":
    from calibration import calibrated

    calibrated(main)
