"""Exports speak Chinese (issue #17): the nominations and results lists as XLSX (format=xlsx) or CSV, with Chinese
headers, values in words, Chinese file names; the built-in campaign types named in Chinese with English beside."""

import csv
import io
from urllib.parse import unquote

from evaluation_flow import API, EXPERT_A, EXPERT_P, PROVINCE, UNI_A_ADMIN, UNI_B_ADMIN, Flow, expert
from openpyxl import load_workbook

from sanquan_kernel import testing as kt

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPERT_Q = expert(504, None)


def _name(r) -> str:
    return unquote(r.headers["content-disposition"].split("filename*=UTF-8''")[1])


def _sheet(r) -> list[list]:
    assert r.headers["content-type"] == XLSX, r.headers["content-type"]
    ws = load_workbook(io.BytesIO(r.content), read_only=True).worksheets[0]
    return [list(row) for row in ws.iter_rows(values_only=True)]


def test_nominations_export_in_chinese_as_xlsx_and_csv(flow: Flow) -> None:
    cid = flow.campaign(experts_per_nomination=1)["id"]
    title = flow.c.get(f"{API}/campaigns/{cid}", headers=PROVINCE).json()["title"]
    flow.advance_to(cid, "nomination")
    [a] = flow.submitted(cid, UNI_A_ADMIN, 1, title="Canteen case of A")
    flow.submitted(cid, UNI_B_ADMIN, 1, title="Apartment case of B")
    r = flow.c.get(f"{API}/campaigns/{cid}/nominations/export", params={"format": "xlsx"}, headers=UNI_A_ADMIN)
    assert r.status_code == 200
    rows = _sheet(r)
    assert rows[0] == ["编号", "状态", "对象类型", "高校编号", "高校", "部门", "对象名称", "类别", "标题", "报送时间"]
    assert len(rows) == 2 and rows[1][0] == a  # university A's own only (scope kept)
    assert rows[1][1] == "已报送" and rows[1][2] == "案例" and rows[1][8] == "Canteen case of A"
    assert _name(r) == f"推荐名单-{title}.xlsx"
    # CSV stays the default, with the same Chinese headers
    r = flow.c.get(f"{API}/campaigns/{cid}/nominations/export", headers=UNI_A_ADMIN)
    assert r.headers["content-type"].startswith("text/csv")
    got = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert got[0][:3] == ["编号", "状态", "对象类型"] and got[1][1] == "已报送"
    assert _name(r) == f"推荐名单-{title}.csv"


def test_results_export_in_chinese_as_xlsx(flow: Flow) -> None:
    cid = flow.campaign(experts_per_nomination=1, awards_count=1)["id"]
    flow.advance_to(cid, "nomination")
    [a] = flow.submitted(cid, UNI_A_ADMIN, 1, title="Canteen case of A")
    [b] = flow.submitted(cid, UNI_B_ADMIN, 1, title="Apartment case of B")
    flow.panel(cid, [(502, kt.UNI_B), (503, None), (504, None), (501, kt.UNI_A)])
    flow.advance_to(cid, "review")
    assert flow.assign(cid, a, 503).status_code == 201
    assert flow.assign(cid, b, 501).status_code == 201
    assert flow.score(cid, a, EXPERT_P, [10, 5]).status_code == 200
    assert flow.score(cid, b, EXPERT_A, [5, 5]).status_code == 200
    flow.advance_to(cid, "decision")
    assert flow.c.post(f"{API}/campaigns/{cid}/decision", json={}, headers=PROVINCE).status_code == 200
    r = flow.c.get(f"{API}/campaigns/{cid}/results/export", params={"format": "xlsx"}, headers=PROVINCE)
    rows = _sheet(r)
    assert rows[0] == ["名次", "推荐编号", "标题", "高校", "对象名称", "类别", "得分", "是否获评"]
    assert [(row[0], row[1], row[7]) for row in rows[1:]] == [(1, a, "是"), (2, b, "否")]
    assert _name(r).startswith("评选结果-") and _name(r).endswith(".xlsx")


def test_builtin_campaign_types_are_named_in_chinese_with_english_beside(flow: Flow) -> None:
    types = {t["code"]: t for t in flow.c.get(f"{API}/campaign-types", headers=PROVINCE).json()}
    assert types["pilot"]["name"] == "试点高校遴选" and types["pilot"]["name_en"] == "Pilot university selection"
    assert types["outstanding_person"]["name"] == "后勤育人先进个人"
    assert all(t["name_en"] for t in types.values() if t["builtin"])
