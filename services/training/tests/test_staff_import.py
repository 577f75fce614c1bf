"""The staff register from Excel (#17 section 2): the template (Chinese headers, drop-down lists, 填写说明), create
or update by employee number (the same file twice changes nothing), errors at the row Excel shows with Chinese
reasons, the error report, all or nothing, and scope: a department manager's own department only, another
university's department refused per row."""

from __future__ import annotations

import io
from datetime import datetime
from urllib.parse import unquote

from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from sanquan_kernel import testing as kt
from training.staff.models import Staff

TEMPLATE = "/api/training/staff/import-template"
IMPORT = "/api/training/staff/import"
REPORT = "/api/training/staff/import-report"
HEADER = ["工号", "姓名", "部门", "用工类型", "岗位", "在岗", "入职日期", "离职日期"]


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
        return db.scalar(select(func.count()).select_from(Staff)) or 0


def _post(client: TestClient, content: bytes, headers: dict[str, str], **params: object):
    return client.post(IMPORT, files={"file": ("名册.xlsx", content)}, params=params, headers=headers)


def test_the_template_explains_itself_and_filled_in_imports(client: TestClient, app: FastAPI) -> None:
    r = client.get(TEMPLATE, headers=kt.university_admin())
    assert r.status_code == 200, r.text
    assert unquote(r.headers["content-disposition"]).endswith("人员名册导入模板.xlsx")
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["人员名册", "填写说明"]
    ws = wb["人员名册"]
    assert [c.value for c in ws[1]] == HEADER
    lists = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    # the university's departments (not another university's), the employment types in Chinese, 在岗 是/否
    assert "饮食服务中心" in lists["C2:C2001"].formula1 and "学生公寓管理中心" in lists["C2:C2001"].formula1
    assert "物业中心" not in lists["C2:C2001"].formula1
    assert lists["D2:D2001"].formula1 == '"在编,合同制,劳务派遣,外包"'
    assert lists["F2:F2001"].formula1 == '"是,否"'
    assert ws["G3"].number_format == "yyyy-mm-dd" and ws["A3"].number_format == "@"
    notes = "\n".join(str(c.value) for row in wb["填写说明"].iter_rows() for c in row if c.value)
    assert "用工类型" in notes and "employment_type" in notes and "重复导入不会产生任何变化" in notes
    # a department manager's list holds their department only
    mine = load_workbook(io.BytesIO(client.get(TEMPLATE, headers=kt.department_manager()).content))["人员名册"]
    assert {str(dv.sqref): dv.formula1 for dv in mine.data_validations.dataValidation}["C2:C2001"] == '"饮食服务中心"'
    # filled in below the example row, it imports; the example row is not a person
    ws.append(["0042", "张三", "饮食服务中心", "合同制", "厨师", "是", datetime(2020, 9, 1)])
    buf = io.BytesIO()
    wb.save(buf)
    r = _post(client, buf.getvalue(), kt.university_admin())
    assert r.status_code == 200, r.text
    assert (r.json()["total"], r.json()["created"], r.json()["errors"]) == (1, 1, [])
    listed = client.get("/api/training/staff", params={"q": "0042"}, headers=kt.university_admin()).json()["items"]
    assert [(s["name"], s["department_id"], s["employment_type"], s["joined_on"]) for s in listed] == [
        ("张三", kt.DEPT_A1, "contract", "2020-09-01")
    ]
    assert _count(app) == 1


def test_creates_updates_and_the_same_file_twice_changes_nothing(client: TestClient, api) -> None:
    old = api.staff("E1", name="旧名")
    content = _xlsx(
        [
            HEADER,
            ["E1", "新名", "饮食服务中心", "在编", "厨师长", "是"],
            ["E2", "李四", str(kt.DEPT_A2), "dispatched", "", "否", "2019-01-01", "2024-06-30"],
        ]
    )
    r = _post(client, content, kt.university_admin())
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["total"], body["accepted"], body["created"], body["updated"], body["unchanged"]) == (2, 2, 1, 1, 0)
    e1 = client.get(f"/api/training/staff/{old['id']}", headers=kt.university_admin()).json()
    assert (e1["name"], e1["employment_type"], e1["position"], e1["version"]) == ("新名", "permanent", "厨师长", 2)
    again = _post(client, content, kt.university_admin()).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
    e1b = client.get(f"/api/training/staff/{old['id']}", headers=kt.university_admin()).json()
    assert e1b["version"] == 2 and e1b["updated_at"] == e1["updated_at"]
    e2 = client.get("/api/training/staff", params={"q": "E2"}, headers=kt.university_admin()).json()["items"][0]
    assert (e2["department_id"], e2["active"], e2["left_on"]) == (kt.DEPT_A2, False, "2024-06-30"), str(e2)


