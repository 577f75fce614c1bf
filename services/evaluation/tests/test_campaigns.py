"""Campaign settings, phases and quotas (E1, E2): what can happen when."""

import threading
import time
from datetime import timedelta
from typing import Any

from evaluation_flow import API, PROVINCE, UNI_A_ADMIN, UNI_B_ADMIN, Flow, department_manager, expert
from fastapi import FastAPI
from sqlalchemy import text

from sanquan_kernel import clock
from sanquan_kernel import testing as kt


def test_builtin_campaign_types_are_listed_and_more_can_be_added(flow: Flow) -> None:
    c = flow.c
    codes = {t["code"] for t in c.get(f"{API}/campaign-types", headers=UNI_A_ADMIN).json()}
    assert {"pilot", "excellent_case", "outstanding_person", "service_model_post", "management_model_post"} <= codes
    r = c.post(
        f"{API}/campaign-types",
        json={"code": "green_campus", "name": "Green campus", "subject_kind": "case"},
        headers=PROVINCE,
    )
    assert r.status_code == 201
    assert (
        c.post(
            f"{API}/campaign-types", json={"code": "pilot", "name": "x", "subject_kind": "case"}, headers=PROVINCE
        ).status_code
        == 409
    )
    assert (
        c.post(
            f"{API}/campaign-types", json={"code": "x_y", "name": "x", "subject_kind": "case"}, headers=UNI_A_ADMIN
        ).status_code
        == 403
    )
    assert flow.campaign("green_campus")["subject_kind"] == "case"


def test_unknown_campaign_type_is_refused(flow: Flow) -> None:
    r = flow.c.post(
        f"{API}/campaigns",
        headers=PROVINCE,
        json={"type": "nonsense", "year": 2026, "title": "x", "quota_per_university": 1, "awards_count": 1},
    )
    assert r.status_code == 422


def test_a_draft_campaign_is_invisible_to_universities(flow: Flow) -> None:
    cid = flow.campaign()["id"]
    assert flow.c.get(f"{API}/campaigns/{cid}", headers=UNI_A_ADMIN).status_code == 404
    assert flow.c.get(f"{API}/campaigns", headers=UNI_A_ADMIN).json()["total"] == 0
    flow.advance_to(cid, "nomination")
    assert flow.c.get(f"{API}/campaigns/{cid}", headers=UNI_A_ADMIN).status_code == 200


def test_phases_only_move_forward_one_at_a_time(flow: Flow) -> None:
    cid = flow.campaign()["id"]
    assert flow.advance(cid, "review").status_code == 409
    flow.advance_to(cid, "nomination")
    assert flow.advance(cid, "draft").status_code == 409
    assert flow.advance(cid, "nomination").status_code == 409
    assert (
        flow.c.post(f"{API}/campaigns/{cid}/advance", json={"to": "preselection"}, headers=UNI_A_ADMIN).status_code
        == 403
    )


def test_review_cannot_start_without_a_submitted_nomination(flow: Flow) -> None:
    cid = flow.campaign()["id"]
    flow.advance_to(cid, "preselection")
    r = flow.advance(cid, "review")
    assert r.status_code == 409
    assert r.headers["content-type"].startswith("application/problem+json")


def test_nominating_after_the_nomination_phase_is_a_conflict(flow: Flow) -> None:
    cid = flow.campaign()["id"]
    assert flow.nominate(cid, UNI_A_ADMIN).status_code == 404  # a draft does not exist for universities
    flow.advance_to(cid, "nomination")
    assert flow.nominate(cid, UNI_A_ADMIN).status_code == 201
    flow.advance_to(cid, "preselection")
    r = flow.nominate(cid, UNI_A_ADMIN)
    assert r.status_code == 409
    assert "preselection" in r.json()["detail"]


def test_nominating_after_the_nomination_window_closed_is_a_conflict(flow: Flow) -> None:
    past = clock.today() - timedelta(days=10)
    cid = flow.campaign(
        phases=[{"phase": "nomination", "starts_on": str(past - timedelta(days=30)), "ends_on": str(past)}]
    )["id"]
    flow.advance_to(cid, "nomination")
    r = flow.nominate(cid, UNI_A_ADMIN)
    assert r.status_code == 409
    assert "closed" in r.json()["detail"]


