"""Issue #14: a publicity period that skips the objection window, and conflicts of interest that depended on
what the caller retyped."""

from __future__ import annotations

from datetime import timedelta

from evaluation_flow import API, EXPERT_P, PROVINCE, UNI_A_ADMIN, UNI_B_ADMIN, Flow

from sanquan_kernel import testing as kt
from sanquan_kernel.clock import today


def _decided(flow: Flow) -> int:
    """A campaign with a decision: A's and B's cases scored by a province-level expert."""
    cid = flow.campaign(experts_per_nomination=1)["id"]
    flow.advance_to(cid, "nomination")
    [a] = flow.submitted(cid, UNI_A_ADMIN, 1)
    [b] = flow.submitted(cid, UNI_B_ADMIN, 1)
    flow.panel(cid, [(503, None)])
    flow.advance_to(cid, "review")
    assert flow.c.post(f"{API}/campaigns/{cid}/assignments/auto", headers=PROVINCE).status_code == 200
    for n in (a, b):
        assert flow.score(cid, n, EXPERT_P, [8, 8]).status_code == 200
    flow.advance_to(cid, "decision")
    assert flow.c.post(f"{API}/campaigns/{cid}/decision", json={}, headers=PROVINCE).status_code == 200
    return cid


# -- 3. a publicity period starts no earlier than publication and lasts five working days ----------------------
def test_a_publicity_period_in_the_past_or_too_short_is_refused(flow: Flow) -> None:
    cid = _decided(flow)
    url, day = f"{API}/campaigns/{cid}/publish", today()

    def publish(start: object, end: object) -> object:
        return flow.c.post(
            url, headers=PROVINCE, json={"publicity_starts_on": str(start), "publicity_ends_on": str(end)}
        )

    past = publish(day - timedelta(days=20), day - timedelta(days=10))
    assert past.status_code == 422, past.text
    assert past.headers["content-type"].startswith("application/problem+json")
    assert [e["loc"] for e in past.json()["errors"]] == [["body", "publicity_starts_on"]]
    short = publish(day, day + timedelta(days=2))  # three days: at most three working days
    assert short.status_code == 422 and [e["loc"] for e in short.json()["errors"]] == [["body", "publicity_ends_on"]]
    assert "at least 5" in short.json()["errors"][0]["msg"]
    assert flow.get(cid)["phase"] == "decision"  # nothing changed
    ok = publish(day, day + timedelta(days=6))  # seven days hold five working days, whatever today is
    assert ok.status_code == 200, ok.text
    # and the results are final only after the period, with every objection answered
    assert flow.c.post(f"{API}/campaigns/{cid}/finalize", headers=PROVINCE).status_code == 409


# -- 4. an expert's university comes from their account --------------------------------------------------------
def test_an_expert_named_by_account_alone_never_reviews_their_own_university(flow: Flow) -> None:
    c = flow.c
    cid = flow.campaign(experts_per_nomination=1)["id"]
    flow.advance_to(cid, "nomination")
    [a] = flow.submitted(cid, UNI_A_ADMIN, 1)
    [b] = flow.submitted(cid, UNI_B_ADMIN, 1)
    r = c.put(f"{API}/campaigns/{cid}/experts", headers=PROVINCE, json={"experts": [{"expert_id": 501}]})
    assert r.status_code == 200, r.text
    assert [(e["expert_id"], e["university_id"]) for e in r.json()["experts"]] == [(501, kt.UNI_A)]
    flow.advance_to(cid, "review")
    r = c.post(f"{API}/campaigns/{cid}/assignments/auto", headers=PROVINCE)
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 1
    assert r.json()["short"] == [{"nomination_id": a, "missing": 1}]  # it says so
    pairs = [
        (x["nomination_id"], x["expert_id"])
        for x in c.get(f"{API}/campaigns/{cid}/assignments", headers=PROVINCE).json()["items"]
    ]
    assert pairs == [(b, 501)]
    # by hand neither
    assert flow.assign(cid, a, 501).status_code == 409


