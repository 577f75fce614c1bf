"""What the hot requests of issue #8's load mix cost the database, in statements: at most the figures below, so
that a lazy load, an N+1 query or a re-read of a row just written fails here (docs/decisions.md, "Plans service",
round trips). Reads on PostgreSQL send no BEGIN/COMMIT (autocommit); SQLite reads begin deferred."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from plans.tasks.schemas import ProgressOut
from sanquan_kernel import testing as kt
from sanquan_kernel.clock import today


def _cost(app: FastAPI, client: TestClient, method: str, url: str, headers: dict, body: Any = None) -> tuple:
    with kt.count_statements(app.state.kernel.engine) as log:
        r = client.request(method, url, headers=headers, json=body)
    assert r.status_code < 300, r.text
    return r, log


def _reads(app: FastAPI, log: kt.StatementLog, queries: int) -> None:
    sqlite = app.state.kernel.engine.dialect.name == "sqlite"
    assert len(log.queries) <= queries, str(log)
    assert len(log) <= queries + (2 if sqlite else 0), str(log)


def test_a_managers_progress_report_costs_four_statements(app: FastAPI, client: TestClient, api) -> None:
    _, tasks = api.approved_plan(year=today().year)
    mgr = kt.department_manager(kt.DEPT_A1)
    mgr_subject = str(300 + kt.DEPT_A1)  # kt.department_manager's account
    url = f"/api/plans/tasks/{tasks[0]['id']}/progress"
    for percent in (40, 40, 65):  # the same figures again still count as a report and a new version
        r, log = _cost(
            app, client, "POST", url, mgr, {"status": "in_progress", "percent": percent, "note": "按计划推进"}
        )
        assert r.status_code == 201
        # answered as plain data serialised directly: exactly the documented shape
        assert ProgressOut.model_validate(r.json()).model_dump(mode="json") == r.json()
        assert r.json()["percent"] == percent and r.json()["reported_by"] == mgr_subject
        # the task with its plan's status; the task's UPDATE; the report; the audit entry
        assert len(log.queries) <= 4, str(log)
        if percent == 65:  # after the first report, every statement comes from SQLAlchemy's cache
            assert log.compiled == [], log.compiled
        assert log.statements.count("BEGIN") == 1 and log.statements[-1] == "COMMIT" and len(log) <= 6, str(log)
    task = client.get(f"/api/plans/tasks/{tasks[0]['id']}", headers=mgr).json()
    assert (task["status"], task["percent"], task["version"]) == ("in_progress", 65, tasks[0]["version"] + 3)
    reports = client.get(url, headers=mgr).json()
    assert reports["total"] == 3 and [x["percent"] for x in reports["items"]] == [65, 40, 40]


def test_the_province_overview_costs_five_statements(app: FastAPI, client: TestClient, api) -> None:
    api.approved_plan(year=today().year)
    api.approved_plan(uni=kt.UNI_B, depts=(kt.DEPT_B1,), year=today().year)
    r, log = _cost(app, client, "GET", f"/api/plans/overview?year={today().year}", kt.province_admin())
    _reads(app, log, 5)  # plans, tasks, milestones, work-study posts, funding: each grouped for every university
    assert r.json()["totals"]["tasks_total"] == 3


def test_a_university_dashboard_costs_seven_statements(app: FastAPI, client: TestClient, api) -> None:
    _, tasks = api.approved_plan(year=today().year)
    api.approved_plan(uni=kt.UNI_B, depts=(kt.DEPT_B1,), year=today().year)
    client.post(
        f"/api/plans/tasks/{tasks[0]['id']}/progress",
        json={"status": "in_progress", "percent": 30},
        headers=kt.department_manager(kt.DEPT_A1),
    )
    r, log = _cost(app, client, "GET", f"/api/plans/dashboard?year={today().year}", kt.university_admin())
    # the plan; milestones counted; work-study posts; funding; the plan's tasks counted per category and
    # department; the open milestones (overdue and due soon); the letters counted
    _reads(app, log, 7)
    d = r.json()
    assert d["tasks_total"] == 2 and [x["total"] for x in d["by_department"]] == [1, 1]
    assert d["by_category"][0]["average_percent"] == 15.0
    assert len(d["overdue_milestones"]) == 2 and len(d["milestones_due_soon"]) == 0


def test_the_dashboards_one_milestone_query_lists_what_the_two_did_also_past_the_limit(
    app: FastAPI, client: TestClient, api
) -> None:
    from datetime import timedelta

    from plans.reports import repository as repo
    from sanquan_kernel.principal import Principal, Role, scope_for

    # three overdue milestones (and the plan's own), one due today, two due soon, one later, one done (never listed)
    marks = [("a", -9), ("b", -5), ("c", -1), ("d", 0), ("e", 3), ("f", 10), ("g", 40)]
    plan, tasks = api.approved_plan(year=today().year, depts=(kt.DEPT_A1,))
    ms = client.get(f"/api/plans/tasks/{tasks[0]['id']}/milestones", headers=kt.university_admin()).json()["items"]
    assert len(ms) == 2
    with app.state.kernel.sessionmaker() as s:
        from plans.tasks.models import Milestone

        first = s.get(Milestone, ms[0]["id"])
        assert first is not None
        for i, (title, days) in enumerate(marks):
            s.add(
                Milestone(
                    task_id=first.task_id,
                    plan_id=first.plan_id,
                    university_id=first.university_id,
                    department_id=first.department_id,
                    seq=10 + i,
                    title=title,
                    due_on=today() + timedelta(days=days),
                    status="not_started",
                )
            )
        s.add(
            Milestone(
                task_id=first.task_id,
                plan_id=first.plan_id,
                university_id=first.university_id,
                department_id=first.department_id,
                seq=30,
                title="done",
                due_on=today() - timedelta(days=2),
                status="done",
            )
        )
        s.commit()
    scope = scope_for(Principal("1", Role.UNIVERSITY_ADMIN, kt.UNI_A, kt.UNI_A, None))
    as_of, due_to = today(), today() + timedelta(days=14)
    with app.state.kernel.sessionmaker() as s:
        for limit in (1, 2, 3, 4, 5, 200):
            late, soon = repo.open_milestones(s, scope, plan["id"], as_of, due_to, limit=limit)
            assert late == repo.milestones_between(s, scope, plan["id"], overdue_as_of=as_of, limit=limit), limit
            assert soon == repo.milestones_between(s, scope, plan["id"], due_from=as_of, due_to=due_to, limit=limit)
            assert len(soon) == min(limit, 3) and len(late) == min(limit, 4)  # the task's own overdue one too


def test_concurrent_progress_reports_each_count(app: FastAPI, client: TestClient, api) -> None:
    """Without SELECT … FOR UPDATE first, the task's UPDATE still serialises reporters: every report is stored and
    counts one version, and the task ends with one of the reported figures."""
    import threading

    _, tasks = api.approved_plan(year=today().year)
    mgr = kt.department_manager(kt.DEPT_A1)
    url = f"/api/plans/tasks/{tasks[0]['id']}/progress"
    barrier = threading.Barrier(6)
    statuses: list[int] = []

    def report(percent: int) -> None:
        barrier.wait()
        statuses.append(client.post(url, json={"status": "in_progress", "percent": percent}, headers=mgr).status_code)

    threads = [threading.Thread(target=report, args=(10 * (i + 1),)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [201] * 6
    task = client.get(f"/api/plans/tasks/{tasks[0]['id']}", headers=mgr).json()
    assert task["version"] == tasks[0]["version"] + 6 and task["percent"] in {10, 20, 30, 40, 50, 60}
    assert client.get(url, headers=mgr).json()["total"] == 6


def test_a_progress_report_is_counted_as_a_business_event_once(app: FastAPI, client: TestClient, api) -> None:
    """Its audit entry is written in plain SQL, outside the unit of work that counts the others: still counted."""
    from prometheus_client import REGISTRY

    def events() -> float:
        labels = {"service": "plans", "event": "progress.report"}
        return REGISTRY.get_sample_value("business_events_total", labels) or 0

    _, tasks = api.approved_plan(year=today().year)
    before = events()
    r = client.post(
        f"/api/plans/tasks/{tasks[0]['id']}/progress",
        json={"status": "in_progress", "percent": 10},
        headers=kt.department_manager(kt.DEPT_A1),
    )
    assert r.status_code == 201 and events() == before + 1
    assert r.json()["reported_at"]  # the column's default, as with the ORM
    from sqlalchemy import select

    from plans.models import AuditEntry

    with app.state.kernel.sessionmaker() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "progress.report")).one()
        assert (entry.entity, entry.entity_id, entry.actor) == ("task", str(tasks[0]["id"]), str(300 + kt.DEPT_A1))
        assert entry.after == {"milestone_id": None, "status": "in_progress", "percent": 10} and entry.at is not None
