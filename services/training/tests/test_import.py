"""Bulk import (CONTRACT.md): all or nothing, a dry run, every wrong row with row, column and reason, the
template, scope, and the background job variant."""

from __future__ import annotations

import io
import time

from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from sanquan_kernel import testing as kt
from training.records.models import TrainingRecord

URL = "/api/training/records/import"
HEADER = "employee_no,title,taken_on,hours,days,themes,organizer_level,external_id\n"


def _csv(*rows: str) -> bytes:
    return (HEADER + "\n".join(rows) + "\n").encode()


def _post(
    client: TestClient, content: bytes, name: str = "ledger.csv", headers: dict | None = None, **params: object
) -> dict:
    r = client.post(URL, params=params, files={"file": (name, content)}, headers=headers or kt.university_admin())
    assert r.status_code == 200, r.text
    return r.json()


def _brief(errors: list[dict]) -> list[dict]:
    """The contract's fields of each error (row: the data row, 1 the first)."""
    return [{k: e[k] for k in ("row", "column", "message")} for e in errors]


def _count(app: FastAPI) -> int:
    with app.state.kernel.sessionmaker() as db:
        return db.scalar(select(func.count()).select_from(TrainingRecord)) or 0


def test_a_good_file_is_stored_and_counts(client: TestClient, app: FastAPI, api) -> None:
    s = api.staff("E1")
    res = _post(
        client,
        _csv(
            "E1,消防演练,2025-03-01,45,0,safety;law,province,imp-1",
            "E1,职业道德讲座,2025/03/02,45,1.5,职业道德,校级,imp-2",
        ),
    )
    assert res == {"total": 2, "accepted": 2, "rejected": 0, "skipped": 0, "dry_run": False, "errors": []}
    led = api.ledger(s["id"])
    assert led["hours"] == 90.0 and led["compliant"] is True
    assert {r["source"] for r in led["records"]} == {"import"}
    assert led["by_theme"]["ethics"]["count"] == 1


def test_an_import_with_one_bad_row_stores_nothing(client: TestClient, app: FastAPI, api) -> None:
    api.staff("E1")
    res = _post(
        client,
        _csv(
            "E1,消防演练,2025-03-01,8,1,safety,university,a",
            "E1,坏行,2025-02-30,8,1,safety,university,b",
            "E1,好行,2025-03-03,8,1,safety,university,c",
        ),
    )
    assert res["rejected"] == 1 and res["accepted"] == 0
    assert _brief(res["errors"]) == [{"row": 2, "column": "taken_on", "message": "not a date (YYYY-MM-DD)"}]
    # the row Excel shows (the header is row 1), the header as written, a stable code and the Chinese reason
    (e,) = res["errors"]
    assert (e["sheet_row"], e["header"], e["code"]) == (3, "taken_on", "not_date")
    assert e["message_zh"] == "不是有效日期，请按 2026-03-15 的格式填写"
    assert _count(app) == 0


def test_every_wrong_row_is_reported_with_its_column(client: TestClient, app: FastAPI, api) -> None:
    api.staff("E1")
    api.staff("B1", dept=kt.DEPT_B1, uni=kt.UNI_B)
    res = _post(
        client,
        _csv(
            "E9,未知,2025-03-01,8,1,safety,university,",
            "B1,别的学校,2025-03-01,8,1,safety,university,",
            "E1,,2999-01-01,-1,0,cooking,nowhere,",
            "E1,两个零,2025-03-01,0,0,law,province,x",
            "E1,重复,2025-03-01,1,0,law,province,x",
        ),
    )
    got = {(e["row"], e["column"]) for e in res["errors"]}
    assert {
        (1, "employee_no"),
        (2, "employee_no"),
        (3, "title"),
        (3, "taken_on"),
        (3, "hours"),
        (3, "themes"),
        (3, "organizer_level"),
        (4, "hours"),
        (5, "external_id"),
    } <= got
    assert res["total"] == 5 and res["rejected"] == 5
    assert _count(app) == 0


def test_a_dry_run_validates_and_stores_nothing(client: TestClient, app: FastAPI, api) -> None:
    api.staff("E1")
    res = _post(client, _csv("E1,消防演练,2025-03-01,8,1,safety,university,a"), dry_run="true")
    assert (res["accepted"], res["dry_run"], res["errors"]) == (1, True, [])
    assert _count(app) == 0


def test_a_manager_imports_only_for_their_department(client: TestClient, app: FastAPI, api) -> None:
    api.staff("E1", dept=kt.DEPT_A1)
    api.staff("E2", dept=kt.DEPT_A2)
    res = _post(
        client,
        _csv("E1,a,2025-03-01,8,1,safety,department,", "E2,b,2025-03-01,8,1,safety,department,"),
        headers=kt.department_manager(kt.DEPT_A1),
    )
    assert [(e["row"], e["column"]) for e in res["errors"]] == [(2, "employee_no")]
    assert _count(app) == 0


