"""Annual assessment (E3) against real plans and training services over HTTP — including one that stops."""

from collections.abc import Iterator

import pytest
from evaluation_flow import API, PROVINCE, UNI_A_ADMIN, UNI_B_ADMIN, Flow, department_manager, expert, staff
from evaluation_sources import SECRET, SourceServer, broken_plans_app, gateway_app, plans_app, training_app
from fastapi import FastAPI
from fastapi.testclient import TestClient

from evaluation.config import Settings
from evaluation.main import create_app
from sanquan_kernel import testing as kt
from sanquan_kernel.service_client import ServiceClient

YEAR = 2026
PLANS = {
    kt.UNI_A: {
        "plan_status": "approved",
        "plan_approved": True,
        "plan_approved_on_time": True,
        "in_annual_work_plan": True,
        "milestones_total": 20,
        "milestones_due": 20,
        "milestones_done_on_time": 9,
        "milestone_on_time_rate": 0.45,
        "total_posts": 100,
        "work_study_posts": 8,
        "work_study_ratio": 0.08,
        "work_study_ok": False,
        "special_fund_set_up": True,
        "special_fund_planned": 100000.0,
        "special_fund_spent": 45000.0,
        "special_fund_spent_rate": 0.45,
    }
}  # university B has no plans data: it has not started
TRAINING = {
    kt.UNI_A: {
        "staff_total": 10,
        "compliant": 5,
        "compliance_rate": 0.5,
        "law_coverage": 0.8,
        "hours": 500.0,
        "days": 60.0,
    },
    kt.UNI_B: {
        "staff_total": 4,
        "compliant": 4,
        "compliance_rate": 1.0,
        "law_coverage": 0.5,
        "hours": 400.0,
        "days": 50.0,
    },
}
STAFF = {
    7: {"name": "Zhang Wei", "university_id": kt.UNI_A, "department_id": kt.DEPT_A1},
    8: {"name": "Wang Fang", "university_id": kt.UNI_B, "department_id": kt.DEPT_B1},
}


@pytest.fixture(scope="module")
def sources() -> Iterator[dict[str, SourceServer]]:
    servers = {
        "gateway": SourceServer(gateway_app()).start(),
        "plans": SourceServer(plans_app(PLANS)).start(),
        "training": SourceServer(training_app(TRAINING, STAFF)).start(),
    }
    yield servers
    for s in servers.values():
        s.stop()


@pytest.fixture(scope="module")
def shared_app(database_url: str, sources: dict[str, SourceServer]) -> Iterator[FastAPI]:
    """The evaluation service wired to the source servers with its own service client (overrides conftest's)."""
    settings = Settings(
        database_url=database_url,
        environment="test",
        plans_url=sources["plans"].url,
        training_url=sources["training"].url,
        source_timeout=2.0,
    )
    client = ServiceClient(sources["gateway"].url, "svc-evaluation", SECRET, timeout=2.0)
    application = create_app(
        settings,
        authenticator=kt.make_authenticator(),
        orgdir=kt.sample_orgdir(),
        accounts=kt.sample_accounts(),
        service_client=client,
        start_sync=False,
    )
    yield application
    client.close()
    application.state.kernel.engine.dispose()


@pytest.fixture
def running(sources: dict[str, SourceServer]) -> Iterator[dict[str, SourceServer]]:
    """Every source up at the start and again at the end of a test, whatever the test stopped."""
    yield sources
    for name in ("plans", "training"):
        if sources[name]._server is None:
            sources[name].start()


def _framework(c: TestClient) -> None:
    r = c.post(f"{API}/assessment/frameworks/{YEAR}/default", headers=PROVINCE)
    assert r.status_code == 201, r.text


