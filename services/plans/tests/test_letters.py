"""P2 responsibility letters: generated per department or person, DOCX in Chinese, signed by the responsible
person on a version; a task changed after signing makes the letter need re-signing."""

from __future__ import annotations

import io
import zipfile

from fastapi.testclient import TestClient

from sanquan_kernel import testing as kt


def _letter(client: TestClient, plan_id: int, **body: object) -> dict:
    r = client.post(f"/api/plans/plans/{plan_id}/letters", json=body, headers=kt.university_admin())
    assert r.status_code in (200, 201), r.text
    return r.json()


def test_a_department_letter_is_a_chinese_docx_of_its_tasks(client: TestClient, api) -> None:
    plan = api.create_plan()
    api.add_task(plan["id"], kt.UNI_A, kt.DEPT_A1, title="文明餐桌行动", milestones=[("启动", 10)])
    api.add_task(plan["id"], kt.UNI_A, kt.DEPT_A2, title="公寓文化节")
    letter = _letter(client, plan["id"], target="department", department_id=kt.DEPT_A1)
    assert letter["status"] == "unsigned" and letter["current_version"] == 1
    assert letter["versions"][0]["task_count"] == 1
    r = client.get(f"/api/plans/letters/{letter['id']}/document", headers=kt.university_admin())
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    xml = zipfile.ZipFile(io.BytesIO(r.content)).read("word/document.xml").decode()
    assert "任务责任书" in xml and "文明餐桌行动" in xml and "服务育人" in xml
    assert "公寓文化节" not in xml
    # generating it again answers the same letter
    again = client.post(
        f"/api/plans/plans/{plan['id']}/letters",
        headers=kt.university_admin(),
        json={"target": "department", "department_id": kt.DEPT_A1},
    )
    assert again.status_code == 200 and again.json()["id"] == letter["id"]


def test_a_letter_for_a_department_without_tasks_is_refused(client: TestClient, api) -> None:
    plan = api.create_plan()
    api.add_task(plan["id"], kt.UNI_A, kt.DEPT_A1)
    r = client.post(
        f"/api/plans/plans/{plan['id']}/letters",
        headers=kt.university_admin(),
        json={"target": "department", "department_id": kt.DEPT_A2},
    )
    assert r.status_code == 422


def test_only_the_responsible_person_signs(client: TestClient, api) -> None:
    plan = api.create_plan()
    api.add_task(plan["id"], kt.UNI_A, kt.DEPT_A1)
    letter = _letter(client, plan["id"], target="department", department_id=kt.DEPT_A1)
    url = f"/api/plans/letters/{letter['id']}/sign"
    assert client.post(url, json={"version": 1}, headers=kt.university_admin()).status_code == 403
    assert client.post(url, json={"version": 1}, headers=kt.department_manager(kt.DEPT_A2)).status_code == 404
    r = client.post(url, json={"version": 1}, headers=kt.department_manager(kt.DEPT_A1))
    assert r.status_code == 200, r.text
    signed = r.json()
    assert signed["status"] == "signed" and signed["signed_version"] == 1
    [sig] = signed["signatures"]
    assert sig["signed_by"] == str(300 + kt.DEPT_A1) and sig["version"] == 1


def test_a_task_changed_after_signing_makes_the_letter_need_re_signing(client: TestClient, api) -> None:
    plan = api.create_plan()
    task = api.add_task(plan["id"], kt.UNI_A, kt.DEPT_A1)
    letter = _letter(client, plan["id"], target="department", department_id=kt.DEPT_A1)
    mgr = kt.department_manager(kt.DEPT_A1)
    client.post(f"/api/plans/letters/{letter['id']}/sign", json={"version": 1}, headers=mgr)

    client.patch(
        f"/api/plans/tasks/{task['id']}", json={"expected_outputs": "形成制度汇编"}, headers=kt.university_admin()
    )
    now = client.get(f"/api/plans/letters/{letter['id']}", headers=mgr).json()
    assert (now["status"], now["current_version"], now["signed_version"]) == ("needs_resign", 2, 1)
    assert now["content_hash"] != letter["content_hash"]
    # the old version can no longer be signed; the new one can
    assert client.post(f"/api/plans/letters/{letter['id']}/sign", json={"version": 1}, headers=mgr).status_code == 409
    r = client.post(f"/api/plans/letters/{letter['id']}/sign", json={"version": 2}, headers=mgr)
    assert r.json()["status"] == "signed"
    # the first version stays downloadable
    assert client.get(f"/api/plans/letters/{letter['id']}/document?version=1", headers=mgr).status_code == 200


