"""Self-reported training (pending until the department manager decides) and courses whose attendance makes
ledger records in one transaction — with scope on every path."""

from __future__ import annotations

from fastapi.testclient import TestClient

from sanquan_kernel import testing as kt

SR = "/api/training/self-reports"
COURSES = "/api/training/courses"
BODY = {
    "title": "校外急救培训",
    "taken_on": "2025-06-01",
    "hours": 16,
    "days": 2,
    "themes": ["safety"],
    "organizer_level": "external",
    "evidence": "证书编号 123",
}


def test_a_staff_member_without_a_register_entry_cannot_self_report(client: TestClient) -> None:
    assert client.post(SR, json=BODY, headers=kt.staff(999)).status_code == 403


def test_only_the_staff_members_own_department_manager_decides(client: TestClient, api) -> None:
    api.staff("A1", dept=kt.DEPT_A1, account_id=400)
    rep = client.post(SR, json=BODY, headers=kt.staff(400)).json()
    assert rep["status"] == "pending"
    assert client.post(f"{SR}/{rep['id']}/approve", headers=kt.department_manager(kt.DEPT_A2)).status_code == 404
    assert client.post(f"{SR}/{rep['id']}/approve", headers=kt.university_admin(kt.UNI_B)).status_code == 404
    assert client.post(f"{SR}/{rep['id']}/approve", headers=kt.integration()).status_code == 403
    assert client.post(f"{SR}/{rep['id']}/approve", headers=kt.staff(400)).status_code == 403
    ok = client.post(f"{SR}/{rep['id']}/approve", headers=kt.department_manager(kt.DEPT_A1))
    assert ok.status_code == 200 and ok.json()["status"] == "approved"
    again = client.post(f"{SR}/{rep['id']}/reject", json={"reason": "x"}, headers=kt.department_manager(kt.DEPT_A1))
    assert again.status_code == 409


def test_a_rejection_needs_a_reason(client: TestClient, api) -> None:
    api.staff("A1", account_id=400)
    rep = client.post(SR, json=BODY, headers=kt.staff(400)).json()
    assert (
        client.post(f"{SR}/{rep['id']}/reject", json={"reason": ""}, headers=kt.department_manager()).status_code == 422
    )


def test_self_reports_are_listed_within_scope(client: TestClient, api) -> None:
    api.staff("A1", dept=kt.DEPT_A1, account_id=400)
    api.staff("A2", dept=kt.DEPT_A2, account_id=401)
    api.staff("B1", dept=kt.DEPT_B1, uni=kt.UNI_B, account_id=402)
    for user, dept, uni in ((400, kt.DEPT_A1, kt.UNI_A), (401, kt.DEPT_A2, kt.UNI_A), (402, kt.DEPT_B1, kt.UNI_B)):
        assert client.post(SR, json=BODY, headers=kt.staff(user, dept, uni)).status_code == 201

    def seen(h: dict) -> list[str]:
        return sorted(i["employee_no"] for i in client.get(SR, params={"status": "pending"}, headers=h).json()["items"])

    assert seen(kt.department_manager(kt.DEPT_A1)) == ["A1"]
    assert seen(kt.university_admin(kt.UNI_A)) == ["A1", "A2"]
    assert seen(kt.staff(401, kt.DEPT_A2)) == ["A2"]
    assert seen(kt.province_admin()) == ["A1", "A2", "B1"]
    other = client.get(SR, headers=kt.university_admin(kt.UNI_B)).json()["items"][0]
    assert client.get(f"{SR}/{other['id']}", headers=kt.university_admin(kt.UNI_A)).status_code == 404


