"""Promise timers (S1): working minutes in the province's calendar; breaches escalate to the department's manager,
then the university's administrator, each once (the durable schedule with a controlled clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from hall_helpers import configure, report
from sqlalchemy import select

from hall.models import OutboxEvent
from hall.requests import timers
from hall.requests.working import add_working_minutes
from sanquan_kernel import clock
from sanquan_kernel import testing as kt
from sanquan_kernel.clock import PROVINCE_TZ

WH = {"days": [1, 2, 3, 4, 5], "start": "08:00", "end": "18:00"}


def at(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=PROVINCE_TZ)


def test_working_minutes_skip_the_night_and_the_weekend() -> None:
    friday_5pm = at(2026, 12, 4, 17)
    assert add_working_minutes(friday_5pm, 120, WH) == at(2026, 12, 7, 9)  # one hour Friday, one Monday
    saturday = at(2026, 12, 5, 10)
    assert add_working_minutes(saturday, 30, WH) == at(2026, 12, 7, 8, 30)
    early = at(2026, 12, 7, 6)
    assert add_working_minutes(early, 600, WH) == at(2026, 12, 7, 18)
    assert add_working_minutes(early, 601, WH) == at(2026, 12, 8, 8, 1)
    assert add_working_minutes(saturday, 30, None) == at(2026, 12, 5, 10, 30)  # round the clock


def _escalations(app: FastAPI) -> list[dict[str, object]]:
    with app.state.kernel.sessionmaker() as s:
        rows = s.scalars(select(OutboxEvent).where(OutboxEvent.type == "hall.request.escalated")).all()
        return [{"level": r.data["level"], "breach": r.data["breach"], "audience": r.data["audience"]} for r in rows]


def _run(app: FastAPI) -> None:
    timers.run_due_jobs(app.state.kernel.sessionmaker, app.state.kernel.settings)


def test_a_breached_promise_escalates_to_the_manager_then_the_university(client: TestClient, app: FastAPI) -> None:
    configure(client)
    monday_9 = at(2026, 12, 7, 9).astimezone(UTC)
    with clock.frozen(monday_9):
        r = report(client)
        assert r["accept_due_at"].startswith("2026-12-07T03:00")  # 11:00 in the province
        _run(app)
        assert _escalations(app) == []
    with clock.frozen(monday_9 + timedelta(hours=2, minutes=1)):
        _run(app)
        assert _escalations(app) == [{"level": 1, "breach": "accept", "audience": "department_manager"}]
        listed = client.get("/api/hall/requests?breached=true", headers=kt.department_manager()).json()
        assert [i["id"] for i in listed["items"]] == [r["id"]]
        _run(app)  # not due again yet; and nothing twice
        assert len(_escalations(app)) == 1
    # 2,880 working minutes = 48 working hours from Monday 09:00: due Friday 11 December, 17:00 (province)
    with clock.frozen(at(2026, 12, 11, 16, 59).astimezone(UTC)):
        _run(app)
        assert len(_escalations(app)) == 1
    with clock.frozen(at(2026, 12, 11, 17, 1).astimezone(UTC)):
        _run(app)
        assert [e["breach"] for e in _escalations(app)] == ["accept", "resolve"]
    # the same time again: Friday 18 December, 15:00
    with clock.frozen(at(2026, 12, 18, 14, 59).astimezone(UTC)):
        _run(app)
        assert len(_escalations(app)) == 2
    with clock.frozen(at(2026, 12, 18, 15, 1).astimezone(UTC)):
        _run(app)
        assert _escalations(app)[-1] == {"level": 2, "breach": "resolve", "audience": "university_admin"}
        _run(app)
        assert len(_escalations(app)) == 3
        detail = client.get(f"/api/hall/requests/{r['id']}", headers=kt.university_admin()).json()
        assert detail["escalation_level"] == 2 and detail["breached"] is True
        assert [e["kind"] for e in detail["events"]].count("escalated") == 3


def test_an_accepted_request_does_not_escalate_for_accepting(client: TestClient, app: FastAPI) -> None:
    configure(client)
    monday_9 = at(2026, 12, 7, 9).astimezone(UTC)
    with clock.frozen(monday_9):
        r = report(client)
        client.post(f"/api/hall/requests/{r['id']}/accept", headers=kt.staff())
    with clock.frozen(monday_9 + timedelta(hours=3)):
        _run(app)
    assert _escalations(app) == []
    assert client.get("/api/hall/requests?breached=true", headers=kt.staff()).json()["items"] == []


def test_a_backlog_of_breaches_escalates_in_one_run_with_its_events_in_one_statement(
    client: TestClient, app: FastAPI
) -> None:
    """After the scheduler was down, one run escalates the whole backlog: every breach once, and the run's
    statements do not grow with it (the events in one executemany, not one INSERT each)."""
    from hall_helpers import student

    configure(client)
    monday_9 = at(2026, 12, 7, 9).astimezone(UTC)
    with clock.frozen(monday_9):
        ids = [report(client, student(identity=100 + i))["id"] for i in range(12)]
    engine = app.state.kernel.engine
    with clock.frozen(monday_9 + timedelta(hours=2, minutes=1)), kt.count_statements(engine) as log:
        _run(app)
    escalated = _escalations(app)
    assert len(escalated) == 12 and all(e["breach"] == "accept" for e in escalated)
    assert len(log.queries) < 12, log  # was one INSERT per escalation
    with app.state.kernel.sessionmaker() as s:
        subjects = s.scalars(select(OutboxEvent.subject).where(OutboxEvent.type == "hall.request.escalated")).all()
    assert sorted(subjects) == sorted(f"hall_request:{i}" for i in ids)
    with clock.frozen(monday_9 + timedelta(hours=2, minutes=5)):
        _run(app)
    assert len(_escalations(app)) == 12  # nothing twice
