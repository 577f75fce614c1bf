"""Dashboards, the province overview, XLSX exports and the indicators — each with records of another university
and another department."""

from __future__ import annotations

import io
from datetime import timedelta

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from sanquan_kernel import testing as kt
from sanquan_kernel.clock import today


def _report(client: TestClient, task: dict, milestone: int, on: str | None = None) -> None:
    body = {"milestone_id": task["milestones"][milestone]["id"], "status": "done", "percent": 100}
    if on:
        body["reported_on"] = on
    r = client.post(f"/api/plans/tasks/{task['id']}/progress", json=body, headers=kt.university_admin())
    assert r.status_code == 201, r.text


def test_the_university_dashboard_shows_overdue_and_due_soon_work(client: TestClient, api) -> None:
    plan, (t1, t2) = api.approved_plan()
    _report(client, t2, 0)  # done (late) — no longer overdue
    client.put(
        "/api/plans/work-study-posts/2026",
        json={"total_posts": 100, "work_study_posts": 9},
        headers=kt.university_admin(),
    )
    client.post(
        "/api/plans/funding-lines",
        headers=kt.university_admin(),
        json={"year": 2026, "kind": "special_fund", "title": "专项", "planned_amount": 1000, "spent_amount": 250},
    )
    client.post(
        f"/api/plans/plans/{plan['id']}/letters",
        json={"target": "department", "department_id": kt.DEPT_A1},
        headers=kt.university_admin(),
    )
    api.approved_plan(kt.UNI_B, (kt.DEPT_B1,))  # another university's overdue work must not show

    d = client.get("/api/plans/dashboard?year=2026&due_within_days=40", headers=kt.university_admin()).json()
    assert d["plan_status"] == "approved" and d["university_id"] == kt.UNI_A
    assert (d["tasks_total"], d["milestones_total"], d["milestones_overdue"]) == (2, 4, 1)
    assert [m["task_id"] for m in d["overdue_milestones"]] == [t1["id"]]
    assert d["overdue_milestones"][0]["days_overdue"] == 5
    assert {m["task_id"] for m in d["milestones_due_soon"]} == {t1["id"], t2["id"]}
    assert [(c["category"], c["total"]) for c in d["by_category"]] == [("service", 2)]
    assert {x["department_id"] for x in d["by_department"]} == {kt.DEPT_A1, kt.DEPT_A2}
    assert d["letters"] == {"total": 1, "signed": 0, "unsigned": 1, "needs_resign": 0}
    assert d["funding"]["special_fund_spent_rate"] == 0.25
    assert d["work_study"]["ok"] is False


def test_a_department_manager_dashboard_counts_their_department_only(client: TestClient, api) -> None:
    api.approved_plan()
    d = client.get("/api/plans/dashboard?year=2026", headers=kt.department_manager(kt.DEPT_A2)).json()
    assert d["tasks_total"] == 1 and [x["department_id"] for x in d["by_department"]] == [kt.DEPT_A2]
    assert all(m["department_id"] == kt.DEPT_A2 for m in d["overdue_milestones"])


def test_the_dashboard_of_another_university_is_not_found(client: TestClient, api) -> None:
    api.approved_plan()
    r = client.get(f"/api/plans/dashboard?year=2026&university_id={kt.UNI_A}", headers=kt.university_admin(kt.UNI_B))
    assert r.status_code == 404
    ok = client.get(f"/api/plans/dashboard?year=2026&university_id={kt.UNI_A}", headers=kt.province_admin())
    assert ok.status_code == 200 and ok.json()["tasks_total"] == 2
    assert client.get("/api/plans/dashboard?year=2026", headers=kt.staff()).status_code == 403


def test_the_province_overview_lists_every_university_including_those_not_started(client: TestClient, api) -> None:
    api.approved_plan(kt.UNI_A)
    client.put(
        "/api/plans/work-study-posts/2026",
        json={"total_posts": 100, "work_study_posts": 10},
        headers=kt.university_admin(kt.UNI_A),
    )
    client.put(
        "/api/plans/work-study-posts/2026",
        json={"total_posts": 100, "work_study_posts": 3},
        headers=kt.university_admin(kt.UNI_B),
    )
    o = client.get("/api/plans/overview?year=2026", headers=kt.province_admin()).json()
    rows = {r["university_id"]: r for r in o["rows"]}
    assert rows[kt.UNI_A]["plan_status"] == "approved" and rows[kt.UNI_B]["plan_status"] == "not_started"
    assert rows[kt.UNI_A]["milestones_overdue"] == 2 and rows[kt.UNI_A]["work_study_ok"] is True
    assert o["work_study_below_minimum"] == [kt.UNI_B]
    assert o["totals"]["by_status"] == {"not_started": 1, "draft": 0, "submitted": 0, "returned": 0, "approved": 1}
    assert o["completion_by_category"][0]["category"] == "service"
    for h in (kt.university_admin(), kt.department_manager(), kt.service()):
        assert client.get("/api/plans/overview?year=2026", headers=h).status_code == 403


