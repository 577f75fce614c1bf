"""Ranking, decision, publicity (公示), objections and final results (E1, E2)."""

import pytest
from evaluation_flow import (
    API,
    EXPERT_A,
    EXPERT_B,
    EXPERT_P,
    PROVINCE,
    UNI_A_ADMIN,
    UNI_B_ADMIN,
    Flow,
    department_manager,
    expert,
    staff,
)

from sanquan_kernel import testing as kt

EXPERT_Q = expert(504, None)


@pytest.fixture
def decided(flow: Flow) -> tuple[int, int, int]:
    """A campaign in the decision phase: A's case scored 80 and 60 (mean 70), B's 40 and 50 (mean 45)."""
    cid = flow.campaign(experts_per_nomination=2, awards_count=1, disagreement_threshold=15)["id"]
    flow.advance_to(cid, "nomination")
    [a] = flow.submitted(cid, UNI_A_ADMIN, 1, title="Canteen case of A")
    [b] = flow.submitted(cid, UNI_B_ADMIN, 1, title="Apartment case of B")
    flow.panel(cid, [(502, kt.UNI_B), (503, None), (504, None), (501, kt.UNI_A)])
    flow.advance_to(cid, "review")
    for n, e in ((a, 503), (a, 504), (b, 503), (b, 501)):
        assert flow.assign(cid, n, e).status_code == 201
    assert flow.score(cid, a, EXPERT_P, [10, 5]).status_code == 200  # 60 + 20 = 80
    assert flow.score(cid, a, EXPERT_Q, [6, 6]).status_code == 200  # 36 + 24 = 60
    assert flow.score(cid, b, EXPERT_P, [4, 4]).status_code == 200  # 40
    assert flow.score(cid, b, EXPERT_A, [5, 5]).status_code == 200  # 50
    flow.advance_to(cid, "decision")
    return cid, a, b


def test_decision_needs_every_submitted_nomination_scored(flow: Flow) -> None:
    cid = flow.campaign()["id"]
    flow.advance_to(cid, "nomination")
    flow.submitted(cid, UNI_A_ADMIN)
    flow.advance_to(cid, "review")
    assert flow.advance(cid, "decision").status_code == 409


def test_the_province_ranks_with_each_method_and_sees_disagreement(flow: Flow, decided) -> None:
    cid, a, b = decided
    r = flow.c.get(f"{API}/campaigns/{cid}/ranking", headers=PROVINCE).json()
    assert r["method"] == "mean"
    assert [(i["nomination_id"], i["rank"], i["score"]) for i in r["items"]] == [(a, 1, 70.0), (b, 2, 45.0)]
    by_id = {i["nomination_id"]: i for i in r["items"]}
    assert by_id[a]["spread"] == 20.0 and by_id[a]["disagreement"]
    assert by_id[b]["spread"] == 10.0 and not by_id[b]["disagreement"]
    # expert 503 scored 80 and 40 (μ 60, σ 20): z = +1 for A, -1 for B; 504 and 501 scored once: 0
    z = flow.c.get(f"{API}/campaigns/{cid}/ranking", params={"method": "zscore"}, headers=PROVINCE).json()
    assert [(i["nomination_id"], i["score"]) for i in z["items"]] == [(a, 0.5), (b, -0.5)]


def test_decision_publication_objection_and_final(flow: Flow, decided) -> None:
    cid, a, b = decided
    c = flow.c
    # nobody but the province sees results before publication
    assert c.get(f"{API}/campaigns/{cid}/results", headers=UNI_A_ADMIN).status_code == 404
    r = c.post(f"{API}/campaigns/{cid}/decision", json={}, headers=PROVINCE)
    assert r.status_code == 200, r.text
    assert [(i["nomination_id"], i["awarded"]) for i in r.json()["items"]] == [(a, True), (b, False)]
    assert c.get(f"{API}/campaigns/{cid}/results", headers=UNI_A_ADMIN).status_code == 404
    assert c.get(f"{API}/campaigns/{cid}/results", headers=EXPERT_B).status_code == 404
    r = flow.publish(cid)
    assert r.status_code == 200, r.text
    assert r.json()["phase"] == "publicity"
    # published: the awarded one for everyone, plus one's own university's entries
    a_view = c.get(f"{API}/campaigns/{cid}/results", headers=UNI_A_ADMIN).json()["items"]
    assert [i["nomination_id"] for i in a_view] == [a]
    b_view = c.get(f"{API}/campaigns/{cid}/results", headers=UNI_B_ADMIN).json()["items"]
    assert {i["nomination_id"] for i in b_view} == {a, b}
    a_export = c.get(f"{API}/campaigns/{cid}/results/export", headers=UNI_A_ADMIN).text
    assert "Canteen case of A" in a_export and "Apartment case of B" not in a_export
    staff_view = c.get(f"{API}/campaigns/{cid}/results", headers=staff(400, kt.DEPT_B1, kt.UNI_B)).json()
    assert [i["nomination_id"] for i in staff_view["items"]] == [a]
    # B objects to A's award; A cannot see B's objection; the province answers
    r = c.post(
        f"{API}/campaigns/{cid}/objections",
        headers=UNI_B_ADMIN,
        json={"nomination_id": a, "text": "The case started after the deadline"},
    )
    assert r.status_code == 201, r.text
    oid = r.json()["id"]
    assert (
        c.post(
            f"{API}/campaigns/{cid}/objections", headers=UNI_B_ADMIN, json={"nomination_id": b, "text": "not published"}
        ).status_code
        == 404
    )
    assert c.get(f"{API}/campaigns/{cid}/objections", headers=UNI_A_ADMIN).json()["total"] == 0
    assert c.get(f"{API}/campaigns/{cid}/objections", headers=UNI_B_ADMIN).json()["total"] == 1
    assert c.post(f"{API}/objections/{oid}/answer", json={"answer": "x"}, headers=UNI_B_ADMIN).status_code == 403
    # still running and an open objection: no final yet
    assert c.post(f"{API}/campaigns/{cid}/finalize", headers=PROVINCE).status_code == 409
    r = c.post(
        f"{API}/objections/{oid}/answer", json={"answer": "It started in March; see the materials"}, headers=PROVINCE
    )
    assert r.status_code == 200 and r.json()["status"] == "answered"
    assert c.post(f"{API}/objections/{oid}/answer", json={"answer": "again"}, headers=PROVINCE).status_code == 409
    r = c.post(f"{API}/campaigns/{cid}/finalize", headers=PROVINCE)
    assert r.status_code == 409 and "publicity period" in r.json()["detail"]