def _card(c: TestClient, uni: int, headers: dict = PROVINCE) -> dict:
    r = c.get(f"{API}/assessment/{YEAR}/scorecards/{uni}", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


def test_the_default_framework_follows_the_seed(client: TestClient) -> None:
    _framework(client)
    fw = client.get(f"{API}/assessment/frameworks/{YEAR}", headers=UNI_A_ADMIN).json()
    assert [i["code"] for i in fw["indicators"]] == [
        "plan_approved",
        "milestones_on_time",
        "training_compliance",
        "law_coverage",
        "work_study",
        "special_fund",
        "awards",
    ]
    assert sum(i["weight"] for i in fw["indicators"]) == 100
    assert {i["source"] for i in fw["indicators"]} == {"plans", "training", "evaluation"}
    assert client.post(f"{API}/assessment/frameworks/{YEAR}/default", headers=PROVINCE).status_code == 409
    assert client.post(f"{API}/assessment/frameworks/2030/default", headers=UNI_A_ADMIN).status_code == 403


def test_scorecards_are_computed_from_the_plans_and_training_services(client: TestClient, running) -> None:
    _framework(client)
    r = client.post(f"{API}/assessment/{YEAR}/scorecards/compute", headers=PROVINCE)
    assert r.status_code == 200, r.text
    a = _card(client, kt.UNI_A)
    by_code = {i["indicator_code"]: i for i in a["items"]}
    # by hand: 15 + 0.45/0.9·15 + 0.5·20 + 0.8·10 + 0.08/0.10·10 + 0.45/0.9·15 + 0 = 56
    assert by_code["plan_approved"]["score"] == 15
    assert by_code["milestones_on_time"]["score"] == 7.5
    assert by_code["training_compliance"]["score"] == 10
    assert by_code["law_coverage"]["score"] == 8
    assert by_code["work_study"]["score"] == 8
    assert by_code["special_fund"]["score"] == 7.5
    # no campaign of the year is final: nothing to win yet — not applicable, its 15 shared out over the other 85
    assert by_code["awards"] == {**by_code["awards"], "value": None, "score": None, "status": "not_applicable"}
    assert by_code["awards"]["reason"] == "not applicable: no campaign of the year has final results yet"
    assert a["total"] == round(56 * 100 / 85, 4) and a["max_total"] == 100 and a["complete"]
    assert a["inputs"]["factor"] == round(100 / 85, 6) and a["unavailable"] == 0
    assert a["inputs"]["plans"]["item"]["milestone_on_time_rate"] == 0.45
    # B has no plans data: per the agreement that is "not started" — recorded as absent, not unavailable. No plan
    # is a real 0 (plan, special fund); no milestone due and no posts declared are not applicable.
    b = _card(client, kt.UNI_B)
    assert b["inputs"]["plans"] == {"item": None, "absent": True}
    status = {i["indicator_code"]: (i["status"], i["score"]) for i in b["items"]}
    assert status["plan_approved"] == status["special_fund"] == ("ok", 0.0)
    assert status["milestones_on_time"] == status["work_study"] == status["awards"] == ("not_applicable", None)
    # 20 (compliance 1.0) + 5 (law 0.5) out of the applicable 60, scaled to 100
    assert b["complete"] and b["total"] == round(25 * 100 / 60, 4)
    ranking = client.get(f"{API}/assessment/{YEAR}/scorecards", headers=PROVINCE).json()["items"]
    assert [(s["university_id"], s["rank"]) for s in ranking] == [(kt.UNI_A, 1), (kt.UNI_B, 2)]


def test_a_stopped_source_makes_its_indicators_unavailable_and_a_recompute_fills_them(
    client: TestClient, running
) -> None:
    _framework(client)
    running["training"].stop()
    r = client.post(f"{API}/assessment/{YEAR}/scorecards/compute", headers=PROVINCE)
    assert r.status_code == 200, r.text
    a = _card(client, kt.UNI_A)
    training = [i for i in a["items"] if i["source"] == "training"]
    assert training and all(
        i["status"] == "unavailable" and i["value"] is None and i["score"] is None for i in training
    )
    assert all("training service is unreachable" in i["reason"] for i in training)
    assert all(i["status"] == "ok" for i in a["items"] if i["source"] == "plans")
    assert not a["complete"] and a["unavailable"] == 2
    assert a["total"] == round(38 * 100 / 85, 4)  # 56 without training's 18 — never a silent zero counted as a figure
    assert "error" in a["inputs"]["training"]
    # publishing an incomplete assessment is refused
    assert client.post(f"{API}/assessment/{YEAR}/publish", headers=PROVINCE).status_code == 409
    running["training"].start()
    client.post(f"{API}/assessment/{YEAR}/scorecards/compute", headers=PROVINCE)
    a = _card(client, kt.UNI_A)
    assert a["complete"] and a["total"] == round(56 * 100 / 85, 4)


def test_a_published_assessment_never_changes(client: TestClient, running) -> None:
    _framework(client)
    client.post(f"{API}/assessment/{YEAR}/scorecards/compute", headers=PROVINCE)
    r = client.post(f"{API}/assessment/{YEAR}/publish", headers=PROVINCE)
    assert r.status_code == 200, r.text
    before = _card(client, kt.UNI_A)
    assert before["status"] == "published"
    PLANS[kt.UNI_A]["milestone_on_time_rate"] = 0.9
    try:
        assert client.post(f"{API}/assessment/{YEAR}/scorecards/compute", headers=PROVINCE).status_code == 409
    finally:
        PLANS[kt.UNI_A]["milestone_on_time_rate"] = 0.45
    assert _card(client, kt.UNI_A) == before
    fw = client.get(f"{API}/assessment/frameworks/{YEAR}", headers=PROVINCE).json()
    r = client.put(
        f"{API}/assessment/frameworks/{YEAR}",
        headers=PROVINCE,
        json={"indicators": [{"code": "x", "name": "x", "metric": "law_coverage", "target": 1, "weight": 1}]},
    )
    assert fw["status"] == "published" and r.status_code == 409


def test_self_reported_values_count_once_verified(client: TestClient, running) -> None:
    r = client.put(
        f"{API}/assessment/frameworks/{YEAR}",
        headers=PROVINCE,
        json={
            "indicators": [
                {
                    "code": "service_hall",
                    "name": "Online service hall answers in 48 h",
                    "metric": "self_reported",
                    "target": 0.9,
                    "weight": 10,
                },
                {"code": "law", "name": "Rule-of-law coverage", "metric": "law_coverage", "target": 1, "weight": 10},
            ]
        },
    )
    assert r.status_code == 200, r.text
    client.post(f"{API}/assessment/{YEAR}/scorecards/compute", headers=PROVINCE)
    item = next(i for i in _card(client, kt.UNI_A)["items"] if i["indicator_code"] == "service_hall")
    assert item["status"] == "unavailable" and item["reason"] == "not reported by the university"
    r = client.put(
        f"{API}/assessment/{YEAR}/self-reports/service_hall",
        headers=UNI_A_ADMIN,
        json={"value": 0.9, "evidence": "Ticket statistics 2026", "files": [{"name": "tickets.xlsx", "size": 2048}]},
    )
    assert r.status_code == 200, r.text
    rid = r.json()["id"]
    client.post(f"{API}/assessment/{YEAR}/scorecards/compute", headers=PROVINCE)
    item = next(i for i in _card(client, kt.UNI_A)["items"] if i["indicator_code"] == "service_hall")
    assert "awaiting verification" in item["reason"]
    # B neither sees nor verifies A's report; the province verifies it
    assert client.get(f"{API}/assessment/{YEAR}/self-reports", headers=UNI_B_ADMIN).json()["total"] == 0
    assert (
        client.post(
            f"{API}/assessment/self-reports/{rid}/verify", json={"accepted": True}, headers=UNI_B_ADMIN
        ).status_code
        == 403
    )
    r = client.post(f"{API}/assessment/self-reports/{rid}/verify", json={"accepted": True}, headers=PROVINCE)
    assert r.json()["status"] == "verified"
    client.post(f"{API}/assessment/{YEAR}/scorecards/compute", headers=PROVINCE)
    item = next(i for i in _card(client, kt.UNI_A)["items"] if i["indicator_code"] == "service_hall")
    assert (item["status"], item["score"]) == ("ok", 10.0)


def test_scorecards_are_scoped_to_the_university(client: TestClient, running) -> None:
    _framework(client)
    client.post(f"{API}/assessment/{YEAR}/scorecards/compute", headers=PROVINCE)
    assert _card(client, kt.UNI_A, UNI_A_ADMIN)["rank"] == 1
    assert client.get(f"{API}/assessment/{YEAR}/scorecards/{kt.UNI_A}", headers=UNI_B_ADMIN).status_code == 404
    lines = client.get(f"{API}/assessment/{YEAR}/scorecards", headers=UNI_B_ADMIN).json()["items"]
    assert [(s["university_id"], s["rank"]) for s in lines] == [(kt.UNI_B, 2)]
    for headers in (expert(501, kt.UNI_A), department_manager(kt.DEPT_A1), staff()):
        assert client.get(f"{API}/assessment/{YEAR}/scorecards", headers=headers).json()["items"] == []
        assert client.get(f"{API}/assessment/{YEAR}/scorecards/{kt.UNI_A}", headers=headers).status_code == 404
    assert client.post(f"{API}/assessment/{YEAR}/scorecards/compute", headers=UNI_A_ADMIN).status_code == 403


def test_a_nominated_person_must_be_in_the_nominating_universitys_register(flow: Flow, running) -> None:
    cid = flow.campaign("outstanding_person")["id"]
    flow.advance_to(cid, "nomination")
    r = flow.nominate(cid, UNI_A_ADMIN, staff_id=7)
    assert r.status_code == 201 and r.json()["subject_name"] == "Zhang Wei"
    assert flow.nominate(cid, UNI_A_ADMIN, staff_id=8).status_code == 422  # B's staff member
    assert flow.nominate(cid, UNI_A_ADMIN, staff_id=99).status_code == 422  # nobody
    running["training"].stop()
    r = flow.nominate(cid, UNI_A_ADMIN, staff_id=7)
    assert r.status_code == 503 and "staff register" in r.json()["detail"]


def test_a_failing_or_slow_source_is_unavailable_with_its_reason_never_a_hang(client: TestClient, app, running) -> None:
    _framework(client)
    settings = app.state.kernel.settings
    failing = SourceServer(broken_plans_app(status=500)).start()
    slow = SourceServer(broken_plans_app(status=200, delay=1.5)).start()
    original = (settings.plans_url, settings.source_timeout)
    try:
        settings.plans_url = failing.url
        client.post(f"{API}/assessment/{YEAR}/scorecards/compute", headers=PROVINCE)
        plans = [i for i in _card(client, kt.UNI_A)["items"] if i["source"] == "plans"]
        assert {i["reason"] for i in plans} == {"the plans service answered HTTP 500"}
        settings.plans_url, settings.source_timeout = slow.url, 0.3
        client.post(f"{API}/assessment/{YEAR}/scorecards/compute", headers=PROVINCE)
        plans = [i for i in _card(client, kt.UNI_A)["items"] if i["source"] == "plans"]
        assert {i["reason"] for i in plans} == {"the plans service did not answer within 0.3 s"}
        assert all(i["status"] == "ok" for i in _card(client, kt.UNI_A)["items"] if i["source"] == "training")
    finally:
        settings.plans_url, settings.source_timeout = original
        failing.stop()
        slow.stop()


def test_an_indicator_without_a_denominator_is_not_applicable_not_a_zero(client: TestClient, running) -> None:
    """Issue #14 (E3): a university none of whose milestones fell due, that declared no posts and whose training
    register is empty has nothing to measure there — not applicable with the reason, its weight shared out,
    the scorecard complete — instead of 0 of 15 with status ok."""
    _framework(client)
    PLANS[kt.UNI_B] = {
        **PLANS[kt.UNI_A],
        "milestones_total": 4,
        "milestones_due": 0,
        "milestones_done_on_time": 0,
        "milestone_on_time_rate": 0.0,
        "total_posts": 0,
        "work_study_posts": 0,
        "work_study_ratio": 0.0,
        "special_fund_spent_rate": 0.9,
    }
    TRAINING[kt.UNI_B], saved = {**TRAINING[kt.UNI_B], "staff_total": 0, "compliance_rate": 0.0}, TRAINING[kt.UNI_B]
    try:
        r = client.post(f"{API}/assessment/{YEAR}/scorecards/compute", headers=PROVINCE)
        assert r.status_code == 200, r.text
    finally:
        del PLANS[kt.UNI_B]
        TRAINING[kt.UNI_B] = saved
    b = _card(client, kt.UNI_B)
    by_code = {i["indicator_code"]: i for i in b["items"]}
    for code, reason in (
        ("milestones_on_time", "no milestone of the university's plan fell due in the year"),
        ("work_study", "no posts declared for the year"),
        ("training_compliance", "nobody counted in the university's training register for the year"),
        ("law_coverage", "nobody counted in the university's training register for the year"),
        ("awards", "no campaign of the year has final results yet"),
    ):
        assert by_code[code]["status"] == "not_applicable", code
        assert (by_code[code]["value"], by_code[code]["score"]) == (None, None), code
        assert by_code[code]["reason"] == f"not applicable: {reason}"
    # what applies: the plan (15 of 15) and the special fund (15 of 15), scaled to the framework's 100
    assert by_code["plan_approved"]["score"] == 15 and by_code["special_fund"]["score"] == 15
    assert b["complete"] and b["unavailable"] == 0 and b["max_total"] == 100 and b["total"] == 100.0
    assert b["inputs"]["weights_applicable"] == 30


# -- grade bands, ranks within school type, the XLSX (issue #19) --------------------------------------------------
def test_equal_totals_share_a_rank_and_the_next_rank_skips() -> None:
    from evaluation.assessment.schemas import DEFAULT_GRADES
    from evaluation.assessment.service import _ranks, grade

    assert _ranks([(80.0, 1), (90.0, 2), (80.0, 3), (70.0, 4)]) == {2: 1, 1: 2, 3: 2, 4: 4}
    assert [grade(p, DEFAULT_GRADES) for p in (90, 89.99, 75, 60, 59.99)] == [
        "excellent",
        "good",
        "good",
        "pass",
        "fail",
    ]


def test_the_ranking_has_grades_and_ranks_overall_and_within_school_type(client: TestClient, running) -> None:
    _framework(client)
    assert client.post(f"{API}/assessment/{YEAR}/scorecards/compute", headers=PROVINCE).status_code == 200
    items = client.get(f"{API}/assessment/{YEAR}/scorecards", headers=PROVINCE).json()["items"]
    got = [(s["university_id"], s["rank"], s["rank_in_type"], s["school_type"], s["grade"]) for s in items]
    # A: 56 of the applicable 85 → 65.88 % (合格); B: 25 of 60 → 41.67 % (不合格); each first of its type
    assert got == [(kt.UNI_A, 1, 1, "undergraduate", "pass"), (kt.UNI_B, 2, 1, "higher_vocational", "fail")]
    assert items[0]["percent"] == 65.88
    # one type's lines keep their provincial rank
    only = client.get(f"{API}/assessment/{YEAR}/scorecards?school_type=higher_vocational", headers=PROVINCE).json()
    assert [(s["university_id"], s["rank"], s["rank_in_type"]) for s in only["items"]] == [(kt.UNI_B, 2, 1)]
    assert client.get(f"{API}/assessment/{YEAR}/scorecards?school_type=college", headers=PROVINCE).status_code == 422
    # a university sees its own line, with both ranks
    mine = client.get(f"{API}/assessment/{YEAR}/scorecards", headers=UNI_B_ADMIN).json()["items"]
    assert [(s["university_id"], s["rank"], s["rank_in_type"]) for s in mine] == [(kt.UNI_B, 2, 1)]
    assert _card(client, kt.UNI_B, UNI_B_ADMIN)["grade"] == "fail"


def test_grade_bands_ascend_and_change_only_with_the_current_etag(client: TestClient, running) -> None:
    _framework(client)
    client.post(f"{API}/assessment/{YEAR}/scorecards/compute", headers=PROVINCE)
    r = client.get(f"{API}/assessment/frameworks/{YEAR}", headers=PROVINCE)
    etag = r.headers["etag"]
    assert r.json()["grades"] == {"pass": 60, "good": 75, "excellent": 90}
    url = f"{API}/assessment/frameworks/{YEAR}/grades"
    bad = client.put(url, json={"pass": 70, "good": 65, "excellent": 90}, headers={**PROVINCE, "If-Match": etag})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert client.put(url, json={"pass": 40, "good": 50, "excellent": 101}, headers=PROVINCE).status_code == 422
    body = {"pass": 40, "good": 60, "excellent": 80}
    assert client.put(url, json=body, headers={**PROVINCE, "If-Match": 'W/"999"'}).status_code == 412
    assert client.put(url, json=body, headers={**UNI_A_ADMIN, "If-Match": etag}).status_code == 403
    assert client.get(f"{API}/assessment/frameworks/{YEAR}", headers=PROVINCE).json()["grades"]["pass"] == 60
    r = client.put(url, json=body, headers={**PROVINCE, "If-Match": etag})
    assert r.status_code == 200, r.text
    assert r.json()["grades"] == body and r.headers["etag"] != etag
    items = client.get(f"{API}/assessment/{YEAR}/scorecards", headers=PROVINCE).json()["items"]
    assert [s["grade"] for s in items] == ["good", "pass"]  # 65.88 % and 41.67 % against 40/60/80
    assert client.put(url, json=body, headers={**PROVINCE, "If-Match": etag}).status_code == 412  # spent


def _sheets(content: bytes) -> dict[str, list[tuple]]:
    import io

    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(content), read_only=True)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}


