"""Roll-ups (T4), theme coverage (T2), people at risk, indicators for evaluation (E3) and the exports —
each counting only what the caller can see."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from sanquan_kernel import testing as kt

URL = "/api/training/compliance"


def _province(api) -> dict[str, dict]:
    """A1 compliant by hours, A2 not, A3 (other department) compliant by days, B1 another university."""
    people = {
        "A1": api.staff("A1", dept=kt.DEPT_A1),
        "A2": api.staff("A2", dept=kt.DEPT_A1),
        "A3": api.staff("A3", dept=kt.DEPT_A2),
        "B1": api.staff("B1", dept=kt.DEPT_B1, uni=kt.UNI_B),
    }
    api.record(people["A1"]["id"], hours=90, days=0, themes=["law", "safety"])
    api.record(people["A2"]["id"], hours=30, days=3, themes=["ethics"])
    api.record(people["A3"]["id"], hours=20, days=12, themes=["law"])
    api.record(people["B1"]["id"], hours=100, days=0, uni=kt.UNI_B, themes=["law"])
    return people


def _q(client: TestClient, headers: dict, **params: object) -> dict:
    r = client.get(URL, params={"year": 2025, **params}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def test_province_report_by_university(client: TestClient, api) -> None:
    _province(api)
    rep = _q(client, kt.province_admin(), group_by="university")
    rows = {r["org_id"]: r for r in rep["rows"]}
    assert rows[kt.UNI_A] | {} == {
        **rows[kt.UNI_A],
        "staff_total": 3,
        "compliant": 2,
        "rate": 0.6667,
        "hours": 140.0,
        "days": 15.0,
        "name": "甲大学",
    }
    assert rows[kt.UNI_B]["compliant"] == 1 and rows[kt.UNI_B]["rate"] == 1.0
    assert rep["totals"] == {"staff_total": 4, "compliant": 3, "rate": 0.75, "hours": 240.0, "days": 15.0}
    assert rep["rule"] == {"min_hours": 90.0, "min_days": 12.0}


def test_drill_down_from_university_to_department_to_person(client: TestClient, api) -> None:
    people = _province(api)
    h = kt.province_admin()
    depts = {r["org_id"]: r for r in _q(client, h, group_by="department", org_id=kt.UNI_A)["rows"]}
    assert set(depts) == {kt.DEPT_A1, kt.DEPT_A2}
    assert (depts[kt.DEPT_A1]["staff_total"], depts[kt.DEPT_A1]["compliant"]) == (2, 1)
    staff = _q(client, h, group_by="staff", org_id=kt.DEPT_A1)["rows"]
    assert [(r["staff_id"], r["compliant"]) for r in staff] == [(people["A1"]["id"], True), (people["A2"]["id"], False)]


def test_a_university_admin_counts_only_their_university(client: TestClient, api) -> None:
    _province(api)
    rep = _q(client, kt.university_admin(kt.UNI_A), group_by="university")
    assert [r["org_id"] for r in rep["rows"]] == [kt.UNI_A]
    assert rep["totals"]["staff_total"] == 3
    assert (
        client.get(URL, params={"year": 2025, "org_id": kt.UNI_B}, headers=kt.university_admin(kt.UNI_A)).status_code
        == 404
    )


def test_a_manager_counts_only_their_department_and_a_client_only_its_university(client: TestClient, api) -> None:
    _province(api)
    rep = _q(client, kt.department_manager(kt.DEPT_A1), group_by="staff")
    assert sorted(r["employee_no"] for r in rep["rows"]) == ["A1", "A2"]
    assert client.get(URL, params={"org_id": kt.DEPT_A2}, headers=kt.department_manager(kt.DEPT_A1)).status_code == 404
    rep = _q(client, kt.integration(kt.UNI_B), group_by="staff")
    assert [r["employee_no"] for r in rep["rows"]] == ["B1"]


def test_a_staff_member_sees_only_their_own_row(client: TestClient, api) -> None:
    api.staff("A9", account_id=400)
    _province(api)
    rep = _q(client, kt.staff(400), group_by="staff")
    assert [r["employee_no"] for r in rep["rows"]] == ["A9"]
    assert rep["totals"]["staff_total"] == 1


def test_people_not_active_in_the_year_are_not_counted(client: TestClient, api) -> None:
    _province(api)
    api.staff("A4", joined_on="2026-01-01")
    api.staff("A5", left_on="2024-12-31")
    api.staff("A6", active=False)
    api.staff("A7", joined_on="2020-01-01", left_on="2025-03-31")
    rep = _q(client, kt.university_admin(), group_by="staff")
    assert sorted(r["employee_no"] for r in rep["rows"]) == ["A1", "A2", "A3", "A7"]


def test_indicators_for_the_evaluation_service(client: TestClient, api) -> None:
    _province(api)
    r = client.get("/api/training/indicators", params={"year": 2025}, headers=kt.service())
    assert r.status_code == 200, r.text
    items = {i["university_id"]: i for i in r.json()["items"]}
    assert items[kt.UNI_A] == {
        "university_id": kt.UNI_A,
        "staff_total": 3,
        "compliant": 2,
        "compliance_rate": 0.6667,
        "law_coverage": 0.6667,
        "hours": 140.0,
        "days": 15.0,
    }
    assert items[kt.UNI_B]["law_coverage"] == 1.0
    one = client.get(
        "/api/training/indicators", params={"year": 2025, "university_id": kt.UNI_B}, headers=kt.province_admin()
    ).json()
    assert [i["university_id"] for i in one["items"]] == [kt.UNI_B]


def test_indicators_need_the_indicator_scope_or_a_province_admin(client: TestClient) -> None:
    url = "/api/training/indicators"
    assert client.get(url, headers=kt.service(scope="training:read")).status_code == 403
    assert client.get(url, headers=kt.university_admin()).status_code == 403
    assert client.get(url, headers=kt.integration(scope="training:indicators")).status_code == 403


def test_theme_coverage_names_rule_of_law_education(client: TestClient, api) -> None:
    _province(api)
    rep = client.get(
        "/api/training/reports/themes", params={"year": 2025, "org_id": kt.UNI_A}, headers=kt.province_admin()
    ).json()
    law = next(i for i in rep["items"] if i["theme"] == "law")
    assert rep["staff_total"] == 3
    assert (law["covered"], law["coverage"], law["label"]) == (2, 0.6667, "以宪法教育为核心的法治教育")
    mine = client.get(
        "/api/training/reports/themes", params={"year": 2025}, headers=kt.department_manager(kt.DEPT_A2)
    ).json()
    assert mine["staff_total"] == 1


def test_people_at_risk_with_what_they_still_need(client: TestClient, api) -> None:
    people = _province(api)
    rep = client.get("/api/training/reports/at-risk", params={"year": 2025}, headers=kt.university_admin()).json()
    assert rep["total"] == 1 and rep["months_remaining"] == 0
    row = rep["items"][0]
    assert row["staff_id"] == people["A2"]["id"]
    assert (row["hours_needed"], row["days_needed"]) == (60.0, 9.0)
    future = client.get("/api/training/reports/at-risk", params={"year": 2999}, headers=kt.university_admin()).json()
    assert future["months_remaining"] == 12
    b = client.get("/api/training/reports/at-risk", params={"year": 2025}, headers=kt.university_admin(kt.UNI_B))
    assert b.json()["total"] == 0


def _xlsx_rows(content: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True))


def test_exports_have_chinese_headers_and_respect_scope(client: TestClient, api) -> None:
    _province(api)
    h = kt.university_admin(kt.UNI_B)
    x = client.get(f"{URL}/export", params={"year": 2025, "group_by": "staff", "format": "xlsx"}, headers=h)
    assert x.status_code == 200
    rows = _xlsx_rows(x.content)
    assert rows[0][:2] == ("工号", "姓名") and [r[0] for r in rows[1:]] == ["B1"]
    c = client.get("/api/training/records/export", params={"year": 2025, "format": "csv"}, headers=h)
    table = list(csv.reader(io.StringIO(c.content.decode("utf-8-sig"))))
    assert table[0][1] == "工号" and [r[1] for r in table[1:]] == ["B1"]
    at_risk = client.get(
        "/api/training/reports/at-risk/export",
        params={"year": 2025, "format": "csv"},
        headers=kt.university_admin(kt.UNI_A),
    )
    assert [r[0] for r in csv.reader(io.StringIO(at_risk.content.decode("utf-8-sig")))][1:] == ["A2"]
    themes = client.get("/api/training/reports/themes/export", params={"year": 2025}, headers=h)
    assert _xlsx_rows(themes.content)[0][0] == "培训主题"


def test_exported_cells_that_look_like_formulas_stay_text(client: TestClient, api) -> None:
    s = api.staff("A1", name='=HYPERLINK("http://x")')
    api.record(s["id"], title="@SUM(1)")
    csv_body = client.get(
        f"/api/training/staff/{s['id']}/ledger/export",
        params={"year": 2025, "format": "csv"},
        headers=kt.university_admin(),
    ).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(csv_body)))
    assert rows[1][1] == '\'=HYPERLINK("http://x")' and rows[1][4] == "'@SUM(1)"
    x = client.get(f"/api/training/staff/{s['id']}/ledger/export", params={"year": 2025}, headers=kt.university_admin())
    assert _xlsx_rows(x.content)[1][1].startswith("'=")


def test_a_ledger_of_another_university_is_not_found(client: TestClient, api) -> None:
    people = _province(api)
    url = f"/api/training/staff/{people['B1']['id']}/ledger"
    assert client.get(url, headers=kt.university_admin(kt.UNI_A)).status_code == 404
    assert client.get(f"{url}/export", headers=kt.university_admin(kt.UNI_A)).status_code == 404
    other_dept = f"/api/training/staff/{people['A3']['id']}/ledger"
    assert client.get(other_dept, headers=kt.department_manager(kt.DEPT_A1)).status_code == 404


def test_the_ledger_answers_totals_by_theme_and_records(api) -> None:
    people = _province(api)
    led = api.ledger(people["A1"]["id"])
    assert led["by_theme"]["law"] == {"hours": 90.0, "days": 0.0, "count": 1}
    assert led["by_theme"]["ideals"]["count"] == 0
    assert len(led["records"]) == 1 and led["staff"]["employee_no"] == "A1"


def test_exports_show_levels_and_sources_in_words_and_chinese_file_names(client: TestClient, api) -> None:
    """Issue #17: 组织层级 and 来源 as the SPA shows them (校级, 手工录入), not the codes (university, manual)."""
    from urllib.parse import unquote

    s = api.staff("A1")
    api.record(s["id"], organizer_level="province")
    api.record(s["id"], title="部门培训", organizer_level="department")
    h = kt.university_admin()
    r = client.get("/api/training/records/export", params={"year": 2025}, headers=h)
    rows = _xlsx_rows(r.content)
    level, source = rows[0].index("组织层级"), rows[0].index("来源")
    assert sorted(row[level] for row in rows[1:]) == ["省级", "部门级"]
    assert {row[source] for row in rows[1:]} == {"手工录入"}
    assert unquote(r.headers["content-disposition"].split("filename*=UTF-8''")[1]) == "培训台账-2025.xlsx"
    led = client.get(f"/api/training/staff/{s['id']}/ledger/export", params={"year": 2025}, headers=h)
    rows = _xlsx_rows(led.content)
    level, source = rows[0].index("组织层级"), rows[0].index("来源")
    assert {row[level] for row in rows[1:-1]} == {"省级", "部门级"} and rows[1][source] == "手工录入"


def test_a_pushed_records_source_names_the_campus_system() -> None:
    from training.vocabulary import source_label

    assert source_label("hr-system-1") == "系统对接（hr-system-1）"
    assert source_label("course") == "课程考勤" and source_label("self_report") == "本人申报"
