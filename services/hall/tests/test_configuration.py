"""Places, routing rules and promises (S1): the university administrator's, read by its logistics side and the
province; another university's are not found."""

from __future__ import annotations

from fastapi.testclient import TestClient
from hall_helpers import configure, student

from sanquan_kernel import testing as kt


def test_a_university_admin_keeps_places_and_another_university_does_not_see_them(client: TestClient) -> None:
    ids = configure(client)
    mine = client.get("/api/hall/places", headers=student()).json()
    assert {p["name"] for p in mine["items"]} == {"3号宿舍楼", "3-201"}
    other = client.get("/api/hall/places", headers=student(uni=kt.UNI_B)).json()
    assert other["items"] == []
    assert client.get(f"/api/hall/places/{ids['room']}", headers=kt.university_admin(kt.UNI_B)).status_code == 404
    r = client.patch(f"/api/hall/places/{ids['room']}", json={"name": "3-202"}, headers=kt.university_admin(kt.UNI_B))
    assert r.status_code == 404


def test_only_the_university_admin_changes_places(client: TestClient) -> None:
    ids = configure(client)
    for who in (student(), kt.staff(), kt.department_manager(), kt.province_admin(), kt.inspector()):
        r = client.post("/api/hall/places", json={"kind": "area", "name": "操场"}, headers=who)
        assert r.status_code == 403, r.text
    r = client.patch(f"/api/hall/places/{ids['room']}", json={"name": "3-202"}, headers=kt.department_manager())
    assert r.status_code == 403


def test_a_place_cannot_lie_inside_itself_and_a_stale_version_changes_nothing(client: TestClient) -> None:
    ids = configure(client)
    admin = kt.university_admin()
    r = client.patch(f"/api/hall/places/{ids['building']}", json={"parent_id": ids["room"]}, headers=admin)
    assert r.status_code == 422
    r = client.patch(f"/api/hall/places/{ids['room']}", json={"name": "3-203"}, headers={**admin, "If-Match": 'W/"99"'})
    assert r.status_code == 412
    assert client.get(f"/api/hall/places/{ids['room']}", headers=admin).json()["name"] == "3-201"


def test_a_place_named_by_requests_or_holding_rooms_is_not_deleted(client: TestClient) -> None:
    ids = configure(client)
    admin = kt.university_admin()
    assert client.delete(f"/api/hall/places/{ids['building']}", headers=admin).status_code == 409
    client.post(
        "/api/hall/requests",
        json={"category": "repair_dorm", "place_id": ids["room"], "description": "灯不亮了，请修理"},
        headers=student(),
    )
    assert client.delete(f"/api/hall/places/{ids['room']}", headers=admin).status_code == 409
    spare = client.post("/api/hall/places", json={"kind": "area", "name": "北门"}, headers=admin).json()
    assert client.delete(f"/api/hall/places/{spare['id']}", headers=admin).status_code == 204


def test_routing_takes_only_the_university_s_own_departments_and_places(client: TestClient) -> None:
    admin = kt.university_admin()
    bad = client.put(
        "/api/hall/routing", json={"rules": [{"category": "canteen", "department_id": kt.DEPT_B1}]}, headers=admin
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["loc"] == ["body", "rules", 0, "department_id"]
    ok = client.put(
        "/api/hall/routing", json={"rules": [{"category": "canteen", "department_id": kt.DEPT_A1}]}, headers=admin
    )
    assert ok.status_code == 200 and ok.json()["rules"] == [
        {"category": "canteen", "place_id": None, "department_id": kt.DEPT_A1}
    ]
    assert client.get("/api/hall/routing", headers=kt.university_admin(kt.UNI_B)).json()["rules"] == []
    assert client.get("/api/hall/routing", headers=kt.province_admin()).status_code == 422
    r = client.get(f"/api/hall/routing?university_id={kt.UNI_A}", headers=kt.inspector())
    assert r.status_code == 200 and len(r.json()["rules"]) == 1
    assert (
        client.get(f"/api/hall/routing?university_id={kt.UNI_A}", headers=kt.university_admin(kt.UNI_B)).status_code
        == 404
    )


def test_the_most_specific_rule_decides_the_department(client: TestClient) -> None:
    ids = configure(client, dept=kt.DEPT_A1)
    admin = kt.university_admin()
    rules = [
        {"category": "repair_dorm", "department_id": kt.DEPT_A1},
        {"category": "repair_dorm", "place_id": ids["building"], "department_id": kt.DEPT_A2},
    ]
    assert client.put("/api/hall/routing", json={"rules": rules}, headers=admin).status_code == 200
    in_room = client.post(
        "/api/hall/requests",
        json={"category": "repair_dorm", "place_id": ids["room"], "description": "门锁坏了，打不开"},
        headers=student(),
    )
    assert in_room.json()["department_id"] == kt.DEPT_A2  # the room lies in the building
    anywhere = client.post(
        "/api/hall/requests", json={"category": "repair_dorm", "description": "门锁坏了，打不开"}, headers=student()
    )
    assert anywhere.json()["department_id"] == kt.DEPT_A1
    unrouted = client.post(
        "/api/hall/requests", json={"category": "canteen", "description": "饭菜太咸了一点"}, headers=student()
    )
    assert unrouted.json()["department_id"] is None  # the university administrator's inbox


def test_promises_have_defaults_and_the_admin_sets_them(client: TestClient) -> None:
    admin = kt.university_admin()
    got = client.get("/api/hall/promises", headers=admin).json()["promises"]
    dorm = next(p for p in got if p["category"] == "repair_dorm")
    assert (dorm["accept_within_minutes"], dorm["resolve_within_minutes"], dorm["default"]) == (120, 2880, True)
    body = {
        "promises": [
            {"category": "canteen", "accept_within_minutes": 30, "resolve_within_minutes": 240, "working_hours": None}
        ]
    }
    r = client.put("/api/hall/promises", json=body, headers=admin)
    assert r.status_code == 200, r.text
    canteen = next(p for p in r.json()["promises"] if p["category"] == "canteen")
    assert canteen["working_hours"] is None and canteen["default"] is False
    bad = {
        "promises": [
            {
                "category": "canteen",
                "accept_within_minutes": 30,
                "resolve_within_minutes": 240,
                "working_hours": {"days": [1, 8], "start": "08:00", "end": "18:00"},
            }
        ]
    }
    assert client.put("/api/hall/promises", json=bad, headers=admin).status_code == 422
    assert client.put("/api/hall/promises", json=body, headers=kt.department_manager()).status_code == 403
    other = client.get("/api/hall/promises", headers=kt.university_admin(kt.UNI_B)).json()["promises"]
    assert next(p for p in other if p["category"] == "canteen")["default"] is True
