"""The province's big screen (#17) on PostgreSQL: 160 universities × ~40 tasks × ~4 milestones (~24,000 milestones).

Times ``GET /api/plans/screen`` (each university's city, plan status and roadmap, and the 20 latest overdue
milestones) at the service, in-process, full stack (auth, scope, queries, serialisation), against the baseline the
screen would otherwise use in the same run: ``GET /api/plans/overview`` (every figure of the province overview) plus
one university dashboard per university for the overdue milestones (what the screen's alerts would take without
their own query). The screen's training side is training's ``GET /indicators``, measured on 1M records by
``bench/training_compliance.py`` (docs/benchmarks.md).

    .venv/bin/python bench/province_screen.py [--universities 160] [--runs 30]

Needs PostgreSQL at TEST_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres); creates and
drops the database ``plans_bench`` (as bench/plans_overview.py, whose data generator it uses).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent))
from plans_overview import build_orgdir, generate, summary, timed

from plans.config import Settings
from plans.main import ALEMBIC_INI, create_app
from sanquan_kernel import testing as kt
from sanquan_kernel.clock import today
from sanquan_kernel.migrate import migrate
from sanquan_kernel.orgdir import OrgDirectory

CITIES = ["410100", "410200", "410300", "410400", "410500", "410600", "410700", "410800", "410900"]
CITIES += ["411000", "411100", "411200", "411300", "411400", "411500", "411600", "411700", "419001"]


def with_cities(orgdir: OrgDirectory) -> OrgDirectory:
    """The benchmark province with its universities spread over the 18 cities (Zhengzhou holding a third)."""
    orgs, n = [], 0
    for o in sorted(orgdir.all(), key=lambda o: o.id):
        if o.level == "university":
            o = replace(o, city=CITIES[0] if n % 3 == 0 else CITIES[n % len(CITIES)])
            n += 1
        orgs.append(o)
    return OrgDirectory(orgs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--universities", type=int, default=160)
    ap.add_argument("--tasks", type=int, default=40)
    ap.add_argument("--milestones", type=int, default=4)
    ap.add_argument("--runs", type=int, default=30)
    args = ap.parse_args()
    year = today().year
    url = kt.create_postgres_database("plans_bench")
    try:
        migrate(ALEMBIC_INI, url)
        orgdir = with_cities(build_orgdir(args.universities))
        app = create_app(
            Settings(database_url=url, environment="test", log_level="WARNING"),
            authenticator=kt.make_authenticator(),
            orgdir=orgdir,
            start_sync=False,
        )
        t = time.perf_counter()
        counts = generate(app.state.kernel.engine, orgdir, year, args.tasks, args.milestones)
        print(f"generated in {time.perf_counter() - t:.1f} s: {counts}")
        h = kt.province_admin()
        unis = [u.id for u in orgdir.universities(active_only=True)]
        with TestClient(app) as client:
            s = client.get(f"/api/plans/screen?year={year}&alerts=20", headers=h)
            assert s.status_code == 200, s.text
            body = s.json()
            o = client.get(f"/api/plans/overview?year={year}", headers=h).json()
            # The screen's figures agree with the overview's, row by row.
            ov = {r["university_id"]: r for r in o["rows"]}
            keys = ("plan_status", "milestones_total", "milestones_done", "milestones_overdue")
            agree = all([r[k] for k in keys] == [ov[r["university_id"]][k] for k in keys] for r in body["rows"])
            cities = {r["city"] for r in body["rows"]}
            print(
                f"screen rows: {len(body['rows'])} in {len(cities)} cities, milestones: "
                f"{body['totals']['milestones_total']}, overdue: {body['totals']['milestones_overdue']}, "
                f"alerts: {len(body['alerts'])} (latest due {body['alerts'][0]['due_on'] if body['alerts'] else '-'}); "
                f"agrees with the overview: {agree}; response {len(s.content) / 1024:.0f} KiB "
                f"(overview {len(client.get(f'/api/plans/overview?year={year}', headers=h).content) / 1024:.0f} KiB)"
            )

            def baseline() -> None:
                client.get(f"/api/plans/overview?year={year}", headers=h).raise_for_status()
                for uid in unis:
                    client.get(f"/api/plans/dashboard?year={year}&university_id={uid}", headers=h).raise_for_status()

            def overview() -> None:
                client.get(f"/api/plans/overview?year={year}", headers=h).raise_for_status()

            def screen() -> None:
                client.get(f"/api/plans/screen?year={year}&alerts=20", headers=h).raise_for_status()

            # Interleaved, so that all see the same machine load (the machine is shared).
            scr, ovw, base = [], [], []
            for i in range(args.runs):
                scr += timed(screen, 1)
                ovw += timed(overview, 1)
                if i % 5 == 0:
                    base += timed(baseline, 1)
        load = os.getloadavg()[0]
        print(f"load average {load:.1f}")
        print(f"GET /screen (the big screen's plans data)         : {summary(scr)}")
        print(f"GET /overview alone (no alerts)                   : {summary(ovw)}")
        print(f"baseline: /overview + one /dashboard per university: {summary(base)}")
        print(
            f"ratio baseline / screen (median): {statistics.median(base) / statistics.median(scr):.1f}x; "
            f"overview / screen: {statistics.median(ovw) / statistics.median(scr):.1f}x"
        )
        app.state.kernel.engine.dispose()
    finally:
        kt.drop_postgres_database(str(make_url(url).database))


if __name__ == "__main__":
    from calibration import calibrated

    calibrated(main)