def _course(client: TestClient, headers: dict, **extra: object) -> dict:
    body = {
        "title": "宪法宣传周专题培训",
        "themes": ["law", "ideals"],
        "starts_on": "2025-09-01",
        "ends_on": "2025-09-02",
        "hours": 16,
        "days": 2,
        **extra,
    }
    r = client.post(COURSES, json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def test_attendance_makes_ledger_records_once(client: TestClient, api) -> None:
    a1 = api.staff("A1", dept=kt.DEPT_A1)
    a2 = api.staff("A2", dept=kt.DEPT_A1)
    course = _course(client, kt.university_admin())
    assert course["organizer_level"] == "university" and course["organizer_name"] == "甲大学"
    mgr = kt.department_manager(kt.DEPT_A1)
    enrolled = client.post(
        f"{COURSES}/{course['id']}/enrolments", json={"staff_ids": [a1["id"], a2["id"]]}, headers=mgr
    )
    assert enrolled.status_code == 200 and len(enrolled.json()) == 2
    r = client.post(f"{COURSES}/{course['id']}/attendance", json={"staff_ids": [a1["id"]]}, headers=mgr)
    assert r.status_code == 200, r.text
    assert (r.json()["attended"], r.json()["records_created"]) == (1, 1)
    again = client.post(f"{COURSES}/{course['id']}/attendance", json={"staff_ids": [a1["id"]]}, headers=mgr).json()
    assert again["attended"] == 0
    led = api.ledger(a1["id"])
    assert led["hours"] == 16.0 and led["by_theme"]["law"]["count"] == 1
    assert led["records"][0]["source"] == "course" and led["records"][0]["course_id"] == course["id"]
    assert api.ledger(a2["id"])["hours"] == 0.0


def test_enrolment_and_attendance_only_for_staff_in_scope(client: TestClient, api) -> None:
    api.staff("A1", dept=kt.DEPT_A1)
    a2 = api.staff("A2", dept=kt.DEPT_A2)
    b1 = api.staff("B1", dept=kt.DEPT_B1, uni=kt.UNI_B)
    course = _course(client, kt.province_admin())
    mgr = kt.department_manager(kt.DEPT_A1)
    for sid in (a2["id"], b1["id"]):
        r = client.post(f"{COURSES}/{course['id']}/enrolments", json={"staff_ids": [sid]}, headers=mgr)
        assert r.status_code == 422
    client.post(
        f"{COURSES}/{course['id']}/enrolments", json={"staff_ids": [b1["id"]]}, headers=kt.university_admin(kt.UNI_B)
    )
    assert client.get(f"{COURSES}/{course['id']}/enrolments", headers=mgr).json() == []
    assert len(client.get(f"{COURSES}/{course['id']}/enrolments", headers=kt.province_admin()).json()) == 1


def test_a_department_course_is_not_visible_to_another_university(client: TestClient) -> None:
    course = _course(client, kt.department_manager(kt.DEPT_A1))
    assert client.get(f"{COURSES}/{course['id']}", headers=kt.university_admin(kt.UNI_B)).status_code == 404
    assert client.get(f"{COURSES}/{course['id']}", headers=kt.department_manager(kt.DEPT_A2)).status_code == 404
    assert client.get(f"{COURSES}/{course['id']}", headers=kt.university_admin(kt.UNI_A)).status_code == 200
    assert client.get(COURSES, headers=kt.university_admin(kt.UNI_B)).json()["total"] == 0


def test_a_full_course_refuses_more_enrolments(client: TestClient, api) -> None:
    people = [api.staff(f"A{i}") for i in range(3)]
    course = _course(client, kt.university_admin(), capacity=2)
    r = client.post(
        f"{COURSES}/{course['id']}/enrolments",
        json={"staff_ids": [p["id"] for p in people]},
        headers=kt.university_admin(),
    )
    assert r.status_code == 409


def test_attendance_waits_until_the_course_has_ended(client: TestClient, api) -> None:
    a1 = api.staff("A1")
    course = _course(client, kt.university_admin(), starts_on="2999-01-01", ends_on="2999-01-02")
    client.post(f"{COURSES}/{course['id']}/enrolments", json={"staff_ids": [a1["id"]]}, headers=kt.university_admin())
    r = client.post(
        f"{COURSES}/{course['id']}/attendance", json={"staff_ids": [a1["id"]]}, headers=kt.university_admin()
    )
    assert r.status_code == 409
