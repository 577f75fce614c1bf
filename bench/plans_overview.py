"""Province overview on PostgreSQL: 160 universities × ~40 tasks × ~4 milestones and a year of progress reports.

Times ``GET /api/plans/overview`` at the service (in-process ASGI client, full stack: auth, scope, queries,
serialisation) against the same figures computed naively — one set of queries per university — in the same run.

    .venv/bin/python bench/plans_overview.py [--universities 160] [--runs 30]

Needs PostgreSQL at TEST_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres); creates and
drops the database ``plans_bench``.
"""

from __future__ import annotations

import argparse
import io
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import event, insert, text
from sqlalchemy.engine import make_url

from plans.config import Settings
from plans.main import ALEMBIC_INI, create_app
from plans.plan.models import Plan
from plans.reports import repository as reports_repo
from plans.reports import service as reports_service
from plans.resources.models import FundingLine, WorkStudyPosts
from plans.tasks.models import Milestone, Task
from plans.vocabulary import Category
from sanquan_kernel import testing as kt
from sanquan_kernel.clock import today
from sanquan_kernel.migrate import migrate
from sanquan_kernel.orgdir import Org, OrgDirectory
from sanquan_kernel.principal import Principal, Role, scope_for

CATEGORIES = [c.value for c in Category]
STATUSES = ["approved"] * 6 + ["submitted", "returned", "draft"]


def build_orgdir(n: int) -> OrgDirectory:
    orgs = [Org(1, None, "province", None, "河南省教育厅", "HA", None, "/1/")]
    for u in range(n):
        uid = 1000 + u * 10
        orgs.append(Org(uid, 1, "university", uid, f"高校{u:03d}", f"41410{u:05d}", "undergraduate", f"/1/{uid}/"))
        for d in range(1, 6):
            orgs.append(Org(uid + d, uid, "department", uid, f"部门{d}", None, None, f"/1/{uid}/{uid + d}/"))
    return OrgDirectory(orgs)