def test_a_declared_affiliation_adds_a_conflict_and_never_removes_one(flow: Flow) -> None:
    c = flow.c
    cid = flow.campaign(experts_per_nomination=1)["id"]
    flow.advance_to(cid, "nomination")
    [a] = flow.submitted(cid, UNI_A_ADMIN, 1)
    [b] = flow.submitted(cid, UNI_B_ADMIN, 1)
    # 501 (of A) declared as of B: A still applies, and B is added; 503 (province) declared as of B
    r = c.put(
        f"{API}/campaigns/{cid}/experts",
        headers=PROVINCE,
        json={
            "experts": [{"expert_id": 501, "university_id": kt.UNI_B}, {"expert_id": 503, "university_id": kt.UNI_B}]
        },
    )
    assert r.status_code == 200, r.text
    assert {(e["expert_id"], e["university_id"]) for e in r.json()["experts"]} == {(501, kt.UNI_A), (503, None)}
    flow.advance_to(cid, "review")
    assert flow.assign(cid, a, 501).status_code == 409
    assert flow.assign(cid, b, 501).status_code == 409
    assert flow.assign(cid, b, 503).status_code == 409
    r = c.post(f"{API}/campaigns/{cid}/assignments/auto", headers=PROVINCE)
    assert r.status_code == 200 and r.json()["short"] == [{"nomination_id": b, "missing": 1}], r.text
    pairs = [
        (x["nomination_id"], x["expert_id"])
        for x in c.get(f"{API}/campaigns/{cid}/assignments", headers=PROVINCE).json()["items"]
    ]
    assert pairs == [(a, 503)]


def test_a_panel_names_active_expert_accounts(flow: Flow) -> None:
    cid = flow.campaign()["id"]
    r = flow.c.put(
        f"{API}/campaigns/{cid}/experts",
        headers=PROVINCE,
        json={"experts": [{"expert_id": 503}, {"expert_id": 400}, {"expert_id": 987654}]},
    )
    assert r.status_code == 422, r.text
    assert [(e["loc"], e["msg"]) for e in r.json()["errors"]] == [
        (["body", "experts", 1, "expert_id"], "not an expert's account"),
        (["body", "experts", 2, "expert_id"], "no such account"),
    ]
    assert flow.c.get(f"{API}/campaigns/{cid}/experts", headers=PROVINCE).json()["experts"] == []


# -- 6. a PUT takes back what GET answered; a body of another year is refused -------------------------------------
def test_a_framework_of_another_year_is_refused(flow: Flow) -> None:
    c = flow.c
    assert c.post(f"{API}/assessment/frameworks/2026/default", headers=PROVINCE).status_code == 201
    read = c.get(f"{API}/assessment/frameworks/2026", headers=PROVINCE).json()
    assert c.put(f"{API}/assessment/frameworks/2026", json=read, headers=PROVINCE).status_code == 200
    wrong = c.put(f"{API}/assessment/frameworks/2027", json=read, headers=PROVINCE)
    assert wrong.status_code == 422 and [e["loc"] for e in wrong.json()["errors"]] == [["body", "year"]]


# -- 7 (neighbours). an unknown or foreign organisation in a query is 404 ------------------------------------------
def test_an_unknown_or_foreign_organisation_in_a_query_is_404(flow: Flow) -> None:
    c = flow.c
    cid = flow.campaign()["id"]
    flow.advance_to(cid, "nomination")  # universities see the campaign from now on
    url = f"{API}/campaigns/{cid}/nominations"
    assert c.get(url, headers=UNI_A_ADMIN).status_code == 200
    for params, headers in (
        ({"university_id": 999999}, PROVINCE),
        ({"department_id": 999999}, PROVINCE),
        ({"university_id": kt.UNI_A, "department_id": kt.DEPT_B1}, PROVINCE),
        ({"university_id": kt.UNI_B}, UNI_A_ADMIN),
        ({"department_id": kt.DEPT_B1}, UNI_A_ADMIN),
    ):
        r = c.get(url, params=params, headers=headers)
        assert r.status_code == 404 and r.json()["detail"] == "No such university or department", (params, r.text)
    assert c.get(url, params={"university_id": kt.UNI_A}, headers=UNI_A_ADMIN).status_code == 200
    assert c.get(url, params={"department_id": kt.DEPT_A1}, headers=PROVINCE).status_code == 200
    assert c.get(f"{API}/pilots", params={"university_id": 999999}, headers=UNI_A_ADMIN).status_code == 404
    assert c.get(f"{API}/pilots", params={"university_id": kt.UNI_B}, headers=UNI_A_ADMIN).status_code == 200
