"""Expert review (E2): assignment, conflicts of interest, scoring, and what an expert can and cannot see."""

import csv
import io

import pytest
from evaluation_flow import API, EXPERT_A, EXPERT_B, EXPERT_P, PROVINCE, UNI_A_ADMIN, UNI_B_ADMIN, Flow, expert, staff

from sanquan_kernel import testing as kt


@pytest.fixture
def review(flow: Flow) -> tuple[int, list[int], list[int]]:
    """A campaign in review with two nominations of A and two of B, every one assigned to two experts."""
    cid = flow.campaign("outstanding_person", experts_per_nomination=2)["id"]
    flow.advance_to(cid, "nomination")
    a = flow.submitted(cid, UNI_A_ADMIN, 2, staff_id=1, title="Zhang Wei of university A")
    b = flow.submitted(cid, UNI_B_ADMIN, 2, staff_id=2, title="Wang Fang of university B")
    flow.panel(cid)
    flow.advance_to(cid, "review")
    r = flow.c.post(f"{API}/campaigns/{cid}/assignments/auto", headers=PROVINCE)
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 8 and r.json()["short"] == []
    return cid, a, b


def _ids(page: dict) -> set[int]:
    return {i["id"] for i in page["items"]}


def test_automatic_assignment_never_crosses_the_experts_own_university(flow: Flow, review) -> None:
    cid, a, b = review
    rows = flow.c.get(f"{API}/campaigns/{cid}/assignments", headers=PROVINCE).json()["items"]
    assert not [r for r in rows if r["expert_id"] == 501 and r["nomination_id"] in a]
    assert not [r for r in rows if r["expert_id"] == 502 and r["nomination_id"] in b]
    per_nom = {n: sum(1 for r in rows if r["nomination_id"] == n) for n in a + b}
    assert set(per_nom.values()) == {2}
    panel = flow.c.get(f"{API}/campaigns/{cid}/experts", headers=PROVINCE).json()["experts"]
    loads = [e["load"] for e in panel]
    assert max(loads) - min(loads) <= 1


def test_manual_assignment_of_an_expert_to_their_own_university_is_a_conflict(flow: Flow, review) -> None:
    cid, a, _b = review
    r = flow.assign(cid, a[0], 501)
    assert r.status_code == 409
    assert "Conflict of interest" in r.json()["detail"]
    assert flow.assign(cid, a[0], 999).status_code == 422  # not on the panel


def test_an_expert_of_a_never_sees_a_nomination_of_a(flow: Flow, review) -> None:
    cid, a, b = review
    c = flow.c
    # list, search, export and detail
    listed = _ids(c.get(f"{API}/campaigns/{cid}/nominations", headers=EXPERT_A).json())
    assert listed and not listed & set(a)
    assert listed <= set(b)
    assert not _ids(c.get(f"{API}/campaigns/{cid}/nominations", params={"q": "university A"}, headers=EXPERT_A).json())
    assert not _ids(
        c.get(f"{API}/campaigns/{cid}/nominations", params={"university_id": kt.UNI_A}, headers=EXPERT_A).json()
    ) & set(a)
    export = c.get(f"{API}/campaigns/{cid}/nominations/export", headers=EXPERT_A)
    assert export.status_code == 200
    exported = {int(row["编号"]) for row in csv.DictReader(io.StringIO(export.text.lstrip("\ufeff")))}
    assert exported == listed
    for n in a:
        assert c.get(f"{API}/nominations/{n}", headers=EXPERT_A).status_code == 404
        assert c.get(f"{API}/nominations/{n}/scores", headers=EXPERT_A).status_code == 404
        assert flow.score(cid, n, EXPERT_A, [5, 5]).status_code == 404
    # assignments of others, conflicts of others, ranking and results before publication
    assigned = c.get(f"{API}/campaigns/{cid}/assignments", headers=EXPERT_A).json()["items"]
    assert {r["expert_id"] for r in assigned} == {501}
    assert not {r["nomination_id"] for r in assigned} & set(a)
    assert c.get(f"{API}/campaigns/{cid}/ranking", headers=EXPERT_A).status_code == 403
    assert c.get(f"{API}/campaigns/{cid}/results", headers=EXPERT_A).status_code == 404
    assert c.get(f"{API}/campaigns/{cid}/results/export", headers=EXPERT_A).status_code == 404
    across = c.get(f"{API}/assignments", headers=EXPERT_A).json()["items"]
    assert {r["id"] for r in across} == {r["id"] for r in assigned}


