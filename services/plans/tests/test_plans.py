"""Plans and their review: P1 one plan per university per year, P4 draft → submitted → approved / returned."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from sanquan_kernel import testing as kt
from sanquan_kernel.clock import today as local_today


def test_a_second_plan_for_the_same_university_and_year_is_a_conflict(client: TestClient, api) -> None:
    api.create_plan(kt.UNI_A, 2026)
    r = client.post("/api/plans/plans", json={"year": 2026, "title": "again"}, headers=kt.university_admin())
    assert r.status_code == 409
    assert r.headers["content-type"].startswith("application/problem+json")
    # another year, and another university the same year, are fine
    api.create_plan(kt.UNI_A, 2027)
    api.create_plan(kt.UNI_B, 2026)


def test_plan_is_created_for_the_callers_own_university(client: TestClient, api) -> None:
    plan = api.create_plan(kt.UNI_B)
    assert plan["university_id"] == kt.UNI_B
    assert plan["status"] == "draft" and plan["version"] == 1
    assert plan["university_name"] == "乙学院"


def test_a_submitted_plan_cannot_be_edited(client: TestClient, api) -> None:
    plan = api.create_plan()
    task = api.add_task(plan["id"])
    api.submit(plan["id"])
    h = kt.university_admin()
    assert client.patch(f"/api/plans/plans/{plan['id']}", json={"title": "x"}, headers=h).status_code == 409
    assert client.patch(f"/api/plans/tasks/{task['id']}", json={"title": "x"}, headers=h).status_code == 409
    r = client.post(f"/api/plans/plans/{plan['id']}/tasks", json={}, headers=h)
    assert r.status_code in (409, 422)
    assert client.delete(f"/api/plans/tasks/{task['id']}", headers=h).status_code == 409
    assert client.get(f"/api/plans/tasks/{task['id']}", headers=h).json()["title"] == task["title"]


def test_a_plan_needs_a_task_before_it_is_submitted(client: TestClient, api) -> None:
    plan = api.create_plan()
    assert client.post(f"/api/plans/plans/{plan['id']}/submit", headers=kt.university_admin()).status_code == 409


def test_only_the_province_approves_or_returns(client: TestClient, api) -> None:
    plan = api.create_plan()
    api.add_task(plan["id"])
    api.submit(plan["id"])
    for h in (kt.university_admin(), kt.department_manager()):
        assert client.post(f"/api/plans/plans/{plan['id']}/approve", headers=h).status_code == 403
        assert (
            client.post(f"/api/plans/plans/{plan['id']}/return", json={"comment": "no"}, headers=h).status_code == 403
        )
    assert api.approve(plan["id"])["status"] == "approved"


def test_approving_a_draft_is_a_conflict(client: TestClient, api) -> None:
    plan = api.create_plan()
    assert client.post(f"/api/plans/plans/{plan['id']}/approve", headers=kt.province_admin()).status_code == 409


def test_a_stale_if_match_is_refused_and_changes_nothing(client: TestClient, api) -> None:
    plan = api.create_plan()
    task = api.add_task(plan["id"])
    h = kt.university_admin()
    r = client.patch(f"/api/plans/tasks/{task['id']}", json={"title": "新标题"}, headers={**h, "If-Match": 'W/"1"'})
    assert r.status_code == 200 and r.headers["etag"] == 'W/"2"'
    stale = client.patch(f"/api/plans/tasks/{task['id']}", json={"title": "覆盖"}, headers={**h, "If-Match": 'W/"1"'})
    assert stale.status_code == 412
    assert client.get(f"/api/plans/tasks/{task['id']}", headers=h).json()["title"] == "新标题"
    r = client.patch(f"/api/plans/plans/{plan['id']}", json={"title": "x"}, headers={**h, "If-Match": 'W/"9"'})
    assert r.status_code == 412
    assert client.get(f"/api/plans/plans/{plan['id']}", headers=h).json()["title"] == plan["title"]


def test_a_task_names_a_department_of_the_plans_university(client: TestClient, api) -> None:
    plan = api.create_plan()
    r = client.post(
        f"/api/plans/plans/{plan['id']}/tasks",
        headers=kt.university_admin(),
        json={
            "category": "culture",
            "title": "t",
            "department_id": kt.DEPT_B1,
            "responsible_name": "李四",
            "due_on": "2026-12-31",
        },
    )
    assert r.status_code == 422


def test_returned_plan_carries_comments_and_can_be_revised(client: TestClient, api) -> None:
    plan = api.create_plan()
    task = api.add_task(plan["id"])
    api.submit(plan["id"])
    r = client.post(
        f"/api/plans/plans/{plan['id']}/return",
        headers=kt.province_admin(),
        json={"comment": "请补充经费保障", "task_comments": [{"task_id": task["id"], "body": "时间太晚"}]},
    )
    assert r.status_code == 200 and r.json()["status"] == "returned"
    comments = client.get(f"/api/plans/plans/{plan['id']}/comments", headers=kt.university_admin()).json()["items"]
    assert [(c["task_id"], c["body"]) for c in comments] == [(None, "请补充经费保障"), (task["id"], "时间太晚")]
    r = client.patch(f"/api/plans/tasks/{task['id']}", json={"due_on": "2026-12-20"}, headers=kt.university_admin())
    assert r.status_code == 200
    assert api.submit(plan["id"])["status"] == "submitted"


def test_a_comment_on_a_task_outside_the_submission_is_refused(client: TestClient, api) -> None:
    plan = api.create_plan()
    api.add_task(plan["id"])
    api.submit(plan["id"])
    r = client.post(
        f"/api/plans/plans/{plan['id']}/return",
        headers=kt.province_admin(),
        json={"comment": "x", "task_comments": [{"task_id": 999999, "body": "?"}]},
    )
    assert r.status_code == 422


def test_the_diff_shows_what_changed_since_the_previous_submission(client: TestClient, api) -> None:
    plan = api.create_plan()
    kept = api.add_task(plan["id"], milestones=[("启动", 10), ("验收", 40)])
    removed = api.add_task(plan["id"], title="将删除的任务")
    api.submit(plan["id"])
    first = client.get(f"/api/plans/plans/{plan['id']}/diff", headers=kt.province_admin()).json()
    assert first["from_seq"] is None and first["to_seq"] == 1
    assert {t["id"] for t in first["tasks_added"]} == {kept["id"], removed["id"]}

    client.post(f"/api/plans/plans/{plan['id']}/return", json={"comment": "修改"}, headers=kt.province_admin())
    h = kt.university_admin()
    client.patch(f"/api/plans/tasks/{kept['id']}", json={"title": "改后的标题", "category": "culture"}, headers=h)
    first_ms, second_ms = kept["milestones"]
    client.patch(f"/api/plans/milestones/{first_ms['id']}", json={"due_on": "2026-12-01"}, headers=h)
    client.delete(f"/api/plans/milestones/{second_ms['id']}", headers=h)
    client.delete(f"/api/plans/tasks/{removed['id']}", headers=h)
    added = api.add_task(plan["id"], title="新增任务")
    client.patch(f"/api/plans/plans/{plan['id']}", json={"summary": "新概要"}, headers=h)
    api.submit(plan["id"])

    d = client.get(f"/api/plans/plans/{plan['id']}/diff", headers=kt.province_admin()).json()
    assert (d["from_seq"], d["to_seq"]) == (1, 2)
    assert d["plan_changes"] == [{"field": "summary", "old": "", "new": "新概要"}]
    assert d["tasks_added"] == [{"id": added["id"], "title": "新增任务"}]
    assert d["tasks_removed"] == [{"id": removed["id"], "title": "将删除的任务"}]
    [changed] = d["tasks_changed"]
    assert changed["id"] == kept["id"]
    assert {(c["field"], c["old"], c["new"]) for c in changed["changes"]} == {
        ("title", "食堂育人窗口", "改后的标题"),
        ("category", "service", "culture"),
    }
    assert changed["milestones_removed"] == [{"id": second_ms["id"], "title": "验收"}]
    assert changed["milestones_changed"][0]["changes"] == [
        {"field": "due_on", "old": first_ms["due_on"], "new": "2026-12-01"}
    ]
    # each submission keeps its own snapshot
    subs = client.get(f"/api/plans/plans/{plan['id']}/submissions", headers=h).json()
    assert [s["outcome"] for s in subs["items"]] == ["returned", "pending"]
    snap = client.get(f"/api/plans/plans/{plan['id']}/submissions/1", headers=h).json()["snapshot"]
    assert len(snap["tasks"]) == 2


def test_an_approved_plan_changes_only_through_a_change_request(client: TestClient, api) -> None:
    plan, tasks = api.approved_plan()
    task = tasks[0]
    h = kt.university_admin()
    later = str(local_today() + timedelta(days=45))  # after the task's last milestone (conftest: day 30)
    assert client.patch(f"/api/plans/tasks/{task['id']}", json={"due_on": later}, headers=h).status_code == 409
    r = client.post(
        f"/api/plans/plans/{plan['id']}/change-requests",
        headers=h,
        json={"kind": "update_task", "task_id": task["id"], "changes": {"due_on": later}, "reason": "施工延期"},
    )
    assert r.status_code == 201, r.text
    cr = r.json()
    assert client.get(f"/api/plans/tasks/{task['id']}", headers=h).json()["due_on"] == task["due_on"]
    assert client.post(f"/api/plans/change-requests/{cr['id']}/approve", headers=h).status_code == 403
    r = client.post(
        f"/api/plans/change-requests/{cr['id']}/approve", headers=kt.province_admin(), json={"comment": "同意"}
    )
    assert r.status_code == 200 and r.json()["status"] == "approved"
    assert client.get(f"/api/plans/tasks/{task['id']}", headers=h).json()["due_on"] == later
    # deciding twice is a conflict
    r = client.post(f"/api/plans/change-requests/{cr['id']}/reject", headers=kt.province_admin())
    assert r.status_code == 409


def test_a_change_request_can_add_a_task_and_bad_changes_are_refused(client: TestClient, api) -> None:
    plan, _ = api.approved_plan()
    h = kt.university_admin()
    bad = client.post(
        f"/api/plans/plans/{plan['id']}/change-requests",
        headers=h,
        json={"kind": "update_task", "task_id": 1, "changes": {"due_on": "soon"}, "reason": "x"},
    )
    assert bad.status_code == 422
    task = client.get(f"/api/plans/plans/{plan['id']}/tasks", headers=h).json()["items"][0]
    before_start = client.post(
        f"/api/plans/plans/{plan['id']}/change-requests",
        headers=h,
        json={"kind": "update_task", "task_id": task["id"], "changes": {"due_on": "2020-01-01"}, "reason": "x"},
    )
    assert before_start.status_code == 422
    r = client.post(
        f"/api/plans/plans/{plan['id']}/change-requests",
        headers=h,
        json={
            "kind": "add_task",
            "reason": "新增项目",
            "changes": {
                "category": "publicity",
                "title": "宣传周",
                "department_id": kt.DEPT_A2,
                "responsible_name": "王五",
                "due_on": "2026-11-30",
            },
        },
    )
    assert r.status_code == 201, r.text
    client.post(f"/api/plans/change-requests/{r.json()['id']}/approve", headers=kt.province_admin())
    titles = [t["title"] for t in client.get(f"/api/plans/plans/{plan['id']}/tasks", headers=h).json()["items"]]
    assert "宣传周" in titles


def test_change_requests_are_only_for_approved_plans(client: TestClient, api) -> None:
    plan = api.create_plan()
    task = api.add_task(plan["id"])
    r = client.post(
        f"/api/plans/plans/{plan['id']}/change-requests",
        headers=kt.university_admin(),
        json={"kind": "update_task", "task_id": task["id"], "changes": {"title": "x"}, "reason": "x"},
    )
    assert r.status_code == 409


def test_only_a_never_submitted_draft_can_be_deleted(client: TestClient, api) -> None:
    h = kt.university_admin()
    draft = api.create_plan(year=2027)
    api.add_task(draft["id"])
    assert client.delete(f"/api/plans/plans/{draft['id']}", headers=kt.university_admin(kt.UNI_B)).status_code == 404
    assert client.delete(f"/api/plans/plans/{draft['id']}", headers=h).status_code == 204
    assert client.get(f"/api/plans/plans/{draft['id']}", headers=h).status_code == 404
    plan = api.create_plan()
    api.add_task(plan["id"])
    api.submit(plan["id"])
    client.post(f"/api/plans/plans/{plan['id']}/return", json={"comment": "x"}, headers=kt.province_admin())
    assert client.delete(f"/api/plans/plans/{plan['id']}", headers=h).status_code == 409


def test_review_records_of_another_university_are_not_found(client: TestClient, api) -> None:
    plan, (task, _) = api.approved_plan()
    cr = client.post(
        f"/api/plans/plans/{plan['id']}/change-requests",
        headers=kt.university_admin(),
        json={"kind": "update_task", "task_id": task["id"], "changes": {"title": "x"}, "reason": "r"},
    ).json()
    b = kt.university_admin(kt.UNI_B)
    for path in (
        f"/plans/{plan['id']}/submissions",
        f"/plans/{plan['id']}/submissions/1",
        f"/plans/{plan['id']}/comments",
        f"/plans/{plan['id']}/change-requests",
        f"/change-requests/{cr['id']}",
        f"/tasks/{task['id']}/progress",
        f"/tasks/{task['id']}/milestones",
        f"/plans/{plan['id']}/export",
    ):
        assert client.get(f"/api/plans{path}", headers=b).status_code == 404, path
    r = client.post(
        f"/api/plans/plans/{plan['id']}/change-requests",
        headers=b,
        json={"kind": "update_task", "task_id": task["id"], "changes": {"title": "x"}, "reason": "r"},
    )
    assert r.status_code == 404
    # the other university's own plan does not reveal the task either
    plan_b, _ = api.approved_plan(kt.UNI_B, (kt.DEPT_B1,))
    r = client.post(
        f"/api/plans/plans/{plan_b['id']}/change-requests",
        headers=b,
        json={"kind": "update_task", "task_id": task["id"], "changes": {"title": "x"}, "reason": "r"},
    )
    assert r.status_code == 404
