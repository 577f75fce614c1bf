"""Reminders and escalation on the durable schedule (issue #18), with the clock moved by the test: each reminder
is emitted once (run twice: nothing more), a restarted process or a second replica does not run a job twice, a
crashed run's lease runs out and the job catches up; escalated milestones and late plans on the alert list, each
university seeing only its own."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from plans.reminders import service as reminders
from plans.reminders.models import ScheduledJob
from sanquan_kernel import clock
from sanquan_kernel import testing as kt
from sanquan_kernel.outbox import OUTBOX

START = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # 10:00 in the province, Monday 2 March 2026
A = "/api/plans/alerts"
REMINDERS = ("milestone.due_soon", "milestone.overdue", "milestone.escalated", "plan.not_submitted", "deadline.soon")


@pytest.fixture
def frozen() -> object:
    with clock.frozen(START):
        yield


def _run(app: object) -> list[reminders.schedule.Outcome]:
    state = app.state.kernel  # type: ignore[attr-defined]
    return reminders.run_due_jobs(state.sessionmaker, state.settings, state.orgdir)


def _events(app: object, type_: str | None = None) -> list[dict]:
    with app.state.kernel.sessionmaker() as s:  # type: ignore[attr-defined]
        stmt = select(OUTBOX).where(OUTBOX.c.type.in_(list(REMINDERS))).order_by(OUTBOX.c.seq)
        if type_:
            stmt = stmt.where(OUTBOX.c.type == type_)
        return [dict(r._mapping) for r in s.execute(stmt)]


def _make_due(app: object) -> None:
    """The schedule's next run is now (the tests move the clock by days; the job runs hourly)."""
    with app.state.kernel.sessionmaker.begin() as s:  # type: ignore[attr-defined]
        s.execute(update(ScheduledJob).values(next_run_at=clock.now()))


def _approved(client: TestClient, api: object, uni: int, dept: int, due_in: int) -> tuple[dict, dict]:
    plan = api.create_plan(uni, 2026)  # type: ignore[attr-defined]
    task = api.add_task(plan["id"], uni, dept, due_in=120, milestones=[("调研", due_in)])  # type: ignore[attr-defined]
    api.submit(plan["id"], uni)  # type: ignore[attr-defined]
    api.approve(plan["id"])  # type: ignore[attr-defined]
    return plan, task


