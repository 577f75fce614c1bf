"""P5 funding lines and P6 work-study posts (at least 10% of all posts; exactly 10% passes)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from plans.resources.service import work_study_ok
from sanquan_kernel import testing as kt


def _put(client: TestClient, total: int, ws: int, uni: int = kt.UNI_A, year: int = 2026, **headers: str):
    return client.put(
        f"/api/plans/work-study-posts/{year}",
        json={"total_posts": total, "work_study_posts": ws},
        headers={**kt.university_admin(uni), **headers},
    )


def test_exactly_ten_percent_work_study_posts_passes(client: TestClient) -> None:
    r = _put(client, 200, 20)
    assert r.status_code == 201, r.text
    assert (r.json()["ratio"], r.json()["ok"]) == (0.1, True)


def test_just_below_ten_percent_fails(client: TestClient) -> None:
    r = _put(client, 201, 20)
    assert r.json()["ok"] is False
    assert work_study_ok(10, 1) and not work_study_ok(11, 1) and not work_study_ok(0, 0)


def test_work_study_posts_cannot_exceed_all_posts(client: TestClient) -> None:
    assert _put(client, 10, 11).status_code == 422


def test_work_study_figures_are_replaced_with_if_match(client: TestClient) -> None:
    assert _put(client, 100, 5).status_code == 201
    r = _put(client, 100, 12, **{"If-Match": 'W/"1"'})
    assert r.status_code == 200 and r.json()["version"] == 2
    stale = _put(client, 100, 1, **{"If-Match": 'W/"1"'})
    assert stale.status_code == 412
    rows = client.get("/api/plans/work-study-posts?year=2026", headers=kt.university_admin()).json()["items"]
    assert [(x["work_study_posts"], x["ok"]) for x in rows] == [(12, True)]


def test_work_study_of_another_university_is_not_visible(client: TestClient) -> None:
    _put(client, 100, 5, kt.UNI_A)
    _put(client, 100, 50, kt.UNI_B)
    b = client.get("/api/plans/work-study-posts", headers=kt.university_admin(kt.UNI_B)).json()["items"]
    assert [x["university_id"] for x in b] == [kt.UNI_B]
    below = client.get("/api/plans/work-study-posts?below_minimum=true", headers=kt.province_admin()).json()
    assert [x["university_id"] for x in below["items"]] == [kt.UNI_A]
    mgr = client.get("/api/plans/work-study-posts", headers=kt.department_manager(kt.DEPT_B1, kt.UNI_B)).json()
    assert [x["university_id"] for x in mgr["items"]] == [kt.UNI_B]
    assert client.get("/api/plans/work-study-posts", headers=kt.expert()).status_code == 403


def test_funding_lines_are_the_universitys_own(client: TestClient) -> None:
    body = {
        "year": 2026,
        "kind": "special_fund",
        "title": "思政专项经费",
        "planned_amount": "100000.50",
        "spent_amount": 2500,
    }
    r = client.post("/api/plans/funding-lines", json=body, headers=kt.university_admin())
    assert r.status_code == 201, r.text
    line = r.json()
    assert (line["planned_amount"], line["spent_amount"], line["university_id"]) == (100000.5, 2500.0, kt.UNI_A)
    b = kt.university_admin(kt.UNI_B)
    assert client.get(f"/api/plans/funding-lines/{line['id']}", headers=b).status_code == 404
    assert (
        client.patch(f"/api/plans/funding-lines/{line['id']}", json={"spent_amount": 1}, headers=b).status_code == 404
    )
    assert client.get("/api/plans/funding-lines", headers=b).json()["total"] == 0
    assert client.post("/api/plans/funding-lines", json=body, headers=kt.department_manager()).status_code == 403
    r = client.patch(
        f"/api/plans/funding-lines/{line['id']}",
        json={"spent_amount": 30000},
        headers={**kt.university_admin(), "If-Match": 'W/"1"'},
    )
    assert r.status_code == 200 and r.json()["spent_amount"] == 30000.0
    r = client.delete(f"/api/plans/funding-lines/{line['id']}", headers={**kt.university_admin(), "If-Match": 'W/"1"'})
    assert r.status_code == 412
    assert client.delete(f"/api/plans/funding-lines/{line['id']}", headers=kt.university_admin()).status_code == 204


def test_negative_amounts_are_refused(client: TestClient) -> None:
    r = client.post(
        "/api/plans/funding-lines",
        headers=kt.university_admin(),
        json={"year": 2026, "kind": "other", "title": "x", "planned_amount": -1},
    )
    assert r.status_code == 422


def test_an_integration_client_writes_with_plans_write_only(client: TestClient) -> None:
    ws = {"total_posts": 50, "work_study_posts": 5}
    reader = kt.integration(kt.UNI_A, scope="plans:read", client="campus-a")
    writer = kt.integration(kt.UNI_A, scope="plans:read plans:write", client="campus-a")
    assert client.put("/api/plans/work-study-posts/2026", json=ws, headers=reader).status_code == 403
    r = client.put("/api/plans/work-study-posts/2026", json=ws, headers=writer)
    assert r.status_code == 201 and r.json()["university_id"] == kt.UNI_A
    assert client.get("/api/plans/work-study-posts", headers=reader).json()["total"] == 1
    assert client.get("/api/plans/work-study-posts", headers=kt.integration(kt.UNI_A)).status_code == 403
