"""批量导出 / 批量删除 on the ledger (issue #17): the selected rows only, all or nothing, audited, and a record of
another university or department in the batch is neither deleted nor revealed (A3)."""

from __future__ import annotations

import io

from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from sanquan_kernel import testing as kt
from training.models import AuditEntry
from training.records.models import TrainingRecord

URL = "/api/training/records"


def _batch(*records: dict) -> dict:
    return {"records": [{"id": r["id"], "version": r["version"]} for r in records]}


def _exported_ids(content: bytes) -> list[int]:
    ws = load_workbook(io.BytesIO(content)).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "记录编号"
    return sorted(int(r[0]) for r in rows[1:])


def test_batch_delete_deletes_every_named_record_and_audits_each(app: FastAPI, client: TestClient, api) -> None:
    s = api.staff("A1")
    a, b, keep = (api.record(s["id"], hours=h, days=0) for h in (10, 20, 40))
    r = client.post(f"{URL}/batch-delete", json=_batch(a, b), headers=kt.university_admin())
    assert r.status_code == 200, r.text
    assert r.json() == {"deleted": 2}
    assert api.ledger(s["id"])["hours"] == 40.0
    listed = client.get(URL, headers=kt.university_admin()).json()["items"]
    assert [x["id"] for x in listed] == [keep["id"]]
    with app.state.kernel.sessionmaker() as db:
        entries = db.scalars(select(AuditEntry).where(AuditEntry.action == "record.delete")).all()
        assert sorted(int(e.entity_id) for e in entries) == sorted([a["id"], b["id"]])


def test_another_universitys_record_in_the_batch_deletes_nothing_and_is_not_revealed(
    app: FastAPI, client: TestClient, api
) -> None:
    mine = api.record(api.staff("A1")["id"])
    theirs = api.record(api.staff("B1", dept=kt.DEPT_B1, uni=kt.UNI_B)["id"], uni=kt.UNI_B)
    r = client.post(f"{URL}/batch-delete", json=_batch(mine, theirs), headers=kt.university_admin())
    assert r.status_code == 404, r.text
    body = r.json()
    assert body["code"] == "not_found"
    assert [e["loc"] for e in body["errors"]] == [["body", "records", 1, "id"]]
    # the same answer as a number that never existed: nothing of the other record is told
    named = {"records": [*_batch(mine)["records"], {"id": 999_999, "version": 1}]}
    unknown = client.post(f"{URL}/batch-delete", json=named, headers=kt.university_admin())
    assert unknown.status_code == 404 and unknown.json()["errors"] == body["errors"]
    assert theirs["title"] not in r.text
    with app.state.kernel.sessionmaker() as db:
        rows = db.scalars(select(TrainingRecord)).all()
        assert all(x.deleted_at is None for x in rows) and len(rows) == 2
        assert db.scalars(select(AuditEntry).where(AuditEntry.action == "record.delete")).all() == []


def test_a_department_manager_cannot_batch_delete_a_sibling_departments_record(client: TestClient, api) -> None:
    own = api.record(api.staff("A1")["id"])
    sibling = api.record(api.staff("A2", dept=kt.DEPT_A2)["id"])
    h = kt.department_manager(kt.DEPT_A1)
    r = client.post(f"{URL}/batch-delete", json=_batch(own, sibling), headers=h)
    assert r.status_code == 404
    assert client.get(f"{URL}/{own['id']}", headers=h).status_code == 200
    assert client.post(f"{URL}/batch-delete", json=_batch(own), headers=h).json() == {"deleted": 1}


def test_a_record_changed_since_it_was_listed_stops_the_batch(client: TestClient, api) -> None:
    s = api.staff("A1")
    a, b = api.record(s["id"]), api.record(s["id"])
    assert client.patch(f"{URL}/{b['id']}", json={"hours": 3}, headers=kt.university_admin()).status_code == 200
    r = client.post(f"{URL}/batch-delete", json=_batch(a, b), headers=kt.university_admin())
    assert r.status_code == 412 and r.json()["code"] == "stale_version"
    assert [e["loc"] for e in r.json()["errors"]] == [["body", "records", 1, "version"]]
    assert len(api.ledger(s["id"])["records"]) == 2


def test_a_record_deleted_already_is_not_found_and_a_batch_names_each_once(client: TestClient, api) -> None:
    s = api.staff("A1")
    a, b = api.record(s["id"]), api.record(s["id"])
    assert client.delete(f"{URL}/{a['id']}", headers=kt.university_admin()).status_code == 204
    assert client.post(f"{URL}/batch-delete", json=_batch(b, a), headers=kt.university_admin()).status_code == 404
    twice = client.post(f"{URL}/batch-delete", json=_batch(b, b), headers=kt.university_admin())
    assert twice.status_code == 422
    empty = client.post(f"{URL}/batch-delete", json={"records": []}, headers=kt.university_admin())
    assert empty.status_code == 422 and empty.json()["errors"]
    assert len(api.ledger(s["id"])["records"]) == 1


def test_staff_and_experts_cannot_batch_delete(client: TestClient, api) -> None:
    rec = api.record(api.staff("A1")["id"])
    for h in (kt.staff(), kt.expert()):
        assert client.post(f"{URL}/batch-delete", json=_batch(rec), headers=h).status_code == 403


def test_batch_export_holds_the_selected_rows_only_and_never_another_universitys(client: TestClient, api) -> None:
    s = api.staff("A1")
    a, _b, c = (api.record(s["id"]) for _ in range(3))
    theirs = api.record(api.staff("B1", dept=kt.DEPT_B1, uni=kt.UNI_B)["id"], uni=kt.UNI_B)
    r = client.get(f"{URL}/export", params={"ids": [a["id"], c["id"], theirs["id"]]}, headers=kt.university_admin())
    assert r.status_code == 200, r.text
    assert "filename*=UTF-8''%E5%9F%B9%E8%AE%AD%E5%8F%B0%E8%B4%A6" in r.headers["content-disposition"]  # 培训台账
    assert "%E5%B7%B2%E9%80%892%E6%9D%A1" in r.headers["content-disposition"]  # 已选2条
    assert _exported_ids(r.content) == sorted([a["id"], c["id"]])
    whole = client.get(f"{URL}/export", headers=kt.university_admin())
    assert len(_exported_ids(whole.content)) == 3