def test_a_milestone_is_reminded_once_then_overdue_then_escalated_and_on_the_alert_list(
    frozen: object, app: object, client: TestClient, api: object
) -> None:
    _, task = _approved(client, api, kt.UNI_A, kt.DEPT_A1, due_in=10)
    _approved(client, api, kt.UNI_B, kt.DEPT_B1, due_in=40)  # another university's, later
    milestone = task["milestones"][0]
    [outcome] = _run(app)
    assert outcome.ran and outcome.result["milestone.due_soon"] == 0  # due in 10 days: not yet
    clock.advance(timedelta(days=3))
    _make_due(app)
    [outcome] = _run(app)
    assert outcome.result["milestone.due_soon"] == 1
    [soon] = _events(app, "milestone.due_soon")
    assert soon["university_id"] == kt.UNI_A and soon["department_id"] == kt.DEPT_A1
    assert soon["subject"] == f"milestone:{milestone['id']}"
    assert soon["data"]["milestone_id"] == milestone["id"] and soon["data"]["due_on"] == milestone["due_on"]
    assert soon["data"]["recipients"] == [300 + kt.DEPT_A1] and soon["data"]["title"] == "调研"
    # run twice (and a third time, the job due again): nothing more
    assert not _run(app)[0].ran
    _make_due(app)
    assert _run(app)[0].result == dict.fromkeys(outcome.result, 0)
    assert len(_events(app)) == 1
    # overdue the day after its date, once
    clock.advance(timedelta(days=8))
    _make_due(app)
    assert _run(app)[0].result["milestone.overdue"] == 1
    _make_due(app)
    assert _run(app)[0].result["milestone.overdue"] == 0
    # not on the alert list before it is escalated
    assert client.get(f"{A}/milestones", headers=kt.province_admin()).json()["total"] == 0
    # more than 7 days overdue: escalated, once, and on the province's alert list
    clock.advance(timedelta(days=6))
    _make_due(app)
    assert _run(app)[0].result["milestone.escalated"] == 0  # 7 days is not more than 7
    clock.advance(timedelta(days=1))
    _make_due(app)
    assert _run(app)[0].result["milestone.escalated"] == 1
    [esc] = _events(app, "milestone.escalated")
    assert esc["university_id"] == kt.UNI_A and esc["data"]["escalate_after_days"] == 7
    _make_due(app)
    assert _run(app)[0].result["milestone.escalated"] == 0
    got = client.get(f"{A}/milestones", headers=kt.province_admin()).json()
    assert got["total"] == 1
    [item] = got["items"]
    assert item["milestone_id"] == milestone["id"] and item["days_overdue"] == 8
    assert item["university_name"] == "甲大学" and item["department_name"] == "饮食服务中心"
    # the university sees its own; another university nothing of A's, and naming A is not found
    assert client.get(f"{A}/milestones", headers=kt.university_admin()).json()["total"] == 1
    assert client.get(f"{A}/milestones", headers=kt.university_admin(kt.UNI_B)).json()["total"] == 0
    r = client.get(f"{A}/milestones", params={"university_id": kt.UNI_A}, headers=kt.university_admin(kt.UNI_B))
    assert r.status_code == 404
    r = client.get(f"{A}/milestones", params={"department_id": kt.DEPT_A1}, headers=kt.university_admin(kt.UNI_B))
    assert r.status_code == 404
    # filters
    q = {"university_id": kt.UNI_B}
    assert client.get(f"{A}/milestones", params=q, headers=kt.province_admin()).json()["total"] == 0
    q = {"min_days_overdue": 9}
    assert client.get(f"{A}/milestones", params=q, headers=kt.province_admin()).json()["total"] == 0
    for h in (kt.department_manager(), kt.staff(), kt.expert(), kt.integration(kt.UNI_A, scope="plans:read")):
        assert client.get(f"{A}/milestones", headers=h).status_code == 403


def test_plans_not_submitted_by_the_deadline_with_extensions(
    frozen: object, app: object, client: TestClient, api: object
) -> None:
    notice = {"year": 2026, "title": "关于做好2026年后勤三全育人工作的通知", "plan_due_on": "2026-03-10"}
    r = client.post("/api/plans/notices", json=notice, headers=kt.province_admin())
    assert r.status_code == 201, r.text
    nid = r.json()["id"]
    assert client.post(f"/api/plans/notices/{nid}/issue", headers=kt.province_admin()).status_code == 200
    ext = {"university_id": kt.UNI_B, "due_on": "2026-03-20", "reason": "校区搬迁"}
    r = client.post(f"/api/plans/notices/{nid}/extensions", json=ext, headers=kt.province_admin())
    assert r.status_code in (200, 201), r.text
    assert _run(app)[0].result["deadline.soon"] == 0
    clock.set_now(date(2026, 3, 7))  # three days before A's deadline
    _make_due(app)
    assert _run(app)[0].result["deadline.soon"] == 1
    assert [e["university_id"] for e in _events(app, "deadline.soon")] == [kt.UNI_A]
    clock.set_now(date(2026, 3, 11))
    _make_due(app)
    assert _run(app)[0].result["plan.not_submitted"] == 1
    [late] = _events(app, "plan.not_submitted")
    assert late["university_id"] == kt.UNI_A and late["data"]["due_on"] == "2026-03-10"
    _make_due(app)
    assert _run(app)[0].result["plan.not_submitted"] == 0
    got = client.get(f"{A}/plans", params={"year": 2026}, headers=kt.province_admin()).json()
    assert [(i["university_id"], i["days_overdue"], i["plan_id"]) for i in got["items"]] == [(kt.UNI_A, 1, None)]
    # B submits in time (its extension); A's plan, once submitted, leaves the list
    plan_b = api.create_plan(kt.UNI_B, 2026)  # type: ignore[attr-defined]
    api.add_task(plan_b["id"], kt.UNI_B, kt.DEPT_B1)  # type: ignore[attr-defined]
    api.submit(plan_b["id"], kt.UNI_B)  # type: ignore[attr-defined]
    clock.set_now(date(2026, 3, 25))
    _make_due(app)
    assert _run(app)[0].result["plan.not_submitted"] == 0
    got = client.get(f"{A}/plans", params={"year": 2026}, headers=kt.province_admin()).json()
    assert [i["university_id"] for i in got["items"]] == [kt.UNI_A]
    # B's administrators see nothing of A's
    got = client.get(f"{A}/plans", params={"year": 2026}, headers=kt.university_admin(kt.UNI_B)).json()
    assert got["items"] == []
    q = {"year": 2026, "university_id": kt.UNI_A}
    r = client.get(f"{A}/plans", params=q, headers=kt.university_admin(kt.UNI_B))
    assert r.status_code == 404
    assert client.get(f"{A}/plans", params={"year": 2027}, headers=kt.province_admin()).json()["notice_issued"] is False