def test_errors_name_the_excel_row_in_chinese_and_nothing_is_stored(client: TestClient, app: FastAPI) -> None:
    content = _xlsx(
        [
            HEADER,
            ["S1", "好人", "饮食服务中心", "合同制"],
            [],
            ["S2", "", "物业中心", "临时工", "", "也许", "2024-13-01"],
            ["S1", "重复", "饮食服务中心", "合同制", "", "", "2024-01-02", "2023-01-01"],
        ]
    )
    r = _post(client, content, kt.university_admin())
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["total"], body["accepted"], body["rejected"]) == (3, 0, 2)
    got = {(e["sheet_row"], e["header"], e["code"]) for e in body["errors"]}
    assert got == {
        (4, "姓名", "name_length"),
        (4, "部门", "unknown_department"),  # 物业中心 is university B's department
        (4, "用工类型", "unknown_employment_type"),
        (4, "在岗", "not_yes_no"),
        (4, "入职日期", "not_date"),
        (5, "工号", "employee_no_repeat"),
        (5, "离职日期", "left_before_joined"),
    }
    by = {(e["sheet_row"], e["code"]): e for e in body["errors"]}
    assert by[(4, "unknown_department")]["message_zh"] == "本校没有名为“物业中心”的部门（可填部门名称或编号）"
    assert by[(5, "employee_no_repeat")]["message_zh"] == "与第 2 行的工号重复"
    assert _count(app) == 0  # all or nothing: the good row S1 is not stored either
    # a missing column is named by its Chinese header on the header row
    r = _post(client, _xlsx([["工号", "姓名", "用工类型"], ["S1", "好人", "合同制"]]), kt.university_admin())
    assert [(e["sheet_row"], e["code"], e["message_zh"]) for e in r.json()["errors"]] == [
        (1, "missing_column", "缺少“部门”列")
    ]


def test_another_universitys_department_by_id_is_refused_per_row(client: TestClient, app: FastAPI) -> None:
    content = _xlsx([HEADER, ["X1", "外校", str(kt.DEPT_B1), "合同制"], ["X2", "本校", str(kt.DEPT_A1), "合同制"]])
    body = _post(client, content, kt.university_admin()).json()
    assert [(e["sheet_row"], e["code"]) for e in body["errors"]] == [(2, "unknown_department")]
    assert _count(app) == 0
    # the province names the university: university B's department is fine there, A's is not
    body = _post(client, content, kt.province_admin(), university_id=kt.UNI_B).json()
    assert [(e["sheet_row"], e["code"]) for e in body["errors"]] == [(3, "unknown_department")]


def test_a_department_manager_imports_their_own_department_only(client: TestClient, app: FastAPI, api) -> None:
    api.staff("A2-1", dept=kt.DEPT_A2)
    content = _xlsx(
        [
            HEADER,
            ["M1", "本部门", "饮食服务中心", "合同制"],
            ["M2", "别的部门", "学生公寓管理中心", "合同制"],
            ["A2-1", "挪过来", "饮食服务中心", "合同制"],
        ]
    )
    body = _post(client, content, kt.department_manager()).json()
    assert [(e["sheet_row"], e["header"], e["code"]) for e in body["errors"]] == [
        (3, "部门", "other_department"),
        (4, "工号", "other_department_staff"),
    ]
    assert _count(app) == 1  # only A2-1, made above
    ok = _post(client, _xlsx([HEADER, ["M1", "本部门", "饮食服务中心", "合同制"]]), kt.department_manager())
    assert ok.json()["created"] == 1
    # staff and experts may not import; a university admin may not import into another university
    assert _post(client, content, kt.staff()).status_code == 403
    assert _post(client, content, kt.university_admin(), university_id=kt.UNI_B).status_code == 422


def test_the_error_report_marks_the_bad_cells(client: TestClient) -> None:
    content = _xlsx([HEADER, ["R1", "好人", "饮食服务中心", "合同制"], ["R2", "坏人", "不存在的部门", "合同制"]])
    r = client.post(REPORT, files={"file": ("名册.xlsx", content)}, headers=kt.university_admin())
    assert r.status_code == 200, r.text
    assert unquote(r.headers["content-disposition"]).endswith("错误报告-名册.xlsx")
    ws = load_workbook(io.BytesIO(r.content)).worksheets[0]
    assert ws.title == "人员名册"
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0][-1] == "错误说明" and rows[1][-1] in (None, "")
    assert "部门：本校没有名为“不存在的部门”的部门" in rows[2][-1]
    assert ws["C3"].comment is not None and ws["C2"].comment is None and ws["A3"].comment is None


def test_department_names_a_worksheet_cannot_hold_still_give_a_template(client: TestClient, app: FastAPI) -> None:
    # names are typed by administrators: a control character (openpyxl refuses it: it was a 500), a comma (it would
    # split the inline drop-down list in two), a leading "=" (a formula once opened)
    from sanquan_kernel.orgdir import Org, OrgDirectory

    before = app.state.kernel.orgdir
    odd = [
        Org(kt.DEPT_A1, kt.UNI_A, "department", kt.UNI_A, "=饮食\x0b服务中心", None, None, "/1/10/11/"),
        Org(kt.DEPT_A2, kt.UNI_A, "department", kt.UNI_A, "公寓,物业中心", None, None, "/1/10/12/"),
    ]
    app.state.kernel.orgdir = OrgDirectory([o for o in before.all() if o.level != "department"] + odd)
    try:
        r = client.get(TEMPLATE, headers=kt.university_admin())
    finally:
        app.state.kernel.orgdir = before
    assert r.status_code == 200, r.text
    ws = load_workbook(io.BytesIO(r.content))["人员名册"]
    assert ws["C2"].value == "'=饮食服务中心"
    lists = {str(dv.sqref): dv.formula1 for dv in ws.data_validations.dataValidation}
    assert lists["C2:C2001"] == '"=饮食服务中心"'
