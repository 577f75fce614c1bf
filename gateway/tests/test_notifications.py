"""The notification centre (issue #18): events taken in at ``POST /internal/events`` become notifications of the
people the type's rule names, each read by its own person only."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from sanquan_gateway.accounts.models import Client

from .conftest import World

N = "/api/notifications"


def _service(w: World, name: str = "plans") -> dict[str, str]:
    issuer = w.app.state.kernel.extras["issuer"]
    with w.app.state.kernel.sessionmaker() as s:
        client = s.scalar(select(Client).where(Client.client_id == f"svc-{name}"))
    return {"Authorization": f"Bearer {issuer.access_for_client(client)[0]}"}


def _send(w: World, type: str, source: str = "plans", **kw: Any) -> str:
    e = {
        "id": "evt_" + uuid.uuid4().hex,
        "type": type,
        "source": source,
        "university_id": w.ids["uni_a"],
        "department_id": None,
        "subject": "plan:7",
        "occurred_at": "2026-12-04T08:00:00+00:00",
        "data": {"plan_id": 7, "year": 2026},
    }
    e.update(kw)
    r = w.client.post("/internal/events", json={"events": [e]}, headers=_service(w, source))
    assert r.status_code == 200 and r.json()["accepted"] == 1, r.text
    return str(e["id"])


def _mine(w: World, who: str) -> list[dict[str, Any]]:
    r = w.client.get(N, headers=w.auth(who))
    assert r.status_code == 200, r.text
    return list(r.json()["items"])


def test_a_returned_plan_tells_the_universitys_admins_and_nobody_of_another_university(world: World) -> None:
    _send(world, "plan.returned")
    [n] = _mine(world, "uni_a_admin")
    assert n["kind"] == "plan.returned" and n["params"] == {"plan_id": 7, "year": 2026}
    assert n["link"] == "/plans/mine" and n["read_at"] is None
    for other in ("uni_b_admin", "province_admin", "mgr_a1", "staff_a1", "expert"):
        assert _mine(world, other) == [], other
    # the same event relayed again tells nobody twice
    r = world.client.get(f"{N}/unread-count", headers=world.auth("uni_a_admin"))
    assert r.json() == {"unread": 1}


def test_a_submitted_plan_leads_the_province_to_its_review(world: World) -> None:
    _send(world, "plan.submitted")
    [n] = _mine(world, "province_admin")
    assert n["link"] == "/plans/review/7"
    assert _mine(world, "uni_a_admin") == []


def test_a_rectification_tells_its_university_and_department_and_an_overdue_one_the_province(world: World) -> None:
    """#19: supervision's rectifications, as the plans service relays them."""
    data = {"rectification_id": 3, "finding_id": 3, "due_on": "2026-12-20", "severity": "major"}
    dept = world.ids["a1"]
    _send(world, "rectification.assigned", subject="rectification:3", department_id=dept, data=data)
    for who in ("uni_a_admin", "mgr_a1"):
        [n] = _mine(world, who)
        assert n["kind"] == "rectification.assigned" and n["link"] == "/supervision/rectifications", who
    for other in ("uni_b_admin", "province_admin", "staff_a1"):
        assert _mine(world, other) == [], other
    _send(world, "rectification.overdue", subject="rectification:3", department_id=dept, data=data)
    assert [n["kind"] for n in _mine(world, "province_admin")] == ["rectification.overdue"]
    assert _mine(world, "uni_b_admin") == []


def test_named_recipients_only_of_the_events_university(world: World) -> None:
    staff_a1, staff_b1 = world.users["staff_a1"].id, world.users["staff_b1"].id
    _send(
        world,
        "self_report.decided",
        source="training",
        subject="self_report:3",
        data={"self_report_id": 3, "status": "approved", "recipients": [staff_a1, staff_b1]},
    )
    [n] = _mine(world, "staff_a1")
    assert n["params"] == {"self_report_id": 3, "status": "approved"} and n["link"] == "/my/ledger"
    assert _mine(world, "staff_b1") == []  # a service cannot tell a person of another university
    # a department's letter: that department's managers only
    _send(world, "letter.to_sign", department_id=world.ids["a1"], subject="letter:1", data={"letter_id": 1})
    assert [n["kind"] for n in _mine(world, "mgr_a1")] == ["letter.to_sign"]
    assert _mine(world, "mgr_a2") == []


def test_the_province_notice_tells_every_university(world: World) -> None:
    _send(world, "notice.issued", university_id=None, subject="notice:1", data={"notice_id": 1, "year": 2027})
    assert [n["kind"] for n in _mine(world, "uni_a_admin")] == ["notice.issued"]
    assert [n["kind"] for n in _mine(world, "uni_b_admin")] == ["notice.issued"]
    assert _mine(world, "staff_a1") == []


def test_records_for_campus_systems_tell_nobody_here(world: World) -> None:
    _send(world, "record.accepted", source="training", subject="training_record:1", data={"record_id": 1})
    for who in ("uni_a_admin", "mgr_a1", "province_admin"):
        assert _mine(world, who) == []