def test_progress_does_not_invalidate_a_signature(client: TestClient, api) -> None:
    plan, (task, _) = api.approved_plan()
    letter = _letter(client, plan["id"], target="department", department_id=kt.DEPT_A1)
    mgr = kt.department_manager(kt.DEPT_A1)
    client.post(f"/api/plans/letters/{letter['id']}/sign", json={"version": 1}, headers=mgr)
    client.post(f"/api/plans/tasks/{task['id']}/progress", json={"status": "in_progress", "percent": 30}, headers=mgr)
    assert client.get(f"/api/plans/letters/{letter['id']}", headers=mgr).json()["status"] == "signed"


def test_a_change_request_approved_after_signing_needs_re_signing(client: TestClient, api) -> None:
    plan, (task, _) = api.approved_plan()
    letter = _letter(client, plan["id"], target="department", department_id=kt.DEPT_A1)
    mgr = kt.department_manager(kt.DEPT_A1)
    client.post(f"/api/plans/letters/{letter['id']}/sign", json={"version": 1}, headers=mgr)
    cr = client.post(
        f"/api/plans/plans/{plan['id']}/change-requests",
        headers=kt.university_admin(),
        json={
            "kind": "update_milestone",
            "task_id": task["id"],
            "milestone_id": task["milestones"][1]["id"],
            "changes": {"due_on": "2026-12-30"},
            "reason": "延期",
        },
    ).json()
    client.post(f"/api/plans/change-requests/{cr['id']}/approve", headers=kt.province_admin())
    assert client.get(f"/api/plans/letters/{letter['id']}", headers=mgr).json()["status"] == "needs_resign"


def test_a_person_letter_is_seen_and_signed_by_that_person_only(client: TestClient, api) -> None:
    plan = api.create_plan()
    api.add_task(plan["id"], kt.UNI_A, kt.DEPT_A1, responsible_user_id=400, responsible_name="赵六")
    letter = _letter(client, plan["id"], target="person", responsible_user_id=400)
    me, other = kt.staff(400), kt.staff(401)
    assert client.get("/api/plans/letters", headers=me).json()["total"] == 1
    assert client.get("/api/plans/letters", headers=other).json()["total"] == 0
    assert client.get(f"/api/plans/letters/{letter['id']}", headers=other).status_code == 404
    assert client.post(f"/api/plans/letters/{letter['id']}/sign", json={"version": 1}, headers=other).status_code == 404
    r = client.post(f"/api/plans/letters/{letter['id']}/sign", json={"version": 1}, headers=me)
    assert r.status_code == 200 and r.json()["status"] == "signed"
    # a staff member still sees no plan
    assert client.get("/api/plans/plans", headers=me).status_code == 403


def test_letters_of_another_university_or_department_are_not_visible(client: TestClient, api) -> None:
    plan = api.create_plan()
    api.add_task(plan["id"], kt.UNI_A, kt.DEPT_A1)
    api.add_task(plan["id"], kt.UNI_A, kt.DEPT_A2)
    a1 = _letter(client, plan["id"], target="department", department_id=kt.DEPT_A1)
    _letter(client, plan["id"], target="department", department_id=kt.DEPT_A2)
    b = kt.university_admin(kt.UNI_B)
    assert client.get("/api/plans/letters", headers=b).json()["total"] == 0
    assert client.get(f"/api/plans/letters/{a1['id']}", headers=b).status_code == 404
    assert client.get(f"/api/plans/letters/{a1['id']}/document", headers=b).status_code == 404
    assert client.get(f"/api/plans/letters/{a1['id']}", headers=kt.expert()).status_code == 404
    mine = client.get("/api/plans/letters", headers=kt.department_manager(kt.DEPT_A2)).json()
    assert [x["department_id"] for x in mine["items"]] == [kt.DEPT_A2]
    assert client.get("/api/plans/letters", headers=kt.province_admin()).json()["total"] == 2
