"""The events that tell a requester of their own request's changes (S1, issue #20): accepted, assigned,
transferred, answered, closed and escalated carry the requester's hall subject for the gateway's notifications;
a new request's, a reopened one's (the requester's own doings) do not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from hall_helpers import configure, report, student
from sqlalchemy import select

from hall.models import OutboxEvent
from hall.requests import timers
from sanquan_kernel import clock
from sanquan_kernel import testing as kt


def _events(app: FastAPI, request_id: int) -> list[tuple[str, str | None]]:
    with app.state.kernel.sessionmaker() as s:
        rows = s.scalars(select(OutboxEvent).order_by(OutboxEvent.seq)).all()
        return [(r.type, r.data.get("requester")) for r in rows if r.data.get("request_id") == request_id]


def test_the_requester_is_named_by_the_events_of_their_request_s_changes(client: TestClient, app: FastAPI) -> None:
    configure(client)
    r = report(client, who=student(7), category="complaint", anonymous=True)
    path = f"/api/hall/requests/{r['id']}"
    assert client.post(f"{path}/assign", json={"user_id": 400}, headers=kt.department_manager()).status_code == 200
    assert client.post(f"{path}/answer", json={"text": "已处理好了"}, headers=kt.staff()).status_code == 200
    assert client.post(f"{path}/close", headers=kt.staff()).status_code == 200
    assert client.post(f"{path}/reopen", json={"reason": "又坏了"}, headers=student(7)).status_code == 200
    assert _events(app, r["id"]) == [
        ("hall.request.created", None),
        ("hall.request.assigned", "hall:7"),
        ("hall.request.answered", "hall:7"),
        ("hall.request.closed", "hall:7"),
        ("hall.request.created", None),  # reopened by the requester: the staff are told, not the requester
    ]
    other = report(client, who=student(8))
    path = f"/api/hall/requests/{other['id']}"
    assert client.post(f"{path}/accept", headers=kt.staff()).status_code == 200
    moved = client.post(
        f"{path}/transfer",
        json={"department_id": kt.DEPT_A2, "reason": "属于公寓中心"},
        headers=kt.department_manager(),
    )
    assert moved.status_code == 200
    assert _events(app, other["id"]) == [
        ("hall.request.created", None),
        ("hall.request.accepted", "hall:8"),
        ("hall.request.created", "hall:8"),  # transferred: the new department and the requester
    ]


def test_an_escalation_names_the_requester(client: TestClient, app: FastAPI) -> None:
    configure(client)
    monday_9 = datetime(2026, 12, 7, 1, tzinfo=UTC)
    with clock.frozen(monday_9):
        r = report(client, who=student(9))
    with clock.frozen(monday_9 + timedelta(days=30)):
        timers.run_due_jobs(app.state.kernel.sessionmaker, app.state.kernel.settings)
    escalated = [e for e in _events(app, r["id"]) if e[0] == "hall.request.escalated"]
    assert escalated and all(who == "hall:9" for _, who in escalated)