def test_exports_neutralise_formulas(client: TestClient, api) -> None:
    plan = api.create_plan()
    api.add_task(plan["id"], title='=HYPERLINK("http://evil","x")', milestones=[("@SUM(1)", 5)])
    r = client.get(f"/api/plans/plans/{plan['id']}/export", headers=kt.university_admin())
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content))
    titles = [row[2] for row in wb["任务"].iter_rows(min_row=2, values_only=True)]
    assert titles == ['\'=HYPERLINK("http://evil","x")']
    assert [row[3] for row in wb["路线图"].iter_rows(min_row=2, values_only=True)] == ["'@SUM(1)"]
    o = client.get("/api/plans/overview/export?year=2026", headers=kt.province_admin())
    sheet = load_workbook(io.BytesIO(o.content)).active
    names = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["甲大学", "乙学院"]


def test_the_plan_export_is_scoped(client: TestClient, api) -> None:
    plan, _ = api.approved_plan()
    assert client.get(f"/api/plans/plans/{plan['id']}/export", headers=kt.university_admin(kt.UNI_B)).status_code == 404
    r = client.get(f"/api/plans/plans/{plan['id']}/export", headers=kt.department_manager(kt.DEPT_A1))
    depts = [row[4] for row in load_workbook(io.BytesIO(r.content))["任务"].iter_rows(min_row=2, values_only=True)]
    assert depts == ["饮食服务中心"]


def test_indicators_for_the_assessment(client: TestClient, api) -> None:
    due = str(today() + timedelta(days=10))
    _, (t1, t2) = api.approved_plan(kt.UNI_A, submission_due_on=due)
    _report(client, t1, 0)  # overdue milestone done today: late
    _report(client, t2, 1)  # milestone due in 30 days, done today: on time
    client.put(
        "/api/plans/work-study-posts/2026",
        json={"total_posts": 50, "work_study_posts": 5},
        headers=kt.university_admin(),
    )
    client.post(
        "/api/plans/funding-lines",
        headers=kt.university_admin(),
        json={"year": 2026, "kind": "special_fund", "title": "专项", "planned_amount": 200, "spent_amount": 50},
    )
    api.create_plan(kt.UNI_B, 2026)
    r = client.get("/api/plans/indicators?year=2026", headers=kt.service("evaluation", "plans:indicators"))
    assert r.status_code == 200, r.text
    items = {i["university_id"]: i for i in r.json()["items"]}
    a = items[kt.UNI_A]
    assert (a["plan_status"], a["plan_approved"], a["plan_approved_on_time"]) == ("approved", True, True)
    # due: the two past-due milestones + the one done early; on time: only the early one
    assert (a["milestones_total"], a["milestones_due"], a["milestones_done_on_time"]) == (4, 3, 1)
    assert a["milestone_on_time_rate"] == round(1 / 3, 4)
    assert (a["work_study_ratio"], a["work_study_ok"]) == (0.1, True)
    assert (a["special_fund_set_up"], a["special_fund_spent_rate"]) == (True, 0.25)
    assert items[kt.UNI_B]["plan_status"] == "draft" and items[kt.UNI_B]["special_fund_set_up"] is False
    only_b = client.get(f"/api/plans/indicators?year=2026&university_id={kt.UNI_B}", headers=kt.province_admin())
    assert [i["university_id"] for i in only_b.json()["items"]] == [kt.UNI_B]
    assert client.get("/api/plans/indicators?year=2025", headers=kt.province_admin()).json()["items"] == []


def test_indicators_need_the_province_or_the_indicators_scope(client: TestClient) -> None:
    for h in (
        kt.service("evaluation", "internal:read"),
        kt.university_admin(),
        kt.department_manager(),
        kt.integration(kt.UNI_A, scope="plans:read plans:indicators"),
    ):
        assert client.get("/api/plans/indicators?year=2026", headers=h).status_code == 403


def test_a_plan_submitted_after_its_due_date_is_not_approved_on_time(client: TestClient, api) -> None:
    # the due date is the province's (the year's issued notice, issue #18), not the one the university wrote
    due = str(today() - timedelta(days=1))
    notice = {"year": 2026, "title": "通知", "plan_due_on": due}
    n = client.post("/api/plans/notices", json=notice, headers=kt.province_admin()).json()
    assert client.post(f"/api/plans/notices/{n['id']}/issue", headers=kt.province_admin()).status_code == 200
    plan, _ = api.approved_plan(submission_due_on="2099-12-31")
    got = client.get(f"/api/plans/plans/{plan['id']}", headers=kt.university_admin()).json()
    assert got["status"] == "approved" and got["approved_on_time"] is False


