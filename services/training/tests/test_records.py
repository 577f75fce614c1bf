"""The ledger: records from people and campus systems, external_id idempotency (also under races), scope on
every path, deletion and correction kept in the audit trail."""

from __future__ import annotations

import threading

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from sanquan_kernel import testing as kt
from training.models import AuditEntry
from training.records.models import StaffYearTotal, TrainingRecord

URL = "/api/training/records"


def _push(staff: dict | None = None, **extra: object) -> dict:
    body = {
        "title": "食品安全培训",
        "taken_on": "2025-04-02",
        "hours": 8,
        "days": 1,
        "themes": ["safety", "law"],
        "organizer_level": "department",
        **extra,
    }
    if staff is not None:
        body["staff_id"] = staff["id"]
    return body


def test_a_push_by_employee_number_answers_201_with_id_and_source(client: TestClient, api) -> None:
    api.staff("E1")
    r = client.post(URL, json=_push(employee_no="E1", external_id="hr-1"), headers=kt.integration(client="campus-a"))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["id"] > 0 and body["source"] == "campus-a" and body["external_id"] == "hr-1"
    assert body["themes"] == ["law", "safety"] and body["hours"] == 8.0


def test_the_same_external_id_again_answers_200_with_the_stored_record(client: TestClient, api) -> None:
    s = api.staff("E1")
    h = kt.integration()
    first = client.post(URL, json=_push(s, external_id="x-1"), headers=h)
    again = client.post(URL, json=_push(s, external_id="x-1", hours=99), headers=h)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert api.ledger(s["id"])["hours"] == 8.0


def test_the_same_external_id_from_another_source_is_another_record(client: TestClient, api) -> None:
    s = api.staff("E1")
    assert client.post(URL, json=_push(s, external_id="x-1"), headers=kt.integration(client="a")).status_code == 201
    assert client.post(URL, json=_push(s, external_id="x-1"), headers=kt.integration(client="b")).status_code == 201


def test_concurrent_duplicate_pushes_store_one_record(app: FastAPI, client: TestClient, api) -> None:
    s = api.staff("E1")
    h = kt.integration()
    statuses: list[int] = []
    ids: list[int] = []
    barrier = threading.Barrier(8)

    def push() -> None:
        barrier.wait()
        r = client.post(URL, json=_push(s, external_id="race-1"), headers=h)
        statuses.append(r.status_code)
        ids.append(r.json()["id"])

    threads = [threading.Thread(target=push) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] * 7 + [201]
    assert len(set(ids)) == 1
    with app.state.kernel.sessionmaker() as db:
        assert db.scalar(select(func.count()).select_from(TrainingRecord)) == 1
        total = db.get(StaffYearTotal, (s["id"], 2025))
        assert total is not None and total.hours_x100 == 800 and total.records == 1


def test_a_client_writes_only_with_the_write_scope_and_only_in_its_university(client: TestClient, api) -> None:
    api.staff("E1")
    api.staff("B1", dept=kt.DEPT_B1, uni=kt.UNI_B)
    r = client.post(URL, json=_push(employee_no="E1"), headers=kt.integration(scope="training:read"))
    assert r.status_code == 403
    r = client.post(URL, json=_push(employee_no="B1"), headers=kt.integration(kt.UNI_A))
    assert r.status_code == 422


def test_a_staff_member_cannot_write_records(client: TestClient, api) -> None:
    s = api.staff("E1", account_id=400)
    assert client.post(URL, json=_push(s), headers=kt.staff(400)).status_code == 403


def test_a_manager_writes_for_their_own_department_only(client: TestClient, api) -> None:
    mine = api.staff("E1", dept=kt.DEPT_A1)
    other = api.staff("E2", dept=kt.DEPT_A2)
    assert client.post(URL, json=_push(mine), headers=kt.department_manager(kt.DEPT_A1)).status_code == 201
    assert client.post(URL, json=_push(other), headers=kt.department_manager(kt.DEPT_A1)).status_code == 422