def test_finalising_after_the_publicity_period(flow: Flow, decided) -> None:
    cid, a, b = decided
    c = flow.c
    c.post(f"{API}/campaigns/{cid}/decision", json={"awarded_nomination_ids": [a, b]}, headers=PROVINCE)
    assert flow.publish(cid).status_code == 200
    flow.let_publicity_end(cid)
    r = c.post(f"{API}/campaigns/{cid}/objections", headers=UNI_B_ADMIN, json={"nomination_id": a, "text": "late"})
    assert r.status_code == 409  # the period is over
    r = c.post(f"{API}/campaigns/{cid}/finalize", headers=PROVINCE)
    assert r.status_code == 200, r.text
    final = c.get(f"{API}/campaigns/{cid}/results", headers=EXPERT_A).json()
    assert final["final"] and {i["nomination_id"] for i in final["items"]} == {a, b}


def test_a_final_pilot_selection_makes_the_winners_pilots(flow: Flow) -> None:
    c = flow.c
    cid = flow.campaign("pilot", experts_per_nomination=1, pilot_years=[2027, 2028], awards_count=1)["id"]
    flow.advance_to(cid, "nomination")
    [a] = flow.submitted(cid, UNI_A_ADMIN, 1, title="Pilot application of A")
    [b] = flow.submitted(cid, UNI_B_ADMIN, 1, title="Pilot application of B")
    assert c.get(f"{API}/nominations/{a}", headers=UNI_A_ADMIN).json()["subject_name"] == "甲大学"
    flow.panel(cid, [(503, None)])
    flow.advance_to(cid, "review")
    c.post(f"{API}/campaigns/{cid}/assignments/auto", headers=PROVINCE)
    flow.score(cid, a, EXPERT_P, [9, 9])
    flow.score(cid, b, EXPERT_P, [5, 5])
    flow.advance_to(cid, "decision")
    c.post(f"{API}/campaigns/{cid}/decision", json={}, headers=PROVINCE)
    assert flow.publish(cid).status_code == 200
    flow.let_publicity_end(cid)
    assert c.get(f"{API}/pilots", params={"year": 2027}, headers=UNI_B_ADMIN).json()["total"] == 0
    assert c.post(f"{API}/campaigns/{cid}/finalize", headers=PROVINCE).status_code == 200
    pilots = c.get(f"{API}/pilots", headers=UNI_B_ADMIN).json()["items"]
    assert [(p["university_id"], p["year"]) for p in pilots] == [(kt.UNI_A, 2027), (kt.UNI_A, 2028)]


def test_a_department_manager_sees_results_of_their_department_after_publication(flow: Flow, decided) -> None:
    cid, a, _b = decided
    c = flow.c
    c.post(f"{API}/campaigns/{cid}/decision", json={"awarded_nomination_ids": []}, headers=PROVINCE)
    assert flow.publish(cid).status_code == 200
    # nothing awarded, and neither nomination belongs to a department: a manager sees nothing
    r = c.get(f"{API}/campaigns/{cid}/results", headers=department_manager(kt.DEPT_A1)).json()
    assert r["items"] == []
    assert [
        i["nomination_id"] for i in c.get(f"{API}/campaigns/{cid}/results", headers=UNI_A_ADMIN).json()["items"]
    ] == [a]