def test_the_schedule_runs_once_across_replicas_and_restarts_and_catches_up(
    frozen: object, app: object, shared_app: object
) -> None:
    state = app.state.kernel  # type: ignore[attr-defined]
    runs: list[datetime] = []

    def count(_s: object, now: datetime) -> int:
        runs.append(now)
        return len(runs)

    job = reminders.schedule.Job("test.count", timedelta(hours=1), count)

    def tick() -> list[reminders.schedule.Outcome]:
        return reminders.schedule.run_due_jobs(state.sessionmaker, ScheduledJob, [job])

    # two replicas ask at the same instant: one runs it
    outcomes: list[bool] = []
    threads = [threading.Thread(target=lambda: outcomes.extend(o.ran for o in tick())) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == [False, True] and len(runs) == 1
    # a restart (a fresh scheduler, same database) does not run it again before its next slot
    assert not tick()[0].ran and len(runs) == 1
    clock.advance(timedelta(minutes=59))
    assert not tick()[0].ran
    # after downtime: one catch-up run, not one per missed hour, and the next slot on the hourly grid
    clock.advance(timedelta(hours=30))
    assert tick()[0].ran and len(runs) == 2
    assert not tick()[0].ran
    with state.sessionmaker() as s:
        row = s.get(ScheduledJob, "test.count")
        assert row.next_run_at > clock.now() and row.next_run_at.minute == 0 and row.runs == 2
    # a process that died holding the lease: nobody runs it until the lease has run out, then once
    clock.advance(timedelta(hours=2))
    with state.sessionmaker.begin() as s:
        s.execute(
            update(ScheduledJob)
            .where(ScheduledJob.name == "test.count")
            .values(lease_owner="dead", lease_until=clock.now() + timedelta(minutes=10))
        )
    assert not tick()[0].ran
    clock.advance(timedelta(minutes=11))
    assert tick()[0].ran and len(runs) == 3


def test_a_failed_run_commits_nothing_and_runs_again(frozen: object, app: object) -> None:
    state = app.state.kernel  # type: ignore[attr-defined]
    calls: list[int] = []

    def fail_once(session: object, now: datetime) -> None:
        from sanquan_kernel.outbox import emit

        emit(session, "milestone.overdue", subject="milestone:1", university_id=kt.UNI_A)  # type: ignore[arg-type]
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("boom")

    job = reminders.schedule.Job("test.fail", timedelta(hours=1), fail_once)
    [first] = reminders.schedule.run_due_jobs(state.sessionmaker, ScheduledJob, [job])
    assert not first.ran and "boom" in (first.error or "")
    assert _events(app) == []  # the failed run's event was rolled back with it
    [second] = reminders.schedule.run_due_jobs(state.sessionmaker, ScheduledJob, [job])
    assert second.ran and len(_events(app)) == 1