def test_importing_the_same_file_twice_skips_what_was_stored(client: TestClient, app: FastAPI, api) -> None:
    s = api.staff("E1")
    content = _csv("E1,a,2025-03-01,8,1,safety,university,k1", "E1,b,2025-03-02,8,1,safety,university,k2")
    _post(client, content)
    again = _post(client, content)
    assert (again["accepted"], again["skipped"]) == (0, 2)
    assert _count(app) == 2 and api.ledger(s["id"])["hours"] == 16.0


def test_an_xlsx_with_chinese_headers_and_excel_dates_is_read(client: TestClient, api) -> None:
    from datetime import datetime

    s = api.staff("1001")
    wb = Workbook()
    ws = wb.active
    ws.append(["工号", "培训名称", "培训日期", "学时", "天数", "培训主题", "组织层级", "外部编号"])
    ws.append([1001, "宪法学习", datetime(2025, 12, 31), 90, 0, "以宪法教育为核心的法治教育", "省级", None])
    buf = io.BytesIO()
    wb.save(buf)
    res = _post(client, buf.getvalue(), name="台账.xlsx")
    assert res["accepted"] == 1, res
    assert api.ledger(s["id"], 2025)["by_theme"]["law"]["hours"] == 90.0


def test_a_file_without_the_required_columns_is_refused_at_row_zero(client: TestClient) -> None:
    res = _post(client, b"employee_no,title\nE1,x\n")
    assert {"row": 0, "column": "taken_on", "message": "missing column"} in _brief(res["errors"])
    e = next(e for e in res["errors"] if e["column"] == "taken_on")
    assert (e["sheet_row"], e["message_zh"]) == (1, "缺少“培训日期”列")


def test_a_staff_member_and_a_read_only_client_cannot_import(client: TestClient) -> None:
    for h in (kt.staff(), kt.integration(scope="training:read")):
        r = client.post(URL, files={"file": ("a.csv", _csv())}, headers=h)
        assert r.status_code == 403


def test_the_template_has_the_header_row(client: TestClient) -> None:
    c = client.get("/api/training/records/import-template", params={"format": "csv"}, headers=kt.university_admin())
    assert c.status_code == 200 and c.content.decode("utf-8-sig").strip() == HEADER.strip()
    # the workbook speaks Chinese (test_import_workbooks.py), headers the import reads as the contract's columns
    x = client.get("/api/training/records/import-template", params={"format": "xlsx"}, headers=kt.university_admin())
    header = next(load_workbook(io.BytesIO(x.content)).worksheets[0].iter_rows(values_only=True))
    assert header == ("工号", "培训名称", "培训日期", "学时", "天数", "培训主题", "组织层级", "外部编号")


def test_an_import_job_reports_progress_and_the_result(client: TestClient, app: FastAPI, api) -> None:
    s = api.staff("E1")
    r = client.post(
        "/api/training/records/import-jobs",
        files={
            "file": (
                "a.csv",
                _csv("E1,a,2025-03-01,50,1,safety,university,j1", "E1,b,2025-03-02,40,1,law,university,j2"),
            )
        },
        headers=kt.university_admin(),
    )
    assert r.status_code == 202, r.text
    url = r.headers["location"]
    assert url == r.json()["url"] and r.json()["total"] == 2
    for _ in range(100):
        job = client.get(url, headers=kt.university_admin()).json()
        if job["status"] in ("done", "failed"):
            break
        time.sleep(0.05)
    assert job["status"] == "done" and job["progress"] == 1.0, job
    assert job["result"]["accepted"] == 2
    assert api.ledger(s["id"])["compliant"] is True
    assert client.get(url, headers=kt.university_admin(kt.UNI_B)).status_code == 404


def test_an_import_job_with_a_bad_row_ends_done_with_the_errors_and_stores_nothing(
    client: TestClient, app: FastAPI, api
) -> None:
    api.staff("E1")
    r = client.post(
        "/api/training/records/import-jobs",
        files={
            "file": (
                "a.csv",
                _csv("E1,a,2025-03-01,50,1,safety,university,j1", "E9,b,2025-03-02,40,1,law,university,j2"),
            )
        },
        headers=kt.university_admin(),
    )
    url = r.headers["location"]
    for _ in range(100):
        job = client.get(url, headers=kt.university_admin()).json()
        if job["status"] in ("done", "failed"):
            break
        time.sleep(0.05)
    assert job["status"] == "done"
    assert _brief(job["result"]["errors"]) == [
        {"row": 2, "column": "employee_no", "message": "no staff member with employee number 'E9' in your scope"}
    ]
    assert job["result"]["errors"][0]["sheet_row"] == 3
    assert _count(app) == 0