def test_an_expert_sees_only_what_is_assigned_to_them(flow: Flow, review) -> None:
    cid, a, b = review
    mine = {
        r["nomination_id"] for r in flow.c.get(f"{API}/campaigns/{cid}/assignments", headers=EXPERT_P).json()["items"]
    }
    listed = _ids(flow.c.get(f"{API}/campaigns/{cid}/nominations", headers=EXPERT_P).json())
    assert listed == mine
    other = next(n for n in a + b if n not in mine)
    assert flow.c.get(f"{API}/nominations/{other}", headers=EXPERT_P).status_code == 404


def test_blind_mode_hides_the_university_and_names_from_experts(flow: Flow) -> None:
    cid = flow.campaign("outstanding_person", blind=True, experts_per_nomination=1)["id"]
    flow.advance_to(cid, "nomination")
    [n] = flow.submitted(cid, UNI_A_ADMIN, 1, staff_id=5, title="Zhang Wei", text="Twenty years in the canteen")
    flow.panel(cid, [(503, None)])
    flow.advance_to(cid, "review")
    flow.c.post(f"{API}/campaigns/{cid}/assignments/auto", headers=PROVINCE)
    seen = flow.c.get(f"{API}/nominations/{n}", headers=EXPERT_P).json()
    assert seen["blind"] is True
    assert seen["university_id"] is None and seen["university_name"] is None and seen["title"] is None
    assert seen["staff_id"] is None and seen["text"] == "Twenty years in the canteen"
    # searching by name finds nothing for a blind expert, by the text it does
    assert (
        flow.c.get(f"{API}/campaigns/{cid}/nominations", params={"q": "Zhang"}, headers=EXPERT_P).json()["total"] == 0
    )
    assert (
        flow.c.get(f"{API}/campaigns/{cid}/nominations", params={"q": "canteen"}, headers=EXPERT_P).json()["total"] == 1
    )
    export = flow.c.get(f"{API}/campaigns/{cid}/nominations/export", headers=EXPERT_P).text
    assert "Zhang" not in export and "甲大学" not in export
    # the province still sees everything
    full = flow.c.get(f"{API}/nominations/{n}", headers=PROVINCE).json()
    assert full["university_id"] == kt.UNI_A and full["title"] == "Zhang Wei"


def test_an_expert_revises_scores_during_review_and_every_change_is_audited(flow: Flow, review, app) -> None:
    cid, _a, _b = review
    n = next(
        r["nomination_id"] for r in flow.c.get(f"{API}/campaigns/{cid}/assignments", headers=EXPERT_A).json()["items"]
    )
    r = flow.score(cid, n, EXPERT_A, [8, 5])
    assert r.status_code == 200, r.text
    assert r.json()["complete"] and r.json()["total"] == pytest.approx(68.0)
    r = flow.score(cid, n, EXPERT_A, [9, 5])
    assert r.json()["total"] == pytest.approx(74.0)
    from sqlalchemy import select

    from evaluation.models import AuditEntry

    with app.state.kernel.sessionmaker() as s:
        changes = list(s.scalars(select(AuditEntry).where(AuditEntry.entity == "score").order_by(AuditEntry.id)))
    assert [c.action for c in changes] == ["score.create", "score.create", "score.update"]
    assert changes[-1].before == {"score": 8.0, "comment": ""} and changes[-1].after["score"] == 9.0
    assert changes[-1].actor == "501"
    # the province reads the same trail over the API; nobody else does
    trail = flow.c.get(f"{API}/audit", params={"entity": "score"}, headers=PROVINCE).json()
    assert [e["action"] for e in trail["items"]] == ["score.update", "score.create", "score.create"]
    assert flow.c.get(f"{API}/audit", headers=EXPERT_A).status_code == 403
    assert flow.c.get(f"{API}/audit", headers=UNI_A_ADMIN).status_code == 403