def test_the_assessment_exports_as_xlsx_with_every_indicator_in_the_callers_scope(client: TestClient, running) -> None:
    from urllib.parse import unquote

    _framework(client)
    client.post(f"{API}/assessment/{YEAR}/scorecards/compute", headers=PROVINCE)
    r = client.get(f"{API}/assessment/{YEAR}/scorecards/export", headers=PROVINCE)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert f"{YEAR}年度考核结果.xlsx" in unquote(r.headers["content-disposition"])
    sheets = _sheets(r.content)
    assert list(sheets) == ["考核总览", "指标明细"]
    overview, detail = sheets["考核总览"], sheets["指标明细"]
    assert overview[0][:8] == ("全省名次", "同类名次", "高校", "办学类型", "总分", "满分", "得分率(%)", "等级")
    assert [(row[0], row[1], row[2], row[3], row[7]) for row in overview[1:]] == [
        (1, 1, "甲大学", "本科高校", "合格"),
        (2, 1, "乙学院", "高职院校", "不合格"),
    ]
    assert detail[0] == (
        "高校",
        "指标代码",
        "指标",
        "数据来源",
        "指标值",
        "目标值",
        "权重",
        "达成度",
        "得分",
        "计分状态",
        "说明",
    )
    assert len(detail) == 1 + 2 * 7  # every indicator of both scorecards
    awards_a = next(row for row in detail if row[0] == "甲大学" and row[1] == "awards")
    assert awards_a[3] == "评选结果" and awards_a[9] == "不适用" and awards_a[10].startswith("not applicable")
    # a university exports only its own scorecard
    mine = _sheets(client.get(f"{API}/assessment/{YEAR}/scorecards/export", headers=UNI_B_ADMIN).content)
    assert [row[2] for row in mine["考核总览"][1:]] == ["乙学院"]
    assert {row[0] for row in mine["指标明细"][1:]} == {"乙学院"}
    assert client.get(f"{API}/assessment/{YEAR}/scorecards/export", headers=staff(400)).status_code == 200
    assert client.get(f"{API}/assessment/{YEAR}/scorecards/export").status_code == 401