def test_scope_on_plans_and_tasks(client: TestClient, api) -> None:
    plan, (t1, t2) = api.approved_plan(kt.UNI_A)
    api.approved_plan(kt.UNI_B, (kt.DEPT_B1,))
    b = kt.university_admin(kt.UNI_B)
    assert [p["university_id"] for p in client.get("/api/plans/plans", headers=b).json()["items"]] == [kt.UNI_B]
    assert client.get(f"/api/plans/plans/{plan['id']}", headers=b).status_code == 404
    assert client.get(f"/api/plans/plans/{plan['id']}/tasks", headers=b).status_code == 404
    assert client.get(f"/api/plans/tasks/{t1['id']}", headers=b).status_code == 404
    assert client.get(f"/api/plans/milestones/{t1['milestones'][0]['id']}", headers=b).status_code == 404
    assert client.get(f"/api/plans/plans/{plan['id']}/diff", headers=b).status_code == 404
    assert client.patch(f"/api/plans/plans/{plan['id']}", json={"title": "x"}, headers=b).status_code == 404
    # a department manager reads the plan, only their department's tasks, and cannot edit
    mgr = kt.department_manager(kt.DEPT_A1)
    assert client.get(f"/api/plans/plans/{plan['id']}", headers=mgr).status_code == 200
    tasks = client.get(f"/api/plans/plans/{plan['id']}/tasks", headers=mgr).json()
    assert [t["id"] for t in tasks["items"]] == [t1["id"]]
    assert client.get(f"/api/plans/tasks/{t2['id']}", headers=mgr).status_code == 404
    assert client.get(f"/api/plans/milestones/{t2['milestones'][0]['id']}", headers=mgr).status_code == 404
    assert client.patch(f"/api/plans/plans/{plan['id']}", json={"title": "x"}, headers=mgr).status_code == 403
    assert client.get(f"/api/plans/plans/{plan['id']}/submissions", headers=mgr).status_code == 403
    # staff and experts: no plans at all
    for h in (kt.staff(), kt.expert()):
        assert client.get("/api/plans/plans", headers=h).status_code == 403
        assert client.get(f"/api/plans/tasks/{t1['id']}", headers=h).status_code == 403
    # the province sees both
    assert client.get("/api/plans/plans", headers=kt.province_admin()).json()["total"] == 2


def test_exports_have_chinese_file_names(client: TestClient, api) -> None:
    """Issue #17: 全省方案总览-2026.xlsx, not plans-overview-2026.xlsx; the plan under its university's name."""
    from urllib.parse import unquote

    def name(r) -> str:
        assert r.status_code == 200, r.text
        return unquote(r.headers["content-disposition"].split("filename*=UTF-8''")[1])

    plan = api.create_plan()
    assert (
        name(client.get("/api/plans/overview/export?year=2026", headers=kt.province_admin()))
        == "全省方案总览-2026.xlsx"
    )
    assert name(client.get(f"/api/plans/plans/{plan['id']}/export", headers=kt.university_admin())) == (
        f"实施方案-甲大学-{plan['year']}.xlsx"
    )
    assert name(client.get("/api/plans/change-requests/export", headers=kt.province_admin())) == "变更申请.xlsx"


def test_the_big_screen_gives_each_universitys_city_roadmap_and_the_latest_overdue_work(
    client: TestClient, api
) -> None:
    """#17: the province's big screen — both universities with their city, the overdue milestones of both, the
    most recently due first; a university (or anyone but the province) is refused."""
    _, (t1, _) = api.approved_plan(kt.UNI_A)
    _report(client, t1, 0)  # done (late): no longer an alert
    plan_b = api.create_plan(kt.UNI_B)
    api.add_task(plan_b["id"], kt.UNI_B, kt.DEPT_B1, milestones=[("摸底", -9), ("自查", -2), ("验收", 10)])

    r = client.get("/api/plans/screen?year=2026&alerts=2", headers=kt.province_admin())
    assert r.status_code == 200, r.text
    s = r.json()
    rows = {x["university_id"]: x for x in s["rows"]}
    assert (rows[kt.UNI_A]["city"], rows[kt.UNI_B]["city"]) == ("410100", "410300")
    assert (rows[kt.UNI_A]["plan_status"], rows[kt.UNI_B]["plan_status"]) == ("approved", "draft")
    a, b = rows[kt.UNI_A], rows[kt.UNI_B]
    assert (a["milestones_total"], a["milestones_done"], a["milestones_overdue"]) == (4, 1, 1)
    assert (b["milestones_total"], b["milestones_done"], b["milestones_overdue"]) == (3, 0, 2)
    assert a["milestone_completion"] == 0.25
    assert s["totals"]["milestones_overdue"] == 3 and s["totals"]["universities_with_overdue"] == 2
    # The latest two of the three overdue: 自查 (2 days) then 调研 of the other university (5 days).
    assert [(x["title"], x["days_overdue"]) for x in s["alerts"]] == [("自查", 2), ("调研", 5)]
    assert s["alerts"][0]["university_name"] == "乙学院" and s["alerts"][1]["university_id"] == kt.UNI_A
    for h in (kt.university_admin(kt.UNI_A), kt.department_manager(kt.DEPT_A1), kt.staff()):
        assert client.get("/api/plans/screen?year=2026", headers=h).status_code == 403
    assert client.get("/api/plans/screen?year=2026&alerts=0", headers=kt.province_admin()).status_code == 422
