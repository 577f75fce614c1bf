"""Course attendance from Excel (#17 section 2): the template lists the course's enrolled people, rows are checked
first (Excel row numbers, Chinese reasons, the error report), nothing is marked with one wrong row, the marked go
through the course's attendance path into the ledger once (the same file twice changes nothing), and another
university's person in the file is refused per row."""

from __future__ import annotations

import io
from urllib.parse import unquote

from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook

from sanquan_kernel import testing as kt

COURSES = "/api/training/courses"


def _xlsx(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _course(client: TestClient, headers: dict, **extra: object) -> dict:
    body = {
        "title": "宪法宣传周专题培训",
        "themes": ["law"],
        "starts_on": "2025-09-01",
        "ends_on": "2025-09-02",
        "hours": 16,
        "days": 2,
        **extra,
    }
    r = client.post(COURSES, json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def _setup(client: TestClient, api) -> tuple[dict, dict, dict, dict]:
    a1 = api.staff("A1", dept=kt.DEPT_A1, name="张一")
    a2 = api.staff("A2", dept=kt.DEPT_A1, name="张二")
    b1 = api.staff("B1", dept=kt.DEPT_B1, uni=kt.UNI_B)
    course = _course(client, kt.university_admin())
    r = client.post(
        f"{COURSES}/{course['id']}/enrolments", json={"staff_ids": [a1["id"], a2["id"]]}, headers=kt.university_admin()
    )
    assert r.status_code == 200, r.text
    return course, a1, a2, b1


def test_attendance_from_excel_goes_into_the_ledger_once(client: TestClient, api) -> None:
    course, a1, a2, _ = _setup(client, api)
    url = f"{COURSES}/{course['id']}/attendance"
    t = client.get(f"{url}/import-template", headers=kt.department_manager())
    assert t.status_code == 200, t.text
    assert unquote(t.headers["content-disposition"]).endswith(f"课程出勤导入模板-{course['id']}.xlsx")
    wb = load_workbook(io.BytesIO(t.content))
    assert wb.sheetnames == ["课程出勤", "填写说明"]
    rows = [[c.value for c in row] for row in wb["课程出勤"].iter_rows(max_row=4)]
    assert rows[0] == ["工号", "姓名", "出勤"] and rows[2:] == [["A1", "张一", "是"], ["A2", "张二", "是"]]
    ws = wb["课程出勤"]
    ws["C4"] = "否"  # A2 did not come
    buf = io.BytesIO()
    wb.save(buf)
    r = client.post(f"{url}/import", files={"file": ("出勤.xlsx", buf.getvalue())}, headers=kt.department_manager())
    assert r.status_code == 200, r.text
    assert (r.json()["total"], r.json()["attended"], r.json()["records_created"], r.json()["errors"]) == (2, 1, 1, [])
    again = client.post(f"{url}/import", files={"file": ("出勤.xlsx", buf.getvalue())}, headers=kt.department_manager())
    assert (again.json()["attended"], again.json()["records_created"]) == (0, 0)
    led = api.ledger(a1["id"])
    assert led["hours"] == 16.0 and [x["source"] for x in led["records"]] == ["course"]
    assert api.ledger(a2["id"])["hours"] == 0.0


def test_wrong_rows_are_named_at_their_excel_row_and_nothing_is_marked(client: TestClient, api) -> None:
    course, a1, _, _ = _setup(client, api)
    url = f"{COURSES}/{course['id']}/attendance"
    content = _xlsx([["工号", "出勤"], ["A1", "是"], ["B1", "是"], ["X9", ""], ["A1", "也许"]])
    r = client.post(f"{url}/import", files={"file": ("出勤.xlsx", content)}, headers=kt.university_admin())
    assert r.status_code == 200, r.text
    got = [(e["sheet_row"], e["header"], e["code"], e["message_zh"]) for e in r.json()["errors"]]
    assert got == [
        (3, "工号", "not_enrolled", "工号“B1”不是本课程的报名人员（或不在您的管理范围内）"),  # another university's
        (4, "工号", "not_enrolled", "工号“X9”不是本课程的报名人员（或不在您的管理范围内）"),
        (5, "工号", "employee_no_repeat", "与第 2 行的工号重复"),
        (5, "出勤", "not_yes_no", "须填“是”或“否”"),
    ]
    assert api.ledger(a1["id"])["hours"] == 0.0  # all or nothing
    report = client.post(f"{url}/import-report", files={"file": ("出勤.xlsx", content)}, headers=kt.university_admin())
    assert report.status_code == 200
    ws = load_workbook(io.BytesIO(report.content)).worksheets[0]
    assert ws.title == "课程出勤" and ws["A3"].comment is not None and ws["A2"].comment is None
    assert "不是本课程的报名人员" in ws.cell(row=3, column=3).value
    # another department's manager does not see A1 (their scope): refused per row, not marked
    other = client.post(
        f"{url}/import",
        files={"file": ("出勤.xlsx", _xlsx([["工号"], ["A1"]]))},
        headers=kt.department_manager(kt.DEPT_A2),
    )
    assert other.status_code == 200, other.text
    assert [(e["sheet_row"], e["code"]) for e in other.json()["errors"]] == [(2, "not_enrolled")]
    assert api.ledger(a1["id"])["hours"] == 0.0
    # another university's admin does not see the course at all; staff may not import
    assert (
        client.post(
            f"{url}/import", files={"file": ("a.xlsx", content)}, headers=kt.university_admin(kt.UNI_B)
        ).status_code
        == 404
    )
    assert client.post(f"{url}/import", files={"file": ("a.xlsx", content)}, headers=kt.staff()).status_code == 403


def test_a_course_not_yet_ended_refuses_the_import(client: TestClient, api) -> None:
    a1 = api.staff("A1")
    course = _course(client, kt.university_admin(), starts_on="2999-01-01", ends_on="2999-01-02")
    client.post(f"{COURSES}/{course['id']}/enrolments", json={"staff_ids": [a1["id"]]}, headers=kt.university_admin())
    r = client.post(
        f"{COURSES}/{course['id']}/attendance/import",
        files={"file": ("a.xlsx", _xlsx([["工号"], ["A1"]]))},
        headers=kt.university_admin(),
    )
    assert r.status_code == 409
    assert api.ledger(a1["id"], 2999)["hours"] == 0.0