def test_list_and_detail_show_only_records_in_scope(client: TestClient, api) -> None:
    a1 = api.staff("A1", dept=kt.DEPT_A1, account_id=400)
    a2 = api.staff("A2", dept=kt.DEPT_A2)
    b1 = api.staff("B1", dept=kt.DEPT_B1, uni=kt.UNI_B)
    r_a1 = api.record(a1["id"])
    r_a2 = api.record(a2["id"])
    r_b1 = api.record(b1["id"], uni=kt.UNI_B)

    def listed(h: dict) -> list[int]:
        return sorted(r["id"] for r in client.get(URL, headers=h).json()["items"])

    assert listed(kt.province_admin()) == sorted([r_a1["id"], r_a2["id"], r_b1["id"]])
    assert listed(kt.university_admin(kt.UNI_A)) == sorted([r_a1["id"], r_a2["id"]])
    assert listed(kt.integration(kt.UNI_B)) == [r_b1["id"]]
    assert listed(kt.department_manager(kt.DEPT_A1)) == [r_a1["id"]]
    assert listed(kt.staff(400)) == [r_a1["id"]]
    assert listed(kt.expert()) == []
    assert client.get(f"{URL}/{r_b1['id']}", headers=kt.university_admin(kt.UNI_A)).status_code == 404
    assert client.get(f"{URL}/{r_a2['id']}", headers=kt.department_manager(kt.DEPT_A1)).status_code == 404
    assert client.get(f"{URL}/{r_a1['id']}", headers=kt.staff(400)).status_code == 200
    assert client.delete(f"{URL}/{r_b1['id']}", headers=kt.university_admin(kt.UNI_A)).status_code == 404


def test_list_filters_by_staff_year_and_theme(client: TestClient, api) -> None:
    s = api.staff("A1")
    api.record(s["id"], themes=["law"], taken_on="2025-02-01")
    api.record(s["id"], themes=["ideals", "ideology"], taken_on="2024-02-01")
    h = kt.university_admin()
    assert client.get(URL, params={"theme": "law"}, headers=h).json()["total"] == 1
    assert client.get(URL, params={"theme": "ideals"}, headers=h).json()["items"][0]["year"] == 2024
    assert client.get(URL, params={"year": 2024, "staff_id": s["id"]}, headers=h).json()["total"] == 1
    assert client.get(URL, params={"theme": "safety"}, headers=h).json()["total"] == 0


def test_delete_is_kept_in_the_audit_trail(app: FastAPI, client: TestClient, api) -> None:
    s = api.staff("A1")
    rec = api.record(s["id"], hours=12)
    assert client.delete(f"{URL}/{rec['id']}", headers=kt.university_admin()).status_code == 204
    assert client.get(f"{URL}/{rec['id']}", headers=kt.university_admin()).status_code == 404
    with app.state.kernel.sessionmaker() as db:
        entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "record.delete")).one()
        assert entry.before is not None and entry.before["hours"] == "12.00" and entry.actor == "210"


def test_a_correction_moves_the_hours_between_years_and_is_audited(app: FastAPI, client: TestClient, api) -> None:
    s = api.staff("A1")
    rec = api.record(s["id"], hours=90, days=0, taken_on="2025-01-05")
    r = client.patch(
        f"{URL}/{rec['id']}",
        json={"taken_on": "2024-12-30", "hours": 60},
        headers={**kt.university_admin(), "If-Match": 'W/"1"'},
    )
    assert r.status_code == 200, r.text
    assert r.json()["year"] == 2024 and r.json()["version"] == 2
    assert api.ledger(s["id"], 2025)["hours"] == 0.0
    assert api.ledger(s["id"], 2024)["hours"] == 60.0
    stale = client.patch(
        f"{URL}/{rec['id']}", json={"hours": 1}, headers={**kt.university_admin(), "If-Match": 'W/"1"'}
    )
    assert stale.status_code == 412
    with app.state.kernel.sessionmaker() as db:
        entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "record.correct")).one()
        assert entry.before["hours"] == "90.00" and entry.after["hours"] == "60.00"


def test_totals_equal_the_raw_records_after_inserts_deletes_and_corrections(
    app: FastAPI, client: TestClient, api
) -> None:
    from training.records.repository import recompute_totals

    s = api.staff("A1")
    recs = [api.record(s["id"], hours=h, days=d) for h, d in ((7.5, 1), (3.25, 0.5), (12, 2), (0.01, 0))]
    client.delete(f"{URL}/{recs[1]['id']}", headers=kt.university_admin())
    client.patch(f"{URL}/{recs[2]['id']}", json={"hours": 11.11}, headers=kt.university_admin())
    with app.state.kernel.sessionmaker() as db:
        raw = recompute_totals(db, s["id"], 2025)
        total = db.get(StaffYearTotal, (s["id"], 2025))
        assert total is not None
        assert (total.hours_x100, total.days_x100, total.records) == (
            round(raw["hours"] * 100),
            round(raw["days"] * 100),
            raw["records"],
        )
        assert total.safety_hours_x100 == 1862 and total.safety_count == 3


def test_a_correction_cannot_blank_a_required_field(client: TestClient, api) -> None:
    s = api.staff("A1")
    rec = api.record(s["id"])
    r = client.patch(f"{URL}/{rec['id']}", json={"title": None}, headers=kt.university_admin())
    assert r.status_code == 422
    ok = client.patch(f"{URL}/{rec['id']}", json={"evidence": None}, headers=kt.university_admin())
    assert ok.status_code == 200
