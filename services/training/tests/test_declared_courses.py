"""Courses another service declares (#19: an event of the evaluation service declared a training): once per
``source_ref`` — a retry answers the course made the first time — and then enrolment, attendance and the ledger
are the course's usual ones."""

from __future__ import annotations

from fastapi.testclient import TestClient

from sanquan_kernel import testing as kt

URL = "/api/training/courses/declared"
DECLARER = "training:courses"


def _body(ref: str = "evaluation:event:7", **extra: object) -> dict:
    return {
        "source_ref": ref,
        "title": "全省高校后勤表彰大会",
        "organizer_level": "province",
        "organizer_org_id": kt.PROVINCE,
        "university_id": None,
        "themes": ["ideals", "ethics"],
        "starts_on": "2025-05-20",
        "ends_on": "2025-05-20",
        "hours": 4,
        "days": 0.5,
        **extra,
    }


def test_a_declared_course_is_made_once_per_source(client: TestClient) -> None:
    svc = kt.service(scope=DECLARER)
    first = client.post(URL, json=_body(), headers=svc)
    assert first.status_code == 201, first.text
    course = first.json()
    assert course["source_ref"] == "evaluation:event:7" and course["organizer_level"] == "province"
    assert (course["hours"], course["days"], course["enrolled"], course["attended"]) == (4.0, 0.5, 0, 0)
    again = client.post(URL, json=_body(title="改过的标题"), headers=svc)
    assert again.status_code == 200 and again.json()["id"] == course["id"]
    assert again.json()["title"] == "全省高校后勤表彰大会"
    listed = client.get("/api/training/courses", headers=kt.province_admin()).json()
    assert [c["id"] for c in listed["items"]] == [course["id"]]
    other = client.post(URL, json=_body("evaluation:event:8"), headers=svc)
    assert other.status_code == 201 and other.json()["id"] != course["id"]


def test_only_a_service_with_the_scope_declares(client: TestClient) -> None:
    for headers in (
        kt.province_admin(),
        kt.university_admin(),
        kt.integration(scope="training:read training:write training:courses"),
        kt.service(scope="training:read training:indicators"),
    ):
        assert client.post(URL, json=_body(), headers=headers).status_code == 403
    assert client.post(URL, json=_body()).status_code == 401
    assert client.get("/api/training/courses", headers=kt.province_admin()).json()["total"] == 0
    bad = client.post(URL, json=_body(hours=0, days=0), headers=kt.service(scope=DECLARER))
    assert bad.status_code == 422


def test_a_university_events_course_is_its_universitys_and_attendance_reaches_the_ledger(
    client: TestClient, api
) -> None:
    a1 = api.staff("A1", dept=kt.DEPT_A1)
    b1 = api.staff("B1", dept=kt.DEPT_B1, uni=kt.UNI_B)
    body = _body("evaluation:event:9", organizer_level="university", organizer_org_id=kt.UNI_A, university_id=kt.UNI_A)
    course = client.post(URL, json=body, headers=kt.service(scope=DECLARER)).json()
    assert course["organizer_name"] == "甲大学" and course["university_id"] == kt.UNI_A
    assert client.get(f"/api/training/courses/{course['id']}", headers=kt.university_admin(kt.UNI_B)).status_code == 404
    ua = kt.university_admin()
    r = client.post(f"/api/training/courses/{course['id']}/enrolments", json={"staff_ids": [a1["id"]]}, headers=ua)
    assert r.status_code == 200, r.text
    r = client.post(f"/api/training/courses/{course['id']}/attendance", json={"staff_ids": [a1["id"]]}, headers=ua)
    assert r.status_code == 200 and r.json()["records_created"] == 1
    got = client.get(f"/api/training/courses/{course['id']}", headers=kt.service(scope="training:read")).json()
    assert (got["enrolled"], got["attended"]) == (1, 1)
    assert api.ledger(a1["id"])["hours"] == 4.0
    assert api.ledger(b1["id"])["hours"] == 0.0
