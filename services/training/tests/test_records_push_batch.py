"""批量推送 (issue #21): ``POST /api/training/records/batch`` answers every item as the single push would — 201
stored, 200 stored before under the same external_id (also earlier in the same batch), 422 with problem details —
in one transaction, with the single push's totals, audit entries and events; at most 1,000 records."""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from sanquan_kernel import testing as kt
from training.models import AuditEntry, OutboxEvent
from training.records.models import StaffYearTotal, TrainingRecord

URL = "/api/training/records/batch"
ONE = "/api/training/records"


def _item(**extra: object) -> dict:
    return {
        "title": "食品安全培训",
        "taken_on": "2025-04-02",
        "hours": 8,
        "days": 1,
        "themes": ["safety", "law"],
        "organizer_level": "department",
        **extra,
    }


def _count(app: FastAPI, model: type) -> int:
    with app.state.kernel.sessionmaker() as db:
        return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_a_batch_answers_each_item_as_the_single_push_would(app: FastAPI, client: TestClient, api) -> None:
    s = api.staff("E1")
    h = kt.integration(client="campus-a")
    before = client.post(ONE, json=_item(employee_no="E1", external_id="hr-0"), headers=h)
    assert before.status_code == 201
    body = {
        "records": [
            _item(employee_no="E1", external_id="hr-1"),
            _item(employee_no="E1", external_id="hr-0", hours=99),  # stored by the single push
            _item(staff_id=s["id"], external_id="hr-2", hours=0, days=0),  # malformed
            _item(employee_no="NOBODY", external_id="hr-3"),  # unknown staff member
            _item(staff_id=s["id"], hours=2, days=0),  # no external id: always a new record
            _item(employee_no="E1", external_id="hr-1", hours=50),  # repeats item 0
            "not a record",
        ]
    }
    r = client.post(URL, json=body, headers=h)
    assert r.status_code == 200, r.text
    out = r.json()
    assert [i["status"] for i in out["items"]] == [201, 200, 422, 422, 201, 200, 422]
    assert [i["index"] for i in out["items"]] == list(range(7))
    assert (out["created"], out["existing"], out["rejected"]) == (2, 2, 3)
    items = out["items"]
    assert items[0]["record"]["source"] == "campus-a" and items[0]["record"]["employee_no"] == "E1"
    assert items[0]["record"]["themes"] == ["law", "safety"] and items[0]["record"]["hours"] == 8.0
    assert items[1]["record"] == before.json()
    assert items[5]["record"] == items[0]["record"]
    assert items[2]["problem"]["status"] == 422 and items[2]["problem"]["errors"][0]["loc"][:3] == [
        "body",
        "records",
        2,
    ]
    assert items[3]["problem"]["errors"] == [
        {
            "loc": ["body", "records", 3, "employee_no"],
            "msg": "unknown staff member",
            "code": "unknown_staff",
            "type": "value_error",
            "field": "employee_no",
            "params": {},
            "message": "unknown staff member",
        }
    ]
    assert items[6]["problem"]["errors"][0]["loc"] == ["body", "records", 6]
    # the totals, the audit trail and the events: the single push's, once per stored record
    ledger = api.ledger(s["id"])
    assert ledger["hours"] == 8 + 8 + 2 and len(ledger["records"]) == 3
    with app.state.kernel.sessionmaker() as db:
        total = db.get(StaffYearTotal, (s["id"], 2025))
        assert total is not None and total.hours_x100 == 1800 and total.records == 3 and total.law_count == 3
        created = [i["record"]["id"] for i in items if i["status"] == 201]
        audited = db.scalars(select(AuditEntry.entity_id).where(AuditEntry.action == "record.create")).all()
        assert sorted(int(a) for a in audited) == sorted([before.json()["id"], *created])
        events = db.scalars(select(OutboxEvent).where(OutboxEvent.type == "record.accepted")).all()
        assert sorted(e.data["record_id"] for e in events) == sorted([before.json()["id"], *created])
        assert {e.data["external_id"] for e in events} == {"hr-0", "hr-1", None}