def test_submitting_beyond_the_quota_is_a_conflict(flow: Flow) -> None:
    cid = flow.campaign(quota_per_university=2)["id"]
    flow.advance_to(cid, "nomination")
    flow.submitted(cid, UNI_A_ADMIN, 2)
    third = flow.nominate(cid, UNI_A_ADMIN).json()["id"]
    r = flow.c.post(f"{API}/nominations/{third}/submit", headers=UNI_A_ADMIN)
    assert r.status_code == 409
    assert "quota" in r.json()["detail"]
    assert flow.c.post(f"{API}/nominations/{third}/preselect", headers=UNI_A_ADMIN).status_code == 409
    # another university's quota is its own
    assert len(flow.submitted(cid, UNI_B_ADMIN, 2)) == 2


def test_withdrawing_frees_a_place_in_the_quota(flow: Flow) -> None:
    cid = flow.campaign(quota_per_university=1)["id"]
    flow.advance_to(cid, "nomination")
    [first] = flow.submitted(cid, UNI_A_ADMIN, 1)
    second = flow.nominate(cid, UNI_A_ADMIN).json()["id"]
    assert flow.c.post(f"{API}/nominations/{second}/submit", headers=UNI_A_ADMIN).status_code == 409
    assert flow.c.post(f"{API}/nominations/{first}/withdraw", headers=UNI_A_ADMIN).status_code == 200
    assert flow.c.post(f"{API}/nominations/{second}/submit", headers=UNI_A_ADMIN).status_code == 200


def test_a_category_quota_is_enforced_on_its_own(flow: Flow) -> None:
    cid = flow.campaign(
        "service_model_post",
        quota_per_university=3,
        categories=[{"code": "canteen", "name": "Canteen", "quota": 1}, {"code": "apartment", "name": "Apartment"}],
    )["id"]
    flow.advance_to(cid, "nomination")
    flow.submitted(cid, UNI_A_ADMIN, 1, category="canteen", department_id=kt.DEPT_A1)
    r = flow.nominate(cid, UNI_A_ADMIN, category="canteen", department_id=kt.DEPT_A1)
    assert flow.c.post(f"{API}/nominations/{r.json()['id']}/submit", headers=UNI_A_ADMIN).status_code == 409
    flow.submitted(cid, UNI_A_ADMIN, 2, category="apartment", department_id=kt.DEPT_A2)
    assert flow.nominate(cid, UNI_A_ADMIN, category="nope", department_id=kt.DEPT_A1).status_code == 422


def test_departments_propose_and_the_university_preselects_and_submits(flow: Flow) -> None:
    cid = flow.campaign("outstanding_person")["id"]
    flow.advance_to(cid, "nomination")
    mgr = department_manager(kt.DEPT_A1, kt.UNI_A)
    r = flow.nominate(cid, mgr, staff_id=77, title="Ms Li of the canteen")
    assert r.status_code == 201, r.text
    n = r.json()
    assert (n["status"], n["department_id"], n["university_id"]) == ("proposed", kt.DEPT_A1, kt.UNI_A)
    assert flow.c.post(f"{API}/nominations/{n['id']}/submit", headers=mgr).status_code == 403
    flow.advance_to(cid, "preselection")
    r = flow.c.post(f"{API}/nominations/{n['id']}/preselect", headers=UNI_A_ADMIN)
    assert r.json()["status"] == "preselected"
    r = flow.c.post(f"{API}/nominations/{n['id']}/submit", headers=UNI_A_ADMIN)
    assert r.json()["status"] == "submitted"
    # the other department of A and university B do not see it
    assert flow.c.get(f"{API}/nominations/{n['id']}", headers=department_manager(kt.DEPT_A2)).status_code == 404
    assert flow.c.get(f"{API}/nominations/{n['id']}", headers=UNI_B_ADMIN).status_code == 404


def test_a_person_nomination_needs_a_staff_id_and_a_post_a_department(flow: Flow) -> None:
    person = flow.campaign("outstanding_person")["id"]
    post = flow.campaign("service_model_post")["id"]
    flow.advance_to(person, "nomination")
    flow.advance_to(post, "nomination")
    assert flow.nominate(person, UNI_A_ADMIN).status_code == 422
    assert flow.nominate(post, UNI_A_ADMIN).status_code == 422
    assert flow.nominate(post, UNI_A_ADMIN, department_id=kt.DEPT_B1).status_code == 422  # not A's department
    assert flow.nominate(post, UNI_A_ADMIN, department_id=kt.DEPT_A1).status_code == 201


def test_settings_and_rubric_freeze_when_review_starts(flow: Flow) -> None:
    cid = flow.campaign()["id"]
    flow.advance_to(cid, "nomination")
    flow.submitted(cid, UNI_A_ADMIN)
    flow.advance_to(cid, "review")
    assert flow.c.patch(f"{API}/campaigns/{cid}", json={"awards_count": 5}, headers=PROVINCE).status_code == 409
    rubric = {"criteria": [{"code": "x", "name": "x", "weight": 1, "max_score": 5}]}
    assert flow.c.put(f"{API}/campaigns/{cid}/rubric", json=rubric, headers=PROVINCE).status_code == 409


