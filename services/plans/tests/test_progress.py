"""P4 progress: department managers report on their department's tasks only; reports are append-only; overdue
means past the due date and not done."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from plans.tasks.service import is_overdue
from sanquan_kernel import testing as kt
from sanquan_kernel.clock import today


def test_a_department_manager_cannot_report_on_another_departments_task(client: TestClient, api) -> None:
    _, (task_a1, task_a2) = api.approved_plan()
    body = {"status": "in_progress", "percent": 50, "note": "推进中"}
    mgr = kt.department_manager(kt.DEPT_A1)
    assert client.post(f"/api/plans/tasks/{task_a2['id']}/progress", json=body, headers=mgr).status_code == 404
    assert client.get(f"/api/plans/tasks/{task_a2['id']}/progress", headers=mgr).status_code == 404
    assert client.post(f"/api/plans/tasks/{task_a1['id']}/progress", json=body, headers=mgr).status_code == 201
    # nothing was recorded on the other department's task
    other = client.get(f"/api/plans/tasks/{task_a2['id']}/progress", headers=kt.university_admin()).json()
    assert other["total"] == 0
    # a manager of another university's department does not see the task either
    assert (
        client.post(
            f"/api/plans/tasks/{task_a1['id']}/progress", json=body, headers=kt.department_manager(kt.DEPT_B1, kt.UNI_B)
        ).status_code
        == 404
    )


def test_completing_every_milestone_completes_the_task(client: TestClient, api) -> None:
    _, (task, _) = api.approved_plan()
    mgr = kt.department_manager(kt.DEPT_A1)
    first, second = task["milestones"]
    r = client.post(
        f"/api/plans/tasks/{task['id']}/progress",
        headers=mgr,
        json={"milestone_id": first["id"], "status": "done", "percent": 100, "evidence": "会议纪要"},
    )
    assert r.status_code == 201, r.text
    t = client.get(f"/api/plans/tasks/{task['id']}", headers=mgr).json()
    assert (t["status"], t["percent"]) == ("in_progress", 50)
    assert t["milestones"][0]["evidence"] == "会议纪要" and t["milestones"][0]["completed_on"] == str(today())
    client.post(
        f"/api/plans/tasks/{task['id']}/progress",
        headers=mgr,
        json={"milestone_id": second["id"], "status": "done", "percent": 100},
    )
    t = client.get(f"/api/plans/tasks/{task['id']}", headers=mgr).json()
    assert (t["status"], t["percent"], t["overdue"]) == ("done", 100, False)
    reports = client.get(f"/api/plans/tasks/{task['id']}/progress", headers=mgr).json()
    assert reports["total"] == 2


def test_a_milestone_of_another_task_is_not_found(client: TestClient, api) -> None:
    _, (task_a1, task_a2) = api.approved_plan()
    r = client.post(
        f"/api/plans/tasks/{task_a1['id']}/progress",
        headers=kt.university_admin(),
        json={"milestone_id": task_a2["milestones"][0]["id"], "status": "done", "percent": 100},
    )
    assert r.status_code == 404


def test_progress_reports_are_append_only(client: TestClient, api) -> None:
    _, (task, _) = api.approved_plan()
    mgr = kt.department_manager(kt.DEPT_A1)
    client.post(f"/api/plans/tasks/{task['id']}/progress", json={"status": "in_progress", "percent": 10}, headers=mgr)
    assert client.delete(f"/api/plans/tasks/{task['id']}/progress", headers=mgr).status_code == 405
    assert client.put(f"/api/plans/tasks/{task['id']}/progress", json={}, headers=mgr).status_code == 405


def test_progress_is_reported_on_approved_plans_only(client: TestClient, api) -> None:
    plan = api.create_plan()
    task = api.add_task(plan["id"])
    r = client.post(
        f"/api/plans/tasks/{task['id']}/progress",
        json={"status": "in_progress", "percent": 10},
        headers=kt.department_manager(kt.DEPT_A1),
    )
    assert r.status_code == 409


def test_a_done_report_must_say_100_percent(client: TestClient, api) -> None:
    _, (task, _) = api.approved_plan()
    r = client.post(
        f"/api/plans/tasks/{task['id']}/progress",
        json={"status": "done", "percent": 90},
        headers=kt.department_manager(kt.DEPT_A1),
    )
    assert r.status_code == 422


def test_staff_and_experts_cannot_report(client: TestClient, api) -> None:
    _, (task, _) = api.approved_plan()
    body = {"status": "in_progress", "percent": 10}
    for h in (kt.staff(), kt.expert(), kt.province_admin()):
        assert client.post(f"/api/plans/tasks/{task['id']}/progress", json=body, headers=h).status_code == 403


def test_overdue_means_past_due_and_not_done() -> None:
    d = today()
    assert is_overdue(d - timedelta(days=1), "in_progress", d)
    assert is_overdue(d - timedelta(days=1), "not_started", d)
    assert not is_overdue(d, "not_started", d)  # due today is still on time
    assert not is_overdue(d - timedelta(days=30), "done", d)


def test_overdue_tasks_are_flagged_and_filtered(client: TestClient, api) -> None:
    plan = api.create_plan()
    late = api.add_task(plan["id"], title="逾期任务", due_in=-1, start_on=str(today() - timedelta(days=60)))
    api.add_task(plan["id"], title="今天到期", due_in=0)
    items = client.get(f"/api/plans/plans/{plan['id']}/tasks?overdue=true", headers=kt.university_admin()).json()
    assert [t["id"] for t in items["items"]] == [late["id"]]
    assert items["items"][0]["overdue"] is True
