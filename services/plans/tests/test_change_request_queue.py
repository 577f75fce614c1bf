"""The province's queue of change requests across plans (``GET /change-requests`` and its XLSX export), and the
diff of a returned plan being revised against its latest submission (``GET /plans/{id}/diff?current=true``)."""

from __future__ import annotations

import io
from datetime import timedelta

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from sanquan_kernel import testing as kt
from sanquan_kernel.clock import today as local_today

CR = "/api/plans/change-requests"


def _request(client: TestClient, plan_id: int, uni: int, body: dict) -> dict:
    r = client.post(f"/api/plans/plans/{plan_id}/change-requests", json=body, headers=kt.university_admin(uni))
    assert r.status_code == 201, r.text
    return r.json()


def _three_requests(client: TestClient, api) -> dict[str, dict]:
    """A: an update (pending) and an added task (approved); B: a milestone update (pending)."""
    plan_a, (task_a, _) = api.approved_plan(kt.UNI_A)
    plan_b, (task_b,) = api.approved_plan(kt.UNI_B, (kt.DEPT_B1,))
    upd = _request(
        client,
        plan_a["id"],
        kt.UNI_A,
        {"kind": "update_task", "task_id": task_a["id"], "changes": {"title": "延长的活动"}, "reason": "=1+1 学生建议"},
    )
    add = _request(
        client,
        plan_a["id"],
        kt.UNI_A,
        {
            "kind": "add_task",
            "reason": "新增项目",
            "changes": {
                "category": "publicity",
                "title": "宣传周",
                "department_id": kt.DEPT_A2,
                "responsible_name": "王五",
                "due_on": "2026-11-30",
                "milestones": [{"title": "启动", "due_on": "2026-10-01"}],
            },
        },
    )
    r = client.post(f"{CR}/{add['id']}/approve", headers=kt.province_admin())
    assert r.status_code == 200, r.text
    ms = task_b["milestones"][0]
    mil = _request(
        client,
        plan_b["id"],
        kt.UNI_B,
        {
            "kind": "update_milestone",
            "task_id": task_b["id"],
            "milestone_id": ms["id"],
            "changes": {"due_on": "2026-12-15"},
            "reason": "延期",
        },
    )
    return {"update": upd, "add": add, "milestone": mil, "task_a": task_a, "task_b": task_b, "ms": ms}


def test_the_province_sees_every_change_request_with_filters(client: TestClient, api) -> None:
    crs = _three_requests(client, api)
    p = kt.province_admin()
    page = client.get(CR, headers=p).json()
    assert page["total"] == 3
    assert [c["id"] for c in page["items"]] == [crs["milestone"]["id"], crs["add"]["id"], crs["update"]["id"]]

    pending = client.get(CR, params={"status": "pending"}, headers=p).json()
    assert {c["id"] for c in pending["items"]} == {crs["update"]["id"], crs["milestone"]["id"]}

    [b] = client.get(CR, params={"university_id": kt.UNI_B}, headers=p).json()["items"]
    assert (b["university_name"], b["year"], b["kind"]) == ("乙学院", 2026, "update_milestone")
    assert b["task_title"] == crs["task_b"]["title"] and b["milestone_title"] == crs["ms"]["title"]
    [added] = client.get(CR, params={"status": "approved"}, headers=p).json()["items"]
    assert added["task_title"] == "宣传周" and added["milestone_title"] is None and added["decided_by"]

    assert client.get(CR, params={"year": 2026}, headers=p).json()["total"] == 3
    assert client.get(CR, params={"year": 2027}, headers=p).json()["total"] == 0
    one = client.get(CR, params={"limit": 1, "offset": 1}, headers=p).json()
    assert (one["total"], [c["id"] for c in one["items"]]) == (3, [crs["add"]["id"]])


