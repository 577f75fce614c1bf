"""The reminder run over the benchmark province (issue #18): 160 universities × 40 tasks × 4 milestones (~25,600
milestones, of plans approved, submitted, returned and draft), on SQLite and PostgreSQL.

Times ``plans.reminders.service.run_reminders`` (one INSERT … SELECT per milestone reminder into the outbox, the
event id as dedupe key) against a naive run — a Python loop per milestone that asks the outbox whether the event
is there and writes it with ``outbox.emit`` — in the same run, interleaved (both rolled back), then the real run
through the durable schedule (``run_due_jobs``) committed, and a second one that must write nothing.

    .venv/bin/python bench/plans_reminders.py [--universities 160] [--rounds 3] [--db sqlite,postgresql]

PostgreSQL at TEST_DATABASE_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/postgres): creates and
drops the database ``plans_reminders_bench``. SQLite: a file in a temporary directory.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from plans_overview import CATEGORIES, STATUSES, build_orgdir
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url

from plans.config import Settings
from plans.main import ALEMBIC_INI, create_app
from plans.plan.models import Plan
from plans.reminders import repository as repo
from plans.reminders import service as reminders
from plans.tasks.models import Milestone, Task
from sanquan_kernel import clock, outbox
from sanquan_kernel import testing as kt
from sanquan_kernel.migrate import migrate
from sanquan_kernel.orgdir import OrgDirectory

NOW = datetime(2026, 9, 15, 2, 0, tzinfo=UTC)


def generate(engine, orgdir: OrgDirectory, year: int, tasks_per_uni: int, ms_per_task: int, seed: int = 7) -> dict:
    rnd = random.Random(seed)
    today = clock.local_date(NOW)
    stamp = datetime.now(UTC)
    unis = orgdir.universities()
    with engine.begin() as conn:
        conn.execute(
            insert(Plan),
            [
                {
                    "university_id": u.id,
                    "year": year,
                    "title": f"{u.name}实施方案",
                    "summary": "",
                    "rules_text": "",
                    "systems_text": "",
                    "in_annual_work_plan": True,
                    "status": rnd.choice(STATUSES),
                    "created_by": "bench",
                    "version": 1,
                    "created_at": stamp,
                    "updated_at": stamp,
                }
                for u in unis
            ],
        )
        plan_ids = dict(conn.execute(text("SELECT university_id, id FROM plan WHERE year = :y"), {"y": year}).all())
        tasks = []
        for u in unis:
            depts = [d.id for d in orgdir.departments_of(u.id)]
            for i in range(tasks_per_uni):
                tasks.append(
                    {
                        "plan_id": plan_ids[u.id],
                        "university_id": u.id,
                        "category": CATEGORIES[i % 9],
                        "title": f"任务{i}",
                        "description": "",
                        "department_id": rnd.choice(depts),
                        "responsible_user_id": rnd.choice([None, rnd.randint(1, 5000)]),
                        "responsible_name": "负责人",
                        "start_on": date(year, 1, 1),
                        "due_on": date(year, 1, 1) + timedelta(days=rnd.randint(30, 364)),
                        "expected_outputs": "",
                        "status": "in_progress",
                        "percent": 0,
                        "sort_order": i,
                        "version": 1,
                        "created_at": stamp,
                        "updated_at": stamp,
                    }
                )
        conn.execute(insert(Task), tasks)
        rows = conn.execute(text("SELECT id, university_id, department_id, due_on, plan_id FROM task")).all()
        milestones = []
        for tid, uid, dept, due, pid in rows:
            due = due if isinstance(due, date) else date.fromisoformat(due)
            for s in range(1, ms_per_task + 1):
                mdue = due - timedelta(days=(ms_per_task - s) * 20)
                done = mdue < today and rnd.random() < 0.6
                milestones.append(
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
                        "evidence": "",
                        "version": 1,
                        "updated_at": stamp,
                    }
                )
        conn.execute(insert(Milestone), milestones)
    return {"plans": len(plan_ids), "tasks": len(rows), "milestones": len(milestones)}


def naive_run(session, now: datetime, after_days: int) -> int:
    """The baseline: every open milestone read into Python, each due reminder looked up and emitted one by one."""
    today = clock.local_date(now)
    m, t = repo.MILESTONE.c, repo.TASK.c
    rows = session.execute(
        select(
            m.id,
            m.task_id,
            m.plan_id,
            m.title,
            m.due_on,
            m.university_id,
            m.department_id,
            t.title.label("tt"),
            t.responsible_user_id,
            repo.PLAN.c.year,
        )
        .select_from(repo._milestones_joined())
        .where(repo.open_milestones())
    ).all()
    n = 0
    for r in rows:
        kinds = []
        if today <= r.due_on <= today + timedelta(days=reminders.DUE_SOON_DAYS):
            kinds.append("milestone.due_soon")
        if r.due_on < today:
            kinds.append("milestone.overdue")
        if r.due_on < today - timedelta(days=after_days):
            kinds.append("milestone.escalated")
        for kind in kinds:
            eid = repo.event_id(kind, r.id, r.due_on)
            if session.scalar(select(outbox.OUTBOX.c.seq).where(outbox.OUTBOX.c.id == eid)) is not None:
                continue
            session.execute(
                insert(outbox.OUTBOX),
                {
                    "id": eid,
                    "type": kind,
                    "university_id": r.university_id,
                    "department_id": r.department_id,
                    "subject": f"milestone:{r.id}",
                    "occurred_at": now,
                    "data": {
                        "milestone_id": r.id,
                        "task_id": r.task_id,
                        "plan_id": r.plan_id,
                        "year": r.year,
                        "title": r.title,
                        "task_title": r.tt,
                        "due_on": r.due_on.isoformat(),
                        "responsible_user_id": r.responsible_user_id,
                        "recipients": [r.responsible_user_id] if r.responsible_user_id else [],
                    },
                },
            )
            n += 1
    return n


def timed_rolled_back(maker, fn) -> tuple[float, int]:
    with maker() as s:
        s.begin()
        t = time.perf_counter()
        n = fn(s)
        elapsed = time.perf_counter() - t
        s.rollback()
    return elapsed, n


def bench(name: str, url: str, args: argparse.Namespace) -> None:
    migrate(ALEMBIC_INI, url)
    orgdir = build_orgdir(args.universities)
    settings = Settings(database_url=url, environment="test", log_level="WARNING")
    app = create_app(settings, authenticator=kt.make_authenticator(), orgdir=orgdir, start_sync=False)
    state = app.state.kernel
    t = time.perf_counter()
    counts = generate(state.engine, orgdir, NOW.year, args.tasks, args.milestones)
    print(f"[{name}] generated in {time.perf_counter() - t:.1f} s: {counts}")
    after = settings.escalate_after_days
    with clock.frozen(NOW):
        fast, slow = [], []
        for _ in range(args.rounds):  # interleaved: both see the same machine load
            s_time, s_n = timed_rolled_back(
                state.sessionmaker, lambda s: reminders.run_reminders(s, clock.now(), orgdir, after).total
            )
            n_time, n_n = timed_rolled_back(state.sessionmaker, lambda s: naive_run(s, clock.now(), after))
            fast.append(s_time)
            slow.append(n_time)
        t = time.perf_counter()
        [first] = reminders.run_due_jobs(state.sessionmaker, settings, orgdir)
        first_s = time.perf_counter() - t
        with state.sessionmaker.begin() as s:
            s.execute(text("UPDATE scheduled_job SET next_run_at = :n"), {"n": clock.now()})
        t = time.perf_counter()
        [second] = reminders.run_due_jobs(state.sessionmaker, settings, orgdir)
        second_s = time.perf_counter() - t
        with state.sessionmaker() as s:
            total = s.scalar(select(func.count()).select_from(outbox.OUTBOX))
            distinct = s.scalar(select(func.count(func.distinct(outbox.OUTBOX.c.id))))
            per_subject = s.execute(
                select(outbox.OUTBOX.c.type, outbox.OUTBOX.c.subject, func.count())
                .group_by(outbox.OUTBOX.c.type, outbox.OUTBOX.c.subject)
                .having(func.count() > 1)
            ).all()
    print(f"[{name}] reminders due: set-based {s_n}, naive {n_n} (agree: {s_n == n_n})")
    print(f"[{name}] set-based run (rolled back): median {statistics.median(fast) * 1000:.0f} ms")
    print(f"[{name}] naive run     (rolled back): median {statistics.median(slow) * 1000:.0f} ms")
    print(f"[{name}] ratio naive / set-based: {statistics.median(slow) / statistics.median(fast):.1f}x")
    print(
        f"[{name}] through the schedule: first run {first_s * 1000:.0f} ms wrote {sum(first.result.values())}, "
        f"second run {second_s * 1000:.0f} ms wrote {sum(second.result.values())}; "
        f"outbox rows {total}, distinct ids {distinct}, (type, subject) twice: {len(per_subject)}; "
        f"target <= 5 s: {'met' if first_s <= 5 else 'NOT met'}"
    )
    state.engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--universities", type=int, default=160)
    ap.add_argument("--tasks", type=int, default=40)
    ap.add_argument("--milestones", type=int, default=4)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--db", default="sqlite,postgresql")
    args = ap.parse_args()
    print(f"load average: {Path('/proc/loadavg').read_text().split()[:3]}")
    for name in args.db.split(","):
        if name == "sqlite":
            with tempfile.TemporaryDirectory() as d:
                bench("sqlite", f"sqlite:///{d}/plans.db", args)
        else:
            url = kt.create_postgres_database("plans_reminders_bench")
            try:
                bench("postgresql", url, args)
            finally:
                kt.drop_postgres_database(str(make_url(url).database))


if __name__ == "__main__":
    from calibration import calibrated

    calibrated(main)