def test_scores_are_refused_outside_the_review_phase_and_above_the_maximum(flow: Flow, review) -> None:
    cid, a, b = review
    n = next(
        r["nomination_id"] for r in flow.c.get(f"{API}/campaigns/{cid}/assignments", headers=EXPERT_A).json()["items"]
    )
    assert flow.score(cid, n, EXPERT_A, [11, 5]).status_code == 422
    for nid in a + b:
        for e in (EXPERT_A, EXPERT_B, EXPERT_P, expert(504, None)):
            flow.score(cid, nid, e, [5, 5])
    flow.advance_to(cid, "decision")
    assert flow.score(cid, n, EXPERT_A, [6, 5]).status_code == 409


def test_an_expert_never_sees_another_experts_scores(flow: Flow, review) -> None:
    cid, _a, b = review
    rows = flow.c.get(f"{API}/campaigns/{cid}/assignments", headers=PROVINCE).json()["items"]
    n = b[0]
    experts = [r["expert_id"] for r in rows if r["nomination_id"] == n]
    assert len(experts) == 2
    e1, e2 = (expert(e, {501: kt.UNI_A, 502: kt.UNI_B}.get(e)) for e in experts)
    flow.score(cid, n, e1, [9, 9])
    flow.score(cid, n, e2, [3, 3])
    sheets = flow.c.get(f"{API}/nominations/{n}/scores", headers=e1).json()
    assert [s["expert_id"] for s in sheets] == [experts[0]]
    assert {i["score"] for i in sheets[0]["items"]} == {9.0}
    assert len(flow.c.get(f"{API}/nominations/{n}/scores", headers=PROVINCE).json()) == 2
    assert flow.c.get(f"{API}/nominations/{n}/scores", headers=UNI_B_ADMIN).status_code == 403
    assert flow.c.get(f"{API}/nominations/{n}/scores", headers=UNI_A_ADMIN).status_code == 404


def test_a_declared_conflict_removes_the_assignment_and_blocks_reassignment(flow: Flow, review) -> None:
    cid, _a, _b = review
    mine = [r for r in flow.c.get(f"{API}/campaigns/{cid}/assignments", headers=EXPERT_P).json()["items"]]
    n = mine[0]["nomination_id"]
    flow.score(cid, n, EXPERT_P, [7, 7])
    r = flow.c.post(
        f"{API}/campaigns/{cid}/conflicts", headers=EXPERT_P, json={"nomination_id": n, "reason": "former colleague"}
    )
    assert r.status_code == 201, r.text
    assert r.json()["assignments_removed"] == 1
    assert flow.c.get(f"{API}/nominations/{n}", headers=EXPERT_P).status_code == 404
    assert flow.assign(cid, n, 503).status_code == 409
    again = flow.c.post(f"{API}/campaigns/{cid}/assignments/auto", headers=PROVINCE).json()
    pairs = flow.c.get(f"{API}/campaigns/{cid}/assignments", params={"nomination_id": n}, headers=PROVINCE).json()[
        "items"
    ]
    assert 503 not in {p["expert_id"] for p in pairs}
    assert again["created"] + len(again["short"]) >= 1
    # the conflict is the expert's own business and the province's
    assert flow.c.get(f"{API}/campaigns/{cid}/conflicts", headers=EXPERT_A).json()["total"] == 0
    assert flow.c.get(f"{API}/campaigns/{cid}/conflicts", headers=PROVINCE).json()["total"] == 1
    assert flow.c.get(f"{API}/campaigns/{cid}/conflicts", headers=UNI_A_ADMIN).json()["total"] == 0


