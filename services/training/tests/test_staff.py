"""The staff register: upsert by employee number (CONTRACT.md), and data scope on list and detail."""

from __future__ import annotations

from fastapi.testclient import TestClient

from sanquan_kernel import testing as kt

URL = "/api/training/staff"


def _body(dept: int = kt.DEPT_A1, **extra: object) -> dict:
    return {
        "name": "张三",
        "department_id": dept,
        "position": "保洁",
        "employment_type": "outsourced",
        "active": True,
        **extra,
    }


def test_upsert_answers_201_when_created_and_200_when_replaced(client: TestClient) -> None:
    r1 = client.put(f"{URL}/by-employee-no/E1", json=_body(), headers=kt.integration())
    assert r1.status_code == 201, r1.text
    assert r1.json()["university_id"] == kt.UNI_A and r1.json()["employment_type"] == "outsourced"
    r2 = client.put(f"{URL}/by-employee-no/E1", json=_body(name="张三丰"), headers=kt.integration())
    assert r2.status_code == 200
    assert r2.json()["id"] == r1.json()["id"] and r2.json()["name"] == "张三丰" and r2.json()["version"] == 2


def test_the_same_employee_number_in_two_universities_is_two_people(client: TestClient) -> None:
    a = client.put(f"{URL}/by-employee-no/E1", json=_body(), headers=kt.university_admin(kt.UNI_A))
    b = client.put(f"{URL}/by-employee-no/E1", json=_body(kt.DEPT_B1), headers=kt.university_admin(kt.UNI_B))
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]


def test_a_department_of_another_university_is_refused(client: TestClient) -> None:
    r = client.put(f"{URL}/by-employee-no/E1", json=_body(kt.DEPT_B1), headers=kt.university_admin(kt.UNI_A))
    assert r.status_code == 422


def test_a_province_admin_names_the_university(client: TestClient) -> None:
    h = kt.province_admin()
    assert client.put(f"{URL}/by-employee-no/E1", json=_body(), headers=h).status_code == 422
    r = client.put(f"{URL}/by-employee-no/E1", json=_body(university_id=kt.UNI_A), headers=h)
    assert r.status_code == 201 and r.json()["university_id"] == kt.UNI_A


def test_only_admins_and_clients_with_the_write_scope_upsert_staff(client: TestClient) -> None:
    for h in (kt.department_manager(), kt.staff(), kt.expert(), kt.integration(scope="training:read")):
        assert client.put(f"{URL}/by-employee-no/E1", json=_body(), headers=h).status_code == 403


def test_a_client_reads_only_with_the_read_scope(client: TestClient, api) -> None:
    s = api.staff("E1")
    assert client.get(f"{URL}/{s['id']}", headers=kt.integration(scope="training:write")).status_code == 403
    assert client.get(f"{URL}/{s['id']}", headers=kt.integration(scope="training:read")).status_code == 200


def test_staff_of_another_university_or_department_are_not_found(client: TestClient, api) -> None:
    mine = api.staff("A1", dept=kt.DEPT_A1)
    other_dept = api.staff("A2", dept=kt.DEPT_A2)
    other_uni = api.staff("B1", dept=kt.DEPT_B1, uni=kt.UNI_B)
    listed = client.get(URL, headers=kt.department_manager(kt.DEPT_A1)).json()
    assert [s["employee_no"] for s in listed["items"]] == ["A1"] and listed["total"] == 1
    assert client.get(f"{URL}/{other_dept['id']}", headers=kt.department_manager(kt.DEPT_A1)).status_code == 404
    assert client.get(f"{URL}/{other_uni['id']}", headers=kt.university_admin(kt.UNI_A)).status_code == 404
    assert client.get(f"{URL}/{other_uni['id']}", headers=kt.integration(kt.UNI_A)).status_code == 404
    assert client.get(f"{URL}/{mine['id']}", headers=kt.university_admin(kt.UNI_A)).status_code == 200
    uni = client.get(URL, headers=kt.university_admin(kt.UNI_A)).json()
    assert sorted(s["employee_no"] for s in uni["items"]) == ["A1", "A2"]
    assert client.get(URL, headers=kt.province_admin()).json()["total"] == 3


def test_a_staff_member_sees_only_their_own_entry(client: TestClient, api) -> None:
    me = api.staff("A1", account_id=400)
    colleague = api.staff("A2")
    assert [s["id"] for s in client.get(URL, headers=kt.staff(400)).json()["items"]] == [me["id"]]
    assert client.get(f"{URL}/{colleague['id']}", headers=kt.staff(400)).status_code == 404


def test_the_evaluation_service_checks_a_nominee_with_its_read_scope(client: TestClient, api) -> None:
    s = api.staff("A1")
    svc = kt.service(scope="training:indicators training:read")
    r = client.get(f"{URL}/{s['id']}", headers=svc)
    assert r.status_code == 200 and r.json()["university_id"] == kt.UNI_A
    assert client.get(f"{URL}/{s['id']}", headers=kt.service(scope="internal:read")).status_code == 403


def test_list_filters_by_department_name_and_active(client: TestClient, api) -> None:
    api.staff("A1", name="李四")
    api.staff("A2", dept=kt.DEPT_A2, name="王五", active=False)
    h = kt.university_admin()
    assert [s["employee_no"] for s in client.get(URL, params={"q": "李"}, headers=h).json()["items"]] == ["A1"]
    assert client.get(URL, params={"active": "false"}, headers=h).json()["items"][0]["employee_no"] == "A2"
    assert client.get(URL, params={"department_id": kt.DEPT_A2}, headers=h).json()["total"] == 1


def test_moving_a_person_keeps_their_ledger_whole(client: TestClient, api) -> None:
    s = api.staff("A1", dept=kt.DEPT_A1)
    api.record(s["id"], hours=50, days=0)
    moved = api.staff("A1", dept=kt.DEPT_A2)
    assert moved["department_id"] == kt.DEPT_A2
    api.record(s["id"], hours=40, days=0)
    led = api.ledger(s["id"])
    assert led["hours"] == 90 and led["compliant"] is True
    # The record keeps the department it was made in; the new manager sees the whole ledger, the old one none.
    assert sorted(r["department_id"] for r in led["records"]) == [kt.DEPT_A1, kt.DEPT_A2]
    new_mgr = client.get(
        "/api/training/records", params={"staff_id": s["id"]}, headers=kt.department_manager(kt.DEPT_A2)
    )
    assert new_mgr.json()["total"] == 2
    old_mgr = client.get(
        "/api/training/records", params={"staff_id": s["id"]}, headers=kt.department_manager(kt.DEPT_A1)
    )
    assert old_mgr.json()["total"] == 0
    rows = client.get(
        "/api/training/compliance",
        params={"year": 2025, "group_by": "department", "org_id": kt.UNI_A},
        headers=kt.university_admin(),
    ).json()["rows"]
    by_dept = {r["org_id"]: r for r in rows}
    assert by_dept[kt.DEPT_A2]["hours"] == 90 and by_dept[kt.DEPT_A2]["compliant"] == 1
    assert by_dept[kt.DEPT_A1]["staff_total"] == 0


def test_a_replace_keeps_the_linked_account_when_it_is_left_out(client: TestClient, api) -> None:
    api.staff("A1", account_id=400)
    again = api.staff("A1", headers=kt.integration())
    assert again["account_id"] == 400