def test_the_same_batch_again_stores_nothing_and_answers_200_with_the_stored_records(
    app: FastAPI, client: TestClient, api
) -> None:
    api.staff("E1")
    h = kt.integration()
    body = {"records": [_item(employee_no="E1", external_id=f"x-{i}", hours=1 + i) for i in range(20)]}
    first = client.post(URL, json=body, headers=h)
    again = client.post(URL, json=body, headers=h)
    assert [i["status"] for i in first.json()["items"]] == [201] * 20
    assert [i["status"] for i in again.json()["items"]] == [200] * 20
    assert [i["record"] for i in again.json()["items"]] == [i["record"] for i in first.json()["items"]]
    assert _count(app, TrainingRecord) == 20
    # a single push of one of them: 200 with the same record
    one = client.post(ONE, json=_item(employee_no="E1", external_id="x-3"), headers=h)
    assert one.status_code == 200 and one.json() == first.json()["items"][3]["record"]


def test_another_universitys_staff_member_is_a_per_item_422_and_nothing_of_theirs_is_stored(
    app: FastAPI, client: TestClient, api
) -> None:
    mine = api.staff("E1")
    theirs = api.staff("B1", dept=kt.DEPT_B1, uni=kt.UNI_B)
    body = {
        "records": [
            _item(employee_no="B1", external_id="b-1"),
            _item(staff_id=theirs["id"], external_id="b-2"),
            _item(employee_no="B1", university_id=kt.UNI_B, external_id="b-3"),
            _item(staff_id=mine["id"], external_id="a-1"),
        ]
    }
    r = client.post(URL, json=body, headers=kt.integration(kt.UNI_A))
    assert r.status_code == 200, r.text
    assert [i["status"] for i in r.json()["items"]] == [422, 422, 422, 201]
    assert api.ledger(theirs["id"])["records"] == []
    # the same for a department manager and another department's person
    other_dept = api.staff("E2", dept=kt.DEPT_A2)
    r = client.post(
        URL, json={"records": [_item(staff_id=other_dept["id"])]}, headers=kt.department_manager(kt.DEPT_A1)
    )
    assert [i["status"] for i in r.json()["items"]] == [422]
    assert _count(app, TrainingRecord) == 1


def test_who_may_push_a_batch(client: TestClient, api) -> None:
    s = api.staff("E1", account_id=400)
    body = {"records": [_item(staff_id=s["id"])]}
    assert client.post(URL, json=body).status_code == 401
    assert client.post(URL, json=body, headers=kt.staff(400)).status_code == 403
    assert client.post(URL, json=body, headers=kt.integration(scope="training:read")).status_code == 403
    assert client.post(URL, json=body, headers=kt.university_admin()).status_code == 200


def test_more_than_a_thousand_records_is_413_and_stores_nothing(app: FastAPI, client: TestClient, api) -> None:
    api.staff("E1")
    body = {"records": [_item(employee_no="E1", external_id=f"m-{i}") for i in range(1001)]}
    r = client.post(URL, json=body, headers=kt.integration())
    assert r.status_code == 413, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["max_records"] == 1000
    for bad in ({"records": []}, {"records": "x"}, {}, {"records": [_item()], "extra": 1}):
        r = client.post(URL, json=bad, headers=kt.integration())
        assert r.status_code == 422, (bad, r.text)
    assert _count(app, TrainingRecord) == 0
    body["records"] = body["records"][:1000]
    r = client.post(URL, json=body, headers=kt.integration())
    assert r.status_code == 200 and r.json()["created"] == 1000
    assert _count(app, TrainingRecord) == 1000 and _count(app, AuditEntry) >= 1000
    assert (
        api.ledger(api.client.get("/api/training/staff", headers=kt.province_admin()).json()["items"][0]["id"])["hours"]
        == 8000
    )