def test_a_university_conflict_covers_all_its_nominations(flow: Flow, review) -> None:
    cid, _a, b = review
    r = flow.c.post(
        f"{API}/campaigns/{cid}/conflicts",
        headers=EXPERT_P,
        json={"university_id": kt.UNI_B, "reason": "visiting professor there"},
    )
    assert r.status_code == 201
    listed = _ids(flow.c.get(f"{API}/campaigns/{cid}/nominations", headers=EXPERT_P).json())
    assert not listed & set(b)


def test_universities_see_their_own_nominations_only(flow: Flow, review) -> None:
    cid, a, b = review
    assert _ids(flow.c.get(f"{API}/campaigns/{cid}/nominations", headers=UNI_A_ADMIN).json()) == set(a)
    assert _ids(flow.c.get(f"{API}/campaigns/{cid}/nominations", headers=UNI_B_ADMIN).json()) == set(b)
    export = flow.c.get(f"{API}/campaigns/{cid}/nominations/export", headers=UNI_B_ADMIN).text
    assert "university A" not in export and "university B" in export
    assert (
        flow.c.get(f"{API}/campaigns/{cid}/nominations", headers=staff(400, kt.DEPT_A1, kt.UNI_A)).json()["total"] == 0
    )
    # universities never learn who reviews them
    assert flow.c.get(f"{API}/campaigns/{cid}/assignments", headers=UNI_A_ADMIN).json()["total"] == 0
    assert flow.c.get(f"{API}/campaigns/{cid}/ranking", headers=UNI_A_ADMIN).status_code == 403


def test_an_expert_without_assignments_sees_no_nomination(flow: Flow, review) -> None:
    cid, a, _b = review
    outsider = expert(777, None)
    assert flow.c.get(f"{API}/campaigns/{cid}/nominations", headers=outsider).json()["total"] == 0
    assert flow.c.get(f"{API}/nominations/{a[0]}", headers=outsider).status_code == 404


def test_the_province_removes_an_assignment_with_its_scores(flow: Flow, review) -> None:
    cid, _a, _b = review
    mine = flow.c.get(f"{API}/campaigns/{cid}/assignments", headers=EXPERT_P).json()["items"][0]
    flow.score(cid, mine["nomination_id"], EXPERT_P, [6, 6])
    assert flow.c.delete(f"{API}/assignments/{mine['id']}", headers=EXPERT_P).status_code == 403
    assert flow.c.delete(f"{API}/assignments/{mine['id']}", headers=PROVINCE).status_code == 204
    assert flow.c.get(f"{API}/nominations/{mine['nomination_id']}", headers=EXPERT_P).status_code == 404
    trail = flow.c.get(
        f"{API}/audit", params={"entity": "assignment", "entity_id": str(mine["id"])}, headers=PROVINCE
    ).json()["items"]
    assert trail[0]["action"] == "assignment.delete" and trail[0]["before"]["scores"]
    assert flow.c.delete(f"{API}/assignments/{mine['id']}", headers=PROVINCE).status_code == 404


def test_the_panel_is_the_provinces_business(flow: Flow, review) -> None:
    cid, _a, _b = review
    assert len(flow.c.get(f"{API}/campaigns/{cid}/experts", headers=PROVINCE).json()["experts"]) == 4
    assert flow.c.get(f"{API}/campaigns/{cid}/experts", headers=UNI_A_ADMIN).status_code == 403
    assert flow.c.get(f"{API}/campaigns/{cid}/experts", headers=EXPERT_A).status_code == 403
    # an expert with assignments cannot be dropped from the panel
    r = flow.c.put(f"{API}/campaigns/{cid}/experts", headers=PROVINCE, json={"experts": []})
    assert r.status_code == 409
