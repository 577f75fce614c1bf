"""Excel import that explains itself (#17 part 2): the template (Chinese headers, an example row, drop-down lists,
date cells, a 填写说明 sheet), errors at the row number Excel shows with the header's name and a Chinese reason,
the error report (the uploaded workbook with an error column and the bad cells marked), full-width separators, and a
department manager importing for their own department only."""

from __future__ import annotations

import io
from datetime import datetime
from urllib.parse import unquote

from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from sanquan_kernel import testing as kt
from training.records.models import TrainingRecord

TEMPLATE = "/api/training/records/import-template"
IMPORT = "/api/training/records/import"
REPORT = "/api/training/records/import-report"
ZH_HEADER = ["工号", "培训名称", "培训日期", "学时", "天数", "培训主题", "组织层级", "外部编号"]


def _xlsx(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _count(app: FastAPI) -> int:
    with app.state.kernel.sessionmaker() as db:
        return db.scalar(select(func.count()).select_from(TrainingRecord)) or 0


def _template(client: TestClient) -> bytes:
    r = client.get(TEMPLATE, headers=kt.department_manager())
    assert r.status_code == 200, r.text
    assert unquote(r.headers["content-disposition"]).endswith("培训记录导入模板.xlsx")
    return r.content


def test_the_template_explains_itself(client: TestClient) -> None:
    wb = load_workbook(io.BytesIO(_template(client)))
    assert wb.sheetnames == ["培训记录", "填写说明"]
    ws = wb["培训记录"]
    assert [c.value for c in ws[1]] == ZH_HEADER
    example = [c.value for c in ws[2]]
    assert example[0] == "示例-0001" and example[6] == "校级" and isinstance(example[2], datetime)
    # drop-down lists for the themes (F) and the levels (G), date and number checks, on the rows to fill
    lists = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert lists["F2:F2001"].type == "list" and "安全教育" in lists["F2:F2001"].formula1
    assert "以宪法教育为核心的法治教育" in lists["F2:F2001"].formula1
    assert lists["F2:F2001"].errorStyle == "warning"  # several themes typed with ；、 stay allowed
    assert lists["G2:G2001"].type == "list" and lists["G2:G2001"].formula1 == '"省级,校级,部门级,校外"'
    assert lists["C2:C2001"].type == "date" and lists["D2:E2001"].type == "decimal"
    assert ws["C3"].number_format == "yyyy-mm-dd" and ws["C2001"].number_format == "yyyy-mm-dd"
    notes = wb["填写说明"]
    text = "\n".join(str(c.value) for row in notes.iter_rows() for c in row if c.value)
    assert "employee_no" in text and "培训主题" in text and "；" in text and "英文分号" not in text
    assert [c.value for c in notes[1]][:3] == ["列名", "英文代码", "是否必填"]


def test_the_csv_template_keeps_the_contract_codes(client: TestClient) -> None:
    c = client.get(TEMPLATE, params={"format": "csv"}, headers=kt.university_admin())
    assert (
        c.content.decode("utf-8-sig").strip()
        == "employee_no,title,taken_on,hours,days,themes,organizer_level,external_id"
    )


def test_the_template_filled_in_imports_and_its_example_row_is_not_a_record(
    client: TestClient, app: FastAPI, api
) -> None:
    s = api.staff("0042")
    wb = load_workbook(io.BytesIO(_template(client)))
    ws = wb["培训记录"]
    row = ["0042", "消防演练", datetime(2025, 3, 1), 8, 1, "安全教育；以宪法教育为核心的法治教育", "校级"]
    for col, value in enumerate(row, start=1):
        ws.cell(row=3, column=col, value=value)
    buf = io.BytesIO()
    wb.save(buf)
    r = client.post(IMPORT, files={"file": ("台账.xlsx", buf.getvalue())}, headers=kt.university_admin())
    assert r.status_code == 200, r.text
    assert (r.json()["total"], r.json()["accepted"], r.json()["errors"]) == (1, 1, [])
    led = api.ledger(s["id"], 2025)
    assert [x["title"] for x in led["records"]] == ["消防演练"]
    assert led["by_theme"]["law"]["hours"] == 8.0 and led["by_theme"]["safety"]["hours"] == 8.0


def test_full_width_separators_split_themes(client: TestClient, api) -> None:
    s = api.staff("E1")
    body = (
        "工号,培训名称,培训日期,学时,天数,培训主题,组织层级\n"
        'E1,一,2025-03-01,1,0,"安全教育，法治教育",校级\n'
        "E1,二,2025-03-02,1,0,理想信念、职业道德,校级\n"
        "E1,三,2025-03-03,1,0,综合素养；思想觉悟,校级\n"
    ).encode()
    r = client.post(IMPORT, files={"file": ("a.csv", body)}, headers=kt.university_admin())
    assert r.json()["accepted"] == 3, r.text
    themes = {x["title"]: x["themes"] for x in api.ledger(s["id"], 2025)["records"]}
    assert themes == {"一": ["law", "safety"], "二": ["ideals", "ethics"], "三": ["ideology", "quality"]}


def _bad_file() -> bytes:
    """The header on row 1, a good row, a blank row 3 (Excel still numbers it), two bad rows on 4 and 5."""
    return _xlsx(
        [
            ZH_HEADER,
            ["E1", "好行", datetime(2025, 3, 1), 8, 1, "安全教育", "校级", "x1"],
            [],
            ["E1", "坏日期", "2025-02-30", 8, 1, "安全教育", "校级", "x2"],
            ["E9", "坏主题", datetime(2025, 3, 2), "八", 1, "烹饪", "校级", "x3"],
        ]
    )


def test_errors_name_the_excel_row_and_the_header_in_chinese(client: TestClient, app: FastAPI, api) -> None:
    api.staff("E1")
    r = client.post(IMPORT, files={"file": ("台账.xlsx", _bad_file())}, headers=kt.university_admin())
    res = r.json()
    got = {(e["sheet_row"], e["header"], e["row"], e["message_zh"]) for e in res["errors"]}
    assert got == {
        (4, "培训日期", 2, "不是有效日期，请按 2026-03-15 的格式填写"),
        (5, "工号", 3, "没有工号为“E9”的人员（或不在您的管理范围内）"),
        (5, "学时", 3, "不是数字"),
        (5, "培训主题", 3, got_theme := next(e["message_zh"] for e in res["errors"] if e["column"] == "themes")),
    }
    assert got_theme.startswith("未知的培训主题“烹饪”") and "；" in got_theme
    assert res["rejected"] == 2 and _count(app) == 0


def _report(client: TestClient, content: bytes, name: str = "台账.xlsx", **params: object) -> Workbook:
    r = client.post(REPORT, params=params, files={"file": (name, content)}, headers=kt.university_admin())
    assert r.status_code == 200, r.text
    disposition = unquote(r.headers["content-disposition"])
    assert disposition.endswith("错误报告-台账.xlsx" if params.get("lang", "zh") == "zh" else "import-errors-台账.xlsx")
    return load_workbook(io.BytesIO(r.content))


def test_the_error_report_marks_exactly_the_bad_cells_at_the_excel_rows(client: TestClient, app: FastAPI, api) -> None:
    api.staff("E1")
    ws = _report(client, _bad_file()).active
    assert [c.value for c in ws[1]] == [*ZH_HEADER, "错误说明"]
    marked = {
        (c.row, c.column_letter)
        for row in ws.iter_rows()
        for c in row
        if c.fill is not None and c.fill.fgColor.rgb in ("FFFFC7CE", "00FFC7CE")
    }
    assert marked == {(4, "C"), (5, "A"), (5, "D"), (5, "F")}
    commented = {(c.row, c.column_letter): c.comment.text for row in ws.iter_rows() for c in row if c.comment}
    assert set(commented) == {(4, "C"), (5, "A"), (5, "D"), (5, "F")}
    assert "不是有效日期" in commented[(4, "C")] and "烹饪" in commented[(5, "F")]
    # the rows stay where Excel showed them, values as uploaded; the error column says what is wrong per row
    assert ws["B2"].value == "好行" and ws["I2"].value is None and ws["A3"].value is None
    assert ws["B4"].value == "坏日期" and ws["I4"].value == "培训日期：不是有效日期，请按 2026-03-15 的格式填写"
    assert ws["I5"].value.startswith("工号：没有工号为“E9”的人员") and "学时：不是数字" in ws["I5"].value
    assert ws["C2"].is_date
    assert _count(app) == 0


def test_the_error_report_in_english_and_for_a_csv(client: TestClient, api) -> None:
    api.staff("E1")
    body = "employee_no,title,taken_on,hours,days,themes,organizer_level\n\nE1,a,2025-03-01,0,0,law,university\n"
    ws = _report(client, body.encode(), name="台账.csv", lang="en").active
    assert ws["H1"].value == "Errors"
    assert ws["H3"].value == "hours: hours and days cannot both be 0"
    assert ws["D3"].comment is not None and ws["D2"].value is None


def test_the_error_report_of_a_file_missing_columns_says_so_on_the_header(client: TestClient) -> None:
    ws = _report(client, _xlsx([["工号", "培训名称"], ["E1", "x"]])).active
    assert ws["C1"].value.startswith("错误说明：") and "缺少“培训日期”列" in ws["C1"].value


def test_a_department_manager_imports_for_their_own_department_only(client: TestClient, app: FastAPI, api) -> None:
    own = api.staff("A1")
    api.staff("A2", dept=kt.DEPT_A2)
    api.staff("B1", dept=kt.DEPT_B1, uni=kt.UNI_B)
    body = (
        "工号,培训名称,培训日期,学时,天数,培训主题,组织层级\n"
        "A1,本部门,2025-03-01,8,1,安全教育,部门级\n"
        "A2,别的部门,2025-03-01,8,1,安全教育,部门级\n"
        "B1,别的学校,2025-03-01,8,1,安全教育,部门级\n"
    ).encode()
    mgr = kt.department_manager(kt.DEPT_A1)
    r = client.post(IMPORT, files={"file": ("a.csv", body)}, headers=mgr)
    assert r.status_code == 200, r.text
    errors = {(e["sheet_row"], e["code"]): e["message_zh"] for e in r.json()["errors"]}
    assert errors == {
        (3, "other_department"): "工号“A2”不是本部门人员，部门负责人只能导入本部门人员的记录",
        (4, "unknown_staff"): "没有工号为“B1”的人员（或不在您的管理范围内）",
    }
    assert _count(app) == 0
    # the same file without the other department's row is stored, for the manager's own staff member
    good = b"\n".join(body.split(b"\n")[:2]) + b"\n"
    r = client.post(IMPORT, files={"file": ("a.csv", good)}, headers=mgr)
    assert r.json()["accepted"] == 1, r.text
    assert api.ledger(own["id"], 2025)["hours"] == 8.0
    # the university admin imports for every department of the university
    r = client.post(
        IMPORT,
        files={"file": ("a.csv", "\n".join(body.decode().split("\n")[:3:2]).encode() + b"\n")},
        headers=kt.university_admin(),
    )
    assert r.json()["accepted"] == 1, r.text


def test_a_department_manager_cannot_import_into_another_university(client: TestClient) -> None:
    r = client.post(
        IMPORT,
        params={"university_id": kt.UNI_B},
        files={"file": ("a.csv", b"employee_no\n")},
        headers=kt.department_manager(),
    )
    assert r.status_code == 422
    r = client.post(
        REPORT,
        params={"university_id": kt.UNI_B},
        files={"file": ("a.csv", b"employee_no\n")},
        headers=kt.department_manager(),
    )
    assert r.status_code == 422
    r = client.post(REPORT, files={"file": ("a.csv", b"employee_no\n")}, headers=kt.staff())
    assert r.status_code == 403


def test_the_error_report_marks_a_bounded_number_of_cells_and_says_so(client: TestClient, monkeypatch) -> None:
    from training.records import workbooks

    monkeypatch.setattr(workbooks, "REPORT_MAX_ERRORS", 2)
    ws = _report(client, _bad_file()).active
    assert "仅标出前 2 处错误" in ws["I1"].value
    assert sum(1 for row in ws.iter_rows() for c in row if c.comment) == 2


def test_a_department_managers_import_job_refuses_another_departments_rows(
    client: TestClient, app: FastAPI, api
) -> None:
    import time

    api.staff("A2", dept=kt.DEPT_A2)
    body = "工号,培训名称,培训日期,学时,天数,培训主题,组织层级\nA2,别的部门,2025-03-01,8,1,安全教育,部门级\n".encode()
    mgr = kt.department_manager(kt.DEPT_A1)
    r = client.post("/api/training/records/import-jobs", files={"file": ("a.csv", body)}, headers=mgr)
    assert r.status_code == 202, r.text
    for _ in range(100):
        job = client.get(r.headers["location"], headers=mgr).json()
        if job["status"] in ("done", "failed"):
            break
        time.sleep(0.05)
    assert job["status"] == "done", job
    assert [(e["sheet_row"], e["code"]) for e in job["result"]["errors"]] == [(2, "other_department")]
    assert _count(app) == 0