def test_a_stale_if_match_is_refused(flow: Flow) -> None:
    campaign = flow.campaign()
    r = flow.c.patch(
        f"{API}/campaigns/{campaign['id']}",
        json={"awards_count": 3},
        headers={**PROVINCE, "If-Match": f'W/"{campaign["version"]}"'},
    )
    assert r.status_code == 200
    assert r.headers["etag"] == f'W/"{campaign["version"] + 1}"'
    r = flow.c.patch(
        f"{API}/campaigns/{campaign['id']}",
        json={"awards_count": 4},
        headers={**PROVINCE, "If-Match": f'W/"{campaign["version"]}"'},
    )
    assert r.status_code == 412


def test_of_two_writers_holding_one_etag_the_second_is_refused(flow: Flow, app: FastAPI) -> None:
    """The edit re-reads the campaign FOR UPDATE before the If-Match check: a request arriving while another
    transaction holds the changed row waits for it, then sees the new version and answers 412 (before, on
    PostgreSQL, it checked the version it had loaded, waited only at its own UPDATE and overwrote the other one)."""
    campaign = flow.campaign()
    cid, version = campaign["id"], campaign["version"]
    answers: list[Any] = []

    def patch() -> None:
        headers = {**PROVINCE, "If-Match": f'W/"{version}"'}
        answers.append(flow.c.patch(f"{API}/campaigns/{cid}", json={"title": "mine"}, headers=headers))

    with app.state.kernel.engine.connect() as conn:
        other = conn.begin()
        conn.execute(text("UPDATE campaign SET title = 'theirs', version = version + 1 WHERE id = :id"), {"id": cid})
        writer = threading.Thread(target=patch)
        writer.start()
        time.sleep(0.5)  # the request has loaded the campaign and waits for the row
        other.commit()
    writer.join(30)
    assert [r.status_code for r in answers] == [412], answers[0].text
    now = flow.get(cid)
    assert (now["title"], now["version"]) == ("theirs", version + 1)


def test_only_the_province_creates_campaigns(flow: Flow) -> None:
    body = {"type": "pilot", "year": 2026, "title": "x", "quota_per_university": 1, "awards_count": 1}
    assert flow.c.post(f"{API}/campaigns", json=body, headers=UNI_A_ADMIN).status_code == 403
    assert flow.c.post(f"{API}/campaigns", json=body, headers=expert()).status_code == 403
    assert flow.c.post(f"{API}/campaigns", json=body).status_code == 401


def test_a_department_manager_lists_only_their_departments_nominations(flow: Flow) -> None:
    cid = flow.campaign("service_model_post")["id"]
    flow.advance_to(cid, "nomination")
    mine = flow.nominate(cid, department_manager(kt.DEPT_A1), title="Canteen post").json()["id"]
    flow.nominate(cid, department_manager(kt.DEPT_A2), title="Apartment post")
    flow.nominate(cid, department_manager(kt.DEPT_B1, kt.UNI_B), title="Property post")
    page = flow.c.get(f"{API}/campaigns/{cid}/nominations", headers=department_manager(kt.DEPT_A1)).json()
    assert [n["id"] for n in page["items"]] == [mine]
    assert flow.c.get(f"{API}/campaigns/{cid}/nominations", headers=UNI_A_ADMIN).json()["total"] == 2
    export = flow.c.get(f"{API}/campaigns/{cid}/nominations/export", headers=department_manager(kt.DEPT_A1)).text
    assert "Canteen post" in export and "Apartment post" not in export and "Property post" not in export


def test_withdrawing_a_submitted_nomination_removes_its_assignments(flow: Flow) -> None:
    cid = flow.campaign(experts_per_nomination=1)["id"]
    flow.advance_to(cid, "nomination")
    [n] = flow.submitted(cid, UNI_A_ADMIN)
    flow.advance_to(cid, "preselection")
    flow.panel(cid, [(503, None)])
    assert flow.c.post(f"{API}/campaigns/{cid}/assignments/auto", headers=PROVINCE).json()["created"] == 1
    assert flow.c.post(f"{API}/nominations/{n}/withdraw", headers=UNI_A_ADMIN).json()["status"] == "withdrawn"
    assert flow.c.get(f"{API}/campaigns/{cid}/assignments", headers=PROVINCE).json()["total"] == 0
    assert flow.c.get(f"{API}/nominations/{n}", headers=expert(503, None)).status_code == 404