def test_university_b_never_sees_the_change_requests_of_university_a(client: TestClient, api) -> None:
    crs = _three_requests(client, api)
    b = kt.university_admin(kt.UNI_B)
    page = client.get(CR, headers=b).json()
    assert [c["id"] for c in page["items"]] == [crs["milestone"]["id"]] and page["total"] == 1
    # naming the other university is 404, the same answer as for a university that does not exist (#14): it
    # confirms nothing
    other = client.get(CR, params={"university_id": kt.UNI_A}, headers=b)
    unknown = client.get(CR, params={"university_id": 999999}, headers=b)
    assert other.status_code == unknown.status_code == 404 and other.json() == unknown.json()
    wb = load_workbook(io.BytesIO(client.get(f"{CR}/export", headers=b).content))
    rows = list(wb.active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [crs["milestone"]["id"]]
    # A sees its own two
    a = client.get(CR, headers=kt.university_admin(kt.UNI_A)).json()
    assert {c["id"] for c in a["items"]} == {crs["update"]["id"], crs["add"]["id"]}


def test_the_queue_is_for_the_province_and_university_admins(client: TestClient, api) -> None:
    _three_requests(client, api)
    for h in (kt.department_manager(), kt.staff(), kt.expert()):
        r = client.get(CR, headers=h)
        assert r.status_code == 403, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert client.get(f"{CR}/export", headers=h).status_code == 403
    assert client.get(CR).status_code == 401
    # a campus system reads its own university's with plans:read
    r = client.get(CR, headers=kt.integration(kt.UNI_B, scope="plans:read"))
    assert r.status_code == 200 and r.json()["total"] == 1


def test_bad_filters_are_refused(client: TestClient) -> None:
    p = kt.province_admin()
    for params in ({"status": "open"}, {"year": 1999}, {"university_id": "x"}, {"limit": 0}, {"limit": 501}):
        r = client.get(CR, params=params, headers=p)
        assert r.status_code == 422, params
        assert r.headers["content-type"].startswith("application/problem+json")
    assert client.get(f"{CR}/export", params={"status": "open"}, headers=p).status_code == 422


def test_the_queue_exports_as_xlsx_with_the_same_filters(client: TestClient, api) -> None:
    crs = _three_requests(client, api)
    r = client.get(f"{CR}/export", params={"status": "pending"}, headers=kt.province_admin())
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert r.content[:2] == b"PK"
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("编号", "高校", "年度", "类型")
    by_id = {row[0]: row for row in rows[1:]}
    assert set(by_id) == {crs["update"]["id"], crs["milestone"]["id"]}
    upd = by_id[crs["update"]["id"]]
    assert upd[1] == "甲大学" and upd[3] == "调整任务" and upd[6] == "名称：延长的活动" and upd[8] == "待审核"
    assert upd[7] == "'=1+1 学生建议"  # a reason that looks like a formula stays text
    assert by_id[crs["milestone"]["id"]][5] == crs["ms"]["title"]


def test_the_diff_since_the_latest_submission_shows_the_revision(client: TestClient, api) -> None:
    plan = api.create_plan()
    task = api.add_task(plan["id"], milestones=[("启动", 10)])
    h = kt.university_admin()
    url = f"/api/plans/plans/{plan['id']}/diff"
    assert client.get(url, params={"current": "true"}, headers=h).status_code == 404  # nothing submitted yet
    api.submit(plan["id"])
    r = client.post(
        f"/api/plans/plans/{plan['id']}/return",
        headers=kt.province_admin(),
        json={"comment": "请修改", "task_comments": [{"task_id": task["id"], "body": "时间太晚"}]},
    )
    assert r.status_code == 200
    same = client.get(url, params={"current": "true"}, headers=h).json()
    assert (same["from_seq"], same["to_seq"], same["tasks_changed"], same["tasks_added"]) == (1, None, [], [])

    due = str(local_today() + timedelta(days=90))
    assert client.patch(f"/api/plans/tasks/{task['id']}", json={"due_on": due}, headers=h).status_code == 200
    r = client.post(f"/api/plans/tasks/{task['id']}/milestones", json={"title": "中期", "due_on": due}, headers=h)
    assert r.status_code == 201, r.text
    d = client.get(url, params={"current": "true"}, headers=h).json()
    [changed] = d["tasks_changed"]
    assert [(c["field"], c["new"]) for c in changed["changes"]] == [("due_on", due)]
    assert [m["title"] for m in changed["milestones_added"]] == ["中期"]
    # the province reads it too; the submitted diff is unchanged; another university and a department do not
    assert client.get(url, params={"current": "true"}, headers=kt.province_admin()).json() == d
    assert client.get(url, headers=h).json()["to_seq"] == 1
    assert client.get(url, params={"current": "true"}, headers=kt.university_admin(kt.UNI_B)).status_code == 404
    assert client.get(url, params={"current": "true"}, headers=kt.department_manager()).status_code == 403