def test_reading_marks_only_ones_own_and_the_count_answers_304_while_unchanged(world: World) -> None:
    _send(world, "plan.returned")
    _send(world, "plan.approved")
    _send(world, "plan.returned", university_id=world.ids["uni_b"])
    h = world.auth("uni_a_admin")
    first = world.client.get(f"{N}/unread-count", headers=h)
    assert first.json() == {"unread": 2}
    etag = first.headers["etag"]
    assert world.client.get(f"{N}/unread-count", headers={**h, "If-None-Match": etag}).status_code == 304
    newest, older = _mine(world, "uni_a_admin")
    assert newest["kind"] == "plan.approved"  # newest first
    [theirs] = _mine(world, "uni_b_admin")
    # another person's notification: 404, and it stays unread
    assert world.client.post(f"{N}/{theirs['id']}/read", headers=h).status_code == 404
    assert world.client.post(f"{N}/{newest['id']}/read", headers=h).status_code == 204
    assert world.client.post(f"{N}/{newest['id']}/read", headers=h).status_code == 204  # again: no change
    r = world.client.get(f"{N}/unread-count", headers={**h, "If-None-Match": etag})
    assert r.status_code == 200 and r.json() == {"unread": 1}
    assert [n["id"] for n in world.client.get(N, params={"unread": True}, headers=h).json()["items"]] == [older["id"]]
    assert world.client.post(f"{N}/read-all", headers=h).json() == {"marked": 1}
    assert world.client.get(f"{N}/unread-count", headers=h).json() == {"unread": 0}
    assert _mine(world, "uni_b_admin")[0]["read_at"] is None
    # machines have no notifications
    assert world.client.get(N, headers=_service(world)).status_code == 403


def test_an_annual_summary_tells_the_province_when_submitted_and_the_university_when_decided(world: World) -> None:
    """#19: the evaluation service's annual summaries (年度总结)."""
    data = {"annual_summary_id": 5, "year": 2026, "status": "submitted"}
    _send(world, "annual_summary.submitted", source="evaluation", subject="annual_summary:5", data=data)
    [n] = _mine(world, "province_admin")
    assert n["kind"] == "annual_summary.submitted" and n["link"] == "/evaluation/annual"
    assert _mine(world, "uni_a_admin") == []
    _send(world, "annual_summary.returned", source="evaluation", subject="annual_summary:5", data=data)
    assert [n["kind"] for n in _mine(world, "uni_a_admin")] == ["annual_summary.returned"]
    for other in ("uni_b_admin", "mgr_a1", "staff_a1"):
        assert _mine(world, other) == [], other


def test_an_event_of_the_province_tells_every_universitys_administrators_and_a_universitys_its_own(
    world: World,
) -> None:
    """#19 (E4): events organised around the campaigns; a held event tells nobody."""
    data = {"event_id": 3, "title": "全省表彰大会", "kind": "commendation_conference", "starts_on": "2026-12-20"}
    _send(world, "event.scheduled", source="evaluation", subject="event:3", university_id=None, data=data)
    for admin in ("uni_a_admin", "uni_b_admin"):
        [n] = _mine(world, admin)
        assert n["kind"] == "event.scheduled" and n["link"] == "/evaluation/events/3", admin
    for other in ("province_admin", "mgr_a1", "staff_a1"):
        assert _mine(world, other) == [], other
    _send(world, "event.held", source="evaluation", subject="event:3", university_id=None, data=data)
    assert len(_mine(world, "uni_b_admin")) == 1
    own = {**data, "event_id": 4, "course_id": 8, "hours": 4, "days": 0.5}
    _send(world, "event.training_declared", source="evaluation", subject="event:4", data=own)
    assert [n["kind"] for n in _mine(world, "uni_a_admin")] == ["event.training_declared", "event.scheduled"]
    assert [n["kind"] for n in _mine(world, "uni_b_admin")] == ["event.scheduled"]


def test_a_hall_request_tells_its_departments_managers_and_a_broken_promise_the_manager_then_the_admin(
    world: World,
) -> None:
    """#20: the service hall's requests, as the hall relays them (the requester is a student, never told here)."""
    dept = world.ids["a1"]
    data = {"request_id": 9, "number": "BX2026-000009", "category": "repair_dorm", "department_id": dept}
    _send(world, "hall.request.created", source="hall", subject="hall_request:9", department_id=dept, data=data)
    [n] = _mine(world, "mgr_a1")
    assert n["kind"] == "hall.request.created" and n["link"] == "/service-hall/requests/9"
    for other in ("uni_a_admin", "uni_b_admin", "province_admin", "staff_a1"):
        assert _mine(world, other) == [], other
    # no routing rule matched: the university's administrators' inbox
    data0 = {**data, "request_id": 10, "department_id": None}
    _send(world, "hall.request.created", source="hall", subject="hall_request:10", data=data0)
    assert [n["params"]["request_id"] for n in _mine(world, "uni_a_admin")] == [10]
    # escalation: level 1 the department's manager, level 2 the university's administrators
    esc = {**data, "level": 1, "breach": "accept", "audience": "department_manager"}
    _send(world, "hall.request.escalated", source="hall", subject="hall_request:9", department_id=dept, data=esc)
    assert [n["kind"] for n in _mine(world, "mgr_a1")] == ["hall.request.escalated", "hall.request.created"]
    _send(
        world,
        "hall.request.escalated",
        source="hall",
        subject="hall_request:9",
        department_id=dept,
        data={**esc, "level": 2, "audience": "university_admin"},
    )
    assert [n["kind"] for n in _mine(world, "uni_a_admin")] == ["hall.request.escalated", "hall.request.created"]
    for kind in ("hall.request.answered", "hall.request.closed"):
        _send(world, kind, source="hall", subject="hall_request:9", department_id=dept, data=data)
    assert len(_mine(world, "mgr_a1")) == 2 and _mine(world, "uni_b_admin") == []
