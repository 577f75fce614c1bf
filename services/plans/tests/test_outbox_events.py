"""Issue #18: the plan's events are written to the outbox in the transaction of the change — once per change,
none for a change that was refused (nothing committed)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from plans.models import OutboxEvent
from sanquan_kernel import testing as kt


def _events(app: Any) -> list[tuple[str, str, int | None, dict]]:
    with app.state.kernel.sessionmaker() as s:
        rows = s.scalars(select(OutboxEvent).order_by(OutboxEvent.seq))
        return [(e.type, e.subject, e.university_id, e.data) for e in rows]


def test_submit_return_and_approve_each_write_one_event_and_a_refused_return_none(
    app: Any, client: TestClient, api
) -> None:
    plan = api.create_plan()
    task = api.add_task(plan["id"])
    api.submit(plan["id"])
    subject, uni = f"plan:{plan['id']}", kt.UNI_A
    assert _events(app)[-1] == ("plan.submitted", subject, uni, {"plan_id": plan["id"], "year": 2026, "seq": 1})
    before = _events(app)
    bad = {"comment": "x", "task_comments": [{"task_id": 999999, "body": "?"}]}
    r = client.post(f"/api/plans/plans/{plan['id']}/return", headers=kt.province_admin(), json=bad)
    assert r.status_code == 422
    assert _events(app) == before  # refused: rolled back with the change
    body = {"comment": "请补充", "task_comments": [{"task_id": task["id"], "body": "时间太晚"}]}
    r = client.post(f"/api/plans/plans/{plan['id']}/return", headers=kt.province_admin(), json=body)
    assert r.status_code == 200
    assert _events(app)[len(before) :] == [
        ("plan.returned", subject, uni, {"plan_id": plan["id"], "year": 2026, "seq": 1})
    ]
    api.submit(plan["id"])
    api.approve(plan["id"])
    assert [e[0] for e in _events(app)[len(before) :]] == ["plan.returned", "plan.submitted", "plan.approved"]
    # the events of university A's plan name university A only
    assert {e[2] for e in _events(app) if e[1] == subject} == {kt.UNI_A}