def test_a_province_admin_names_the_university_per_item(client: TestClient, api) -> None:
    api.staff("E1")
    api.staff("B1", dept=kt.DEPT_B1, uni=kt.UNI_B)
    body = {
        "records": [
            _item(employee_no="E1", university_id=kt.UNI_A),
            _item(employee_no="B1", university_id=kt.UNI_B),
            _item(employee_no="B1"),
        ]
    }
    r = client.post(URL, json=body, headers=kt.province_admin())
    assert [i["status"] for i in r.json()["items"]] == [201, 201, 422]
    assert r.json()["items"][2]["problem"]["errors"][0]["loc"] == ["body", "records", 2, "university_id"]


def test_a_future_date_is_refused_per_item(client: TestClient, api) -> None:
    api.staff("E1")
    body = {"records": [_item(employee_no="E1", taken_on="2999-01-01"), _item(employee_no="E1")]}
    r = client.post(URL, json=body, headers=kt.integration())
    items = r.json()["items"]
    assert [i["status"] for i in items] == [422, 201]
    assert items[0]["problem"]["errors"][0]["loc"] == ["body", "records", 0, "taken_on"]


def test_racing_batches_with_the_same_external_ids_store_each_once(app: FastAPI, client: TestClient, api) -> None:
    import threading

    api.staff("E1")
    h = kt.integration()
    answers: list[list[int]] = []
    barrier = threading.Barrier(4)

    def push(k: int) -> None:
        ids = list(range(30)) if k % 2 else list(reversed(range(30)))  # the same ids in the other order
        body = {"records": [_item(employee_no="E1", external_id=f"r-{i}", hours=1) for i in ids]}
        barrier.wait()
        r = client.post(URL, json=body, headers=h)
        assert r.status_code == 200, r.text
        answers.append(sorted(i["record"]["id"] for i in r.json()["items"]))

    threads = [threading.Thread(target=push, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(answers) == 4 and all(a == answers[0] for a in answers)
    assert _count(app, TrainingRecord) == 30
    with app.state.kernel.sessionmaker() as db:
        total = db.scalars(select(StaffYearTotal)).one()
        assert total.hours_x100 == 3000 and total.records == 30


def test_an_impossible_staff_id_is_one_refused_item(client: TestClient, api) -> None:
    s = api.staff("E1")
    body = {"records": [_item(staff_id=2**63), _item(staff_id=-1), _item(staff_id=s["id"])]}
    r = client.post(URL, json=body, headers=kt.integration())
    assert r.status_code == 200, r.text
    assert [i["status"] for i in r.json()["items"]] == [422, 422, 201]


def test_each_stored_record_has_its_own_audit_entry_and_event_as_a_single_push_writes_them(
    app: FastAPI, client: TestClient, api
) -> None:
    """The batch builds its answers, audit entries and events from the values it inserted (RETURNING id only): they
    say what a single push's say — the entry's ``after`` as the record's fields, one event id of ``evt_`` + 32 hex
    digits per record, none twice."""
    api.staff("E1")
    h = kt.integration(client="campus-a")
    single = client.post(ONE, json=_item(employee_no="E1", external_id="s-0", hours=1.25, days=0.5), headers=h)
    assert single.status_code == 201
    body = {"records": [_item(employee_no="E1", external_id=f"b-{i}", hours=1.25, days=0.5) for i in range(30)]}
    out = client.post(URL, json=body, headers=h).json()
    assert out["created"] == 30
    ids = [single.json()["id"], *(i["record"]["id"] for i in out["items"])]
    with app.state.kernel.sessionmaker() as db:
        entries = {
            int(e.entity_id): e for e in db.scalars(select(AuditEntry).where(AuditEntry.action == "record.create"))
        }
        events = db.scalars(select(OutboxEvent).where(OutboxEvent.type == "record.accepted")).all()
    assert sorted(entries) == sorted(ids)
    first = entries[ids[1]]
    expected = {**entries[ids[0]].after, "external_id": "b-0"}
    assert first.after == expected and first.actor == entries[ids[0]].actor
    assert (first.actor_role, first.university_id) == (entries[ids[0]].actor_role, entries[ids[0]].university_id)
    assert len({e.id for e in events}) == len(events) == 31
    assert all(re.fullmatch(r"evt_[0-9a-f]{32}", e.id) for e in events)
    assert {e.subject for e in events} == {f"training_record:{i}" for i in ids}
