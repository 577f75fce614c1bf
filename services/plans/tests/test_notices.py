"""The year's notice (通知) and its deadlines (issue #18): draft → issued, corrections, acknowledgements, and "on
time" measured against the province's deadline (or a university's extension), never the university's own date."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from plans.models import AuditEntry
from plans.notices import events
from sanquan_kernel import testing as kt
from sanquan_kernel.clock import today

N = "/api/plans/notices"


def _notice(client: TestClient, year: int = 2026, due_in: int = 30, **kw: object) -> dict:
    body = {
        "year": year,
        "title": f"关于做好{year}年后勤三全育人工作的通知",
        "body": "各高校：请于截止日期前提交实施方案。",
        "plan_due_on": str(today() + timedelta(days=due_in)),
        "progress_report_dates": [f"{year}-06-30", f"{year}-03-31"],
        "campaign_calendar": [{"date": f"{year}-09-01", "title": "最美后勤人评选启动"}],
        "self_report_opens_on": f"{year}-11-01",
        "self_report_closes_on": f"{year}-11-30",
        **kw,
    }
    r = client.post(N, json=body, headers=kt.province_admin())
    assert r.status_code == 201, r.text
    return r.json()


def _issue(client: TestClient, notice: dict) -> dict:
    r = client.post(f"{N}/{notice['id']}/issue", headers=kt.province_admin())
    assert r.status_code == 200, r.text
    return r.json()


def test_a_draft_is_the_provinces_until_issued_then_every_university_reads_it(client: TestClient) -> None:
    seen: list[events.NoticeEvent] = []
    unsubscribe = events.subscribe(lambda _s, e: seen.append(e))
    try:
        draft = _notice(client)
        assert draft["status"] == "draft" and draft["progress_report_dates"] == ["2026-03-31", "2026-06-30"]
        for h in (kt.university_admin(), kt.department_manager(), kt.integration(kt.UNI_A, scope="plans:read")):
            assert client.get(f"{N}/{draft['id']}", headers=h).status_code == 404
            assert client.get(N, headers=h).json()["total"] == 0
        assert client.post(f"{N}/{draft['id']}/acknowledgement", headers=kt.university_admin()).status_code == 404
        assert seen == []
        issued = _issue(client, draft)
        assert issued["status"] == "issued" and issued["issued_at"]
        assert [(e.kind, e.notice_id) for e in seen] == [("notice.issued", draft["id"])]
    finally:
        unsubscribe()
    for h in (kt.university_admin(), kt.department_manager(), kt.university_admin(kt.UNI_B)):
        got = client.get(f"{N}/{draft['id']}", headers=h)
        assert got.status_code == 200 and got.json()["my_plan_due_on"] == draft["plan_due_on"]
        assert [n["id"] for n in client.get(N, headers=h).json()["items"]] == [draft["id"]]
    # staff and experts read no notices
    for h in (kt.staff(), kt.expert()):
        assert client.get(N, headers=h).status_code == 403


def test_one_notice_per_year_and_bad_input_changes_nothing(client: TestClient) -> None:
    _notice(client)
    r = client.post(N, json={"year": 2026, "title": "又一个", "plan_due_on": "2026-03-01"}, headers=kt.province_admin())
    assert r.status_code == 409 and r.json()["code"] == "notice_year_taken"
    bad = {"year": 2027, "title": "x", "plan_due_on": "2027-03-01", "self_report_opens_on": "2027-11-30"}
    bad["self_report_closes_on"] = "2027-11-01"
    r = client.post(N, json=bad, headers=kt.province_admin())
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert client.get(N, headers=kt.province_admin()).json()["total"] == 1
    for h in (kt.university_admin(), kt.department_manager(), kt.integration(kt.UNI_A)):
        assert client.post(N, json={**bad, "self_report_closes_on": None}, headers=h).status_code == 403


def test_an_issued_notice_changes_only_by_a_recorded_correction(client: TestClient) -> None:
    notice = _notice(client)
    r = client.patch(f"{N}/{notice['id']}", json={"title": "改过的标题"}, headers=kt.province_admin())
    assert r.status_code == 200 and r.json()["version"] == 2
    _issue(client, notice)
    r = client.patch(f"{N}/{notice['id']}", json={"title": "再改"}, headers=kt.province_admin())
    assert r.status_code == 409 and r.json()["code"] == "notice_issued"
    assert client.delete(f"{N}/{notice['id']}", headers=kt.province_admin()).status_code == 409
    r = client.post(
        f"{N}/{notice['id']}/corrections",
        json={"changes": {"plan_due_on": "2026-04-15"}, "reason": "清明假期顺延"},
        headers={**kt.province_admin(), "If-Match": 'W/"1"'},
    )
    assert r.status_code == 412
    r = client.post(
        f"{N}/{notice['id']}/corrections",
        json={"changes": {"plan_due_on": "2026-04-15", "title": "改过的标题"}, "reason": "清明假期顺延"},
        headers=kt.province_admin(),
    )
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["plan_due_on"] == "2026-04-15" and got["version"] == 4
    [c] = got["corrections"]
    assert c["reason"] == "清明假期顺延" and c["before"] == {"plan_due_on": notice["plan_due_on"]}
    assert c["after"] == {"plan_due_on": "2026-04-15"}
    # a correction without a reason is refused, and changes nothing
    r = client.post(f"{N}/{notice['id']}/corrections", json={"changes": {"title": "x"}}, headers=kt.province_admin())
    assert r.status_code == 422
    assert client.get(f"{N}/{notice['id']}", headers=kt.province_admin()).json()["title"] == "改过的标题"
    # universities may not correct
    r = client.post(
        f"{N}/{notice['id']}/corrections",
        json={"changes": {"title": "x"}, "reason": "y"},
        headers=kt.university_admin(),
    )
    assert r.status_code == 403


def test_universities_acknowledge_once_and_the_province_sees_who_has_not(client: TestClient) -> None:
    notice = _issue(client, _notice(client))
    first = client.post(f"{N}/{notice['id']}/acknowledgement", headers=kt.university_admin())
    assert first.status_code == 201
    again = client.post(f"{N}/{notice['id']}/acknowledgement", headers=kt.university_admin())
    assert again.status_code == 200 and again.json() == first.json()
    assert first.json()["university_id"] == kt.UNI_A
    mine = client.get(f"{N}/{notice['id']}", headers=kt.university_admin()).json()["my_acknowledgement"]
    assert mine == first.json()
    assert client.get(f"{N}/{notice['id']}", headers=kt.university_admin(kt.UNI_B)).json()["my_acknowledgement"] is None
    # department managers read but do not acknowledge; campus systems do not either (a person is recorded)
    for h in (kt.department_manager(), kt.integration(kt.UNI_A), kt.province_admin()):
        assert client.post(f"{N}/{notice['id']}/acknowledgement", headers=h).status_code == 403
    s = client.get(f"{N}/{notice['id']}/acknowledgements", headers=kt.province_admin()).json()
    by_uni = {i["university_id"]: i for i in s["items"]}
    assert by_uni[kt.UNI_A]["acknowledged"] is True and by_uni[kt.UNI_B]["acknowledged"] is False
    assert s["acknowledged"] == 1 and s["total"] == len(by_uni) >= 2
    # the standings of every university are the province's
    for h in (kt.university_admin(), kt.university_admin(kt.UNI_B), kt.department_manager()):
        assert client.get(f"{N}/{notice['id']}/acknowledgements", headers=h).status_code == 403


def test_on_time_is_measured_against_the_provinces_deadline_not_the_universitys_own(
    client: TestClient, api, app
) -> None:
    # the university writes 2099 as its own due date and submits today; the province's deadline was yesterday
    notice = _issue(client, _notice(client, due_in=-1))
    plan_a, _ = api.approved_plan(kt.UNI_A, submission_due_on="2099-12-31")
    api.approved_plan(kt.UNI_B, (kt.DEPT_B1,), submission_due_on="2099-12-31")
    got = client.get(f"/api/plans/plans/{plan_a['id']}", headers=kt.university_admin()).json()
    assert got["submission_deadline"] == notice["plan_due_on"] and got["approved_on_time"] is False
    ind = client.get("/api/plans/indicators?year=2026", headers=kt.service("evaluation", "plans:indicators")).json()
    assert {i["university_id"]: i["plan_approved_on_time"] for i in ind["items"]} == {kt.UNI_A: False, kt.UNI_B: False}

    # the province extends university A's deadline, with a reason: A is on time, B is still late
    later = str(today() + timedelta(days=5))
    r = client.post(
        f"{N}/{notice['id']}/extensions",
        json={"university_id": kt.UNI_A, "due_on": later, "reason": "校园网改造，材料延误"},
        headers=kt.province_admin(),
    )
    assert r.status_code == 200, r.text
    a = next(i for i in r.json()["items"] if i["university_id"] == kt.UNI_A)
    assert a["plan_due_on"] == later and a["extension_reason"] == "校园网改造，材料延误"
    got = client.get(f"/api/plans/plans/{plan_a['id']}", headers=kt.university_admin()).json()
    assert got["submission_deadline"] == later and got["approved_on_time"] is True
    assert client.get(f"{N}/{notice['id']}", headers=kt.university_admin()).json()["my_plan_due_on"] == later
    assert (
        client.get(f"{N}/{notice['id']}", headers=kt.university_admin(kt.UNI_B)).json()["my_plan_due_on"]
        == (notice["plan_due_on"])
    )
    ind = client.get("/api/plans/indicators?year=2026", headers=kt.province_admin()).json()
    assert {i["university_id"]: i["plan_approved_on_time"] for i in ind["items"]} == {kt.UNI_A: True, kt.UNI_B: False}
    listed = client.get("/api/plans/plans?year=2026", headers=kt.province_admin()).json()["items"]
    assert {p["university_id"]: p["approved_on_time"] for p in listed} == {kt.UNI_A: True, kt.UNI_B: False}
    # the extension is audited
    with app.state.kernel.sessionmaker() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "notice.extension")).one()
        assert entry.university_id == kt.UNI_A and entry.after == {"due_on": later, "reason": "校园网改造，材料延误"}


def test_extensions_are_the_provinces_and_name_a_real_university(client: TestClient) -> None:
    notice = _notice(client)
    ext = {"university_id": kt.UNI_A, "due_on": "2026-05-01", "reason": "理由"}
    r = client.post(f"{N}/{notice['id']}/extensions", json=ext, headers=kt.province_admin())
    assert r.status_code == 409 and r.json()["code"] == "notice_not_issued"
    _issue(client, notice)
    for h in (kt.university_admin(), kt.university_admin(kt.UNI_B), kt.department_manager(), kt.integration()):
        assert client.post(f"{N}/{notice['id']}/extensions", json=ext, headers=h).status_code == 403
    for bad in ({**ext, "university_id": kt.DEPT_A1}, {**ext, "university_id": 99999}, {**ext, "reason": ""}):
        r = client.post(f"{N}/{notice['id']}/extensions", json=bad, headers=kt.province_admin())
        assert r.status_code == 422, bad
    s = client.get(f"{N}/{notice['id']}/acknowledgements", headers=kt.province_admin()).json()
    assert all(i["extension_reason"] is None and i["plan_due_on"] == notice["plan_due_on"] for i in s["items"])


def test_with_no_notice_issued_there_is_no_deadline(client: TestClient, api) -> None:
    _notice(client, due_in=-1)  # a draft sets no deadline
    plan, _ = api.approved_plan(kt.UNI_A, submission_due_on=str(today() - timedelta(days=10)))
    got = client.get(f"/api/plans/plans/{plan['id']}", headers=kt.university_admin()).json()
    assert got["submission_deadline"] is None and got["approved_on_time"] is True


def test_the_notice_carries_files_of_the_province_read_by_universities_once_issued(client: TestClient) -> None:
    from sanquan_kernel.storage import samples

    notice = _notice(client)
    up = client.post(
        "/api/plans/attachments",
        params={"filename": "通知附件.pdf"},
        content=samples.pdf(),
        headers=kt.province_admin(),
    )
    assert up.status_code == 201, up.text
    files = f"{N}/{notice['id']}/attachments"
    r = client.post(files, json={"attachment_ids": [up.json()["id"]]}, headers=kt.province_admin())
    assert r.status_code == 200 and [i["name"] for i in r.json()["items"]] == ["通知附件.pdf"]
    assert client.get(files, headers=kt.university_admin()).status_code == 404  # a draft's files: the province's
    assert client.get(f"/api/plans/attachments/{up.json()['id']}", headers=kt.university_admin()).status_code == 404
    _issue(client, notice)
    for h in (kt.university_admin(), kt.university_admin(kt.UNI_B), kt.department_manager()):
        assert [i["name"] for i in client.get(files, headers=h).json()["items"]] == ["通知附件.pdf"]
        assert client.get(f"/api/plans/attachments/{up.json()['id']}/content", headers=h).status_code == 200
    # the issued notice's files stay as issued; universities never attach to it
    more = client.post(
        "/api/plans/attachments", params={"filename": "补充.pdf"}, content=samples.pdf(), headers=kt.province_admin()
    ).json()
    r = client.post(files, json={"attachment_ids": [more["id"]]}, headers=kt.province_admin())
    assert r.status_code == 409 and r.json()["code"] == "notice_issued"
    mine = client.post(
        "/api/plans/attachments", params={"filename": "x.pdf"}, content=samples.pdf(), headers=kt.university_admin()
    ).json()
    assert client.post(files, json={"attachment_ids": [mine["id"]]}, headers=kt.university_admin()).status_code == 403
    assert len(client.get(files, headers=kt.province_admin()).json()["items"]) == 1


def test_another_universitys_ids_get_nothing(client: TestClient, api) -> None:
    """University B names university A everywhere it could: it acknowledges only for itself, reads no standings, grants
    no extension to itself or to A, and never sees A's plan (nor its deadline)."""
    notice = _issue(client, _notice(client))
    b = kt.university_admin(kt.UNI_B)
    r = client.post(
        f"{N}/{notice['id']}/acknowledgement?university_id={kt.UNI_A}", json={"university_id": kt.UNI_A}, headers=b
    )
    assert r.status_code == 201 and r.json()["university_id"] == kt.UNI_B
    assert client.get(f"{N}/{notice['id']}", headers=kt.university_admin()).json()["my_acknowledgement"] is None
    assert client.get(f"{N}/{notice['id']}/acknowledgements", headers=b).status_code == 403
    for uni in (kt.UNI_A, kt.UNI_B):
        ext = {"university_id": uni, "due_on": "2099-12-31", "reason": "自己批准"}
        assert client.post(f"{N}/{notice['id']}/extensions", json=ext, headers=b).status_code == 403
    s = client.get(f"{N}/{notice['id']}/acknowledgements", headers=kt.province_admin()).json()
    assert {i["university_id"]: i["acknowledged"] for i in s["items"]}[kt.UNI_A] is False
    assert all(i["extension_reason"] is None for i in s["items"])
    plan_a, _ = api.approved_plan(kt.UNI_A)
    assert client.get(f"/api/plans/plans/{plan_a['id']}", headers=b).status_code == 404
    assert client.get("/api/plans/plans?year=2026", headers=b).json()["items"] == []