def generate(engine, orgdir: OrgDirectory, year: int, tasks_per_uni: int, ms_per_task: int, seed: int = 7) -> dict:
    rnd = random.Random(seed)
    now = today()
    unis = orgdir.universities()
    with_plan = unis[: len(unis) - len(unis) // 16]  # about 6% have not started
    counts = {"plans": 0, "tasks": 0, "milestones": 0, "progress_reports": 0}
    with engine.begin() as conn:
        plans = [
            {
                "university_id": u.id,
                "year": year,
                "title": f"{u.name}实施方案",
                "summary": "",
                "rules_text": "",
                "systems_text": "",
                "in_annual_work_plan": True,
                "status": rnd.choice(STATUSES),
                "submission_due_on": date(year, 3, 31),
                "created_by": "bench",
                "version": 1,
                "created_at": datetime.now(UTC),
                "updated_at": datetime.now(UTC),
            }
            for u in with_plan
        ]
        conn.execute(insert(Plan), plans)
        plan_ids = dict(conn.execute(text("SELECT university_id, id FROM plan WHERE year = :y"), {"y": year}).all())
        counts["plans"] = len(plan_ids)
        task_rows = []
        for u in with_plan:
            depts = [d.id for d in orgdir.departments_of(u.id)]
            for i in range(tasks_per_uni):
                due = date(year, 1, 1) + timedelta(days=rnd.randint(30, 364))
                done = due < now and rnd.random() < 0.7
                task_rows.append(
                    {
                        "plan_id": plan_ids[u.id],
                        "university_id": u.id,
                        "category": CATEGORIES[i % 9],
                        "title": f"任务{i}",
                        "description": "",
                        "department_id": rnd.choice(depts),
                        "responsible_user_id": rnd.randint(1, 5000),
                        "responsible_name": "负责人",
                        "start_on": date(year, 1, 1),
                        "due_on": due,
                        "expected_outputs": "",
                        "status": "done" if done else rnd.choice(["not_started", "in_progress"]),
                        "percent": 100 if done else rnd.randint(0, 90),
                        "completed_on": due - timedelta(days=rnd.randint(-10, 10)) if done else None,
                        "sort_order": i,
                        "version": 1,
                        "created_at": datetime.now(UTC),
                        "updated_at": datetime.now(UTC),
                    }
                )
        conn.execute(insert(Task), task_rows)
        tasks = conn.execute(
            text(
                "SELECT t.id, t.university_id, t.department_id, t.due_on, t.plan_id FROM task t "
                "JOIN plan p ON p.id = t.plan_id WHERE p.year = :y"
            ),
            {"y": year},
        ).all()
        counts["tasks"] = len(tasks)
        ms_rows = []
        for tid, uid, dept, due, pid in tasks:
            for s in range(1, ms_per_task + 1):
                mdue = due - timedelta(days=(ms_per_task - s) * 20)
                done = mdue < now and rnd.random() < 0.75
                ms_rows.append(
                    {
                        "task_id": tid,
                        "plan_id": pid,
                        "university_id": uid,
                        "department_id": dept,
                        "seq": s,
                        "title": f"里程碑{s}",
                        "due_on": mdue,
                        "status": "done" if done else "in_progress",
                        "percent": 100 if done else 40,
                        "completed_on": mdue + timedelta(days=rnd.randint(-5, 5)) if done else None,
                        "evidence": "",
                        "version": 1,
                        "updated_at": datetime.now(UTC),
                    }
                )
        conn.execute(insert(Milestone), ms_rows)
        counts["milestones"] = len(ms_rows)
        # A year of progress reports: about one every two weeks per task, streamed with COPY.
        buf = io.StringIO()
        n = 0
        for tid, uid, dept, _, _ in tasks:
            for week in range(0, 52, 2):
                day = date(year, 1, 1) + timedelta(weeks=week, days=rnd.randint(0, 6))
                buf.write(
                    f"{tid}\t{uid}\t{dept}\tin_progress\t{min(100, week * 2)}\t双周进展\t\t{day}\tbench\t"
                    f"{day}T08:00:00+00:00\n"
                )
                n += 1
        raw = conn.connection.dbapi_connection
        with raw.cursor().copy(
            "COPY progress_report (task_id, university_id, department_id, status, percent, "
            "note, evidence, reported_on, reported_by, reported_at) FROM STDIN"
        ) as cp:
            cp.write(buf.getvalue())
        counts["progress_reports"] = n
        conn.execute(
            insert(WorkStudyPosts),
            [
                {
                    "university_id": u.id,
                    "year": year,
                    "total_posts": 200,
                    "work_study_posts": rnd.randint(12, 40),
                    "note": "",
                    "version": 1,
                    "updated_at": datetime.now(UTC),
                }
                for u in unis
            ],
        )
        conn.execute(
            insert(FundingLine),
            [
                {
                    "university_id": u.id,
                    "year": year,
                    "kind": kind,
                    "title": kind,
                    "planned_amount": 100000,
                    "spent_amount": rnd.randint(0, 100000),
                    "note": "",
                    "version": 1,
                    "updated_at": datetime.now(UTC),
                }
                for u in with_plan
                for kind in ("special_fund", "other")
            ],
        )
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
    return counts


def naive_overview(session, scope, orgdir: OrgDirectory, year: int):
    """The same overview with its figures gathered one university at a time (five queries each)."""
    as_of = today()
    merged = reports_repo.YearFigures()
    for u in orgdir.universities(active_only=True):
        fig = reports_repo.year_figures(session, scope, year, as_of, university_id=u.id)
        merged.plans.update(fig.plans)
        merged.tasks.update(fig.tasks)
        merged.milestones.update(fig.milestones)
        merged.work_study.update(fig.work_study)
        merged.funding.update(fig.funding)
    return reports_service.province_overview(session, scope, orgdir, year, figures=merged)


def cpu_timed(fn, runs: int) -> list[float]:
    """CPU time of this process (client and service threads), which machine load does not inflate."""
    out = []
    for _ in range(runs):
        t = time.process_time()
        fn()
        out.append((time.process_time() - t) * 1000)
    return out


def sql_execution_ms(engine, fn) -> list[tuple[str, float]]:
    """Run ``fn`` once capturing its statements, then EXPLAIN ANALYZE each: PostgreSQL's own execution time
    (TIMING OFF: per-node clock reads inflate it several times on this VM)."""
    captured: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    out = []
    with engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        for statement, params in captured:
            with raw.cursor() as cur:
                cur.execute("EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) " + statement, params)
                plan = cur.fetchone()[0][0]
            out.append((" ".join(statement.split())[:60], float(plan["Execution Time"])))
        raw.rollback()
    return out


def timed(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def summary(ms: list[float]) -> str:
    s = sorted(ms)
    return f"median {statistics.median(s):7.1f} ms   p90 {s[int(len(s) * 0.9) - 1]:7.1f} ms   min {s[0]:7.1f} ms"


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
        orgdir = build_orgdir(args.universities)
        app = create_app(
            Settings(database_url=url, environment="test", log_level="WARNING"),
            authenticator=kt.make_authenticator(),
            orgdir=orgdir,
            start_sync=False,
        )
        t = time.perf_counter()
        counts = generate(app.state.kernel.engine, orgdir, year, args.tasks, args.milestones)
        print(f"generated in {time.perf_counter() - t:.1f} s: {counts}")
        headers = kt.province_admin()
        with TestClient(app) as client:
            r = client.get(f"/api/plans/overview?year={year}", headers=headers)
            assert r.status_code == 200, r.text
            body = r.json()
            print(
                f"overview rows: {len(body['rows'])}, by status: {body['totals']['by_status']}, "
                f"tasks overdue: {body['totals']['tasks_overdue']}, milestones overdue: "
                f"{body['totals']['milestones_overdue']}, below 10%: {len(body['work_study_below_minimum'])}"
            )
            scope = scope_for(
                Principal(subject="100", role=Role.PROVINCE_ADMIN, org_id=1, university_id=None, department_id=None)
            )
            with app.state.kernel.sessionmaker() as session:
                naive_result = naive_overview(session, scope, orgdir, year).model_dump()
                same = naive_result == reports_service.province_overview(session, scope, orgdir, year).model_dump()
                print(f"naive and set-based overviews agree: {same}")
                # Interleaved, so that all three see the same machine load (the machine is shared).
                http, set_based, naive = [], [], []
                for i in range(args.runs):
                    http += timed(lambda: client.get(f"/api/plans/overview?year={year}", headers=headers), 1)
                    set_based += timed(lambda: reports_service.province_overview(session, scope, orgdir, year), 1)
                    if i % 3 == 0:
                        naive += timed(lambda: naive_overview(session, scope, orgdir, year), 1)
                cpu = cpu_timed(lambda: client.get(f"/api/plans/overview?year={year}", headers=headers), 15)
                sql = sql_execution_ms(
                    app.state.kernel.engine, lambda: reports_service.province_overview(session, scope, orgdir, year)
                )
        print("PostgreSQL execution time of each statement of the overview (EXPLAIN ANALYZE):")
        for statement, ms in sql:
            print(f"  {ms:6.1f} ms  {statement}")
        print(f"  {sum(ms for _, ms in sql):6.1f} ms  in all ({len(sql)} statements)")
        print(f"CPU time of the service process per GET /overview: median {statistics.median(cpu):.1f} ms")
        print(f"GET /overview at the service (HTTP, in-process): {summary(http)}")
        print(f"set-based overview (service function)          : {summary(set_based)}")
        print(f"naive, one query set per university             : {summary(naive)}")
        print(
            f"ratio naive / set-based (median): {statistics.median(naive) / statistics.median(set_based):.1f}x; "
            f"target <= 150 ms at the service: {'met' if statistics.median(http) <= 150 else 'NOT met'}"
        )
        app.state.kernel.engine.dispose()
    finally:
        kt.drop_postgres_database(str(make_url(url).database))


if __name__ == "__main__":
    from calibration import calibrated

    calibrated(main)
