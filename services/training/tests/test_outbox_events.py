"""Issue #18: a campus push that stores a record writes one record.accepted event in its transaction; a repeated
push (stored before) and a refused one write none."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from sanquan_kernel import testing as kt
from training.models import OutboxEvent

PUSH = {
    "title": "线上安全教育微课",
    "taken_on": "2025-03-01",
    "hours": 1.5,
    "days": 0,
    "themes": ["safety"],
    "organizer_level": "university",
}


def _events(app: Any) -> list[tuple[str, str, int | None, int | None, dict]]:
    with app.state.kernel.sessionmaker() as s:
        rows = s.scalars(select(OutboxEvent).order_by(OutboxEvent.seq))
        return [(e.type, e.subject, e.university_id, e.department_id, e.data) for e in rows]


def test_a_new_pushed_record_is_told_once_and_a_repeat_or_a_refusal_not_at_all(
    app: Any, client: TestClient, api
) -> None:
    api.staff("E1")
    api.staff("B1", dept=kt.DEPT_B1, uni=kt.UNI_B)
    h = kt.integration(client="campus-a")
    r = client.post("/api/training/records", json={**PUSH, "employee_no": "E1", "external_id": "hr-1"}, headers=h)
    assert r.status_code == 201, r.text
    record_id = r.json()["id"]
    accepted = ("record.accepted", f"training_record:{record_id}", kt.UNI_A, kt.DEPT_A1)
    data = {"record_id": record_id, "external_id": "hr-1", "source": "campus-a"}
    assert _events(app) == [(*accepted, data)]
    r = client.post("/api/training/records", json={**PUSH, "employee_no": "E1", "external_id": "hr-1"}, headers=h)
    assert r.status_code == 200  # stored before: nothing new, nothing told
    # another university's person is not found for university A's system: refused, nothing told
    r = client.post("/api/training/records", json={**PUSH, "employee_no": "B1", "external_id": "hr-2"}, headers=h)
    assert r.status_code == 422
    assert _events(app) == [(*accepted, data)]
