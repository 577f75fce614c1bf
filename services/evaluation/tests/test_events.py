"""Events (E4, issue #19) on SQLite and PostgreSQL: the province organises the province's and the association's,
a university its own; readers in scope (another university's event is 404 unless it invites theirs), the
inspector reads and writes nothing; states with If-Match, audit and outbox events; materials through the kernel's
attachments; a commendation conference shown with its campaign's results (and on the public page, public fields
only); declaring a training with the training service unreachable answers 503 and changes nothing. (The
declaration against the real training service, its retry and the ledger: tests/test_events_stack.py.)"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from evaluation_flow import API, PROVINCE, UNI_A_ADMIN, UNI_B_ADMIN, Flow
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from test_public import publicity  # noqa: F401  (the fixture)

from evaluation.models import AuditEntry, OutboxEvent
from sanquan_kernel import testing as kt
from sanquan_kernel.storage import FilesystemStorage, Storage, samples

EV = f"{API}/events"
TODAY = dt.date.today()
INSPECTOR = kt.inspector()


def _event(c: TestClient, headers: dict[str, str], **kw: object) -> dict:
    body = {
        "kind": "seminar",
        "organiser": "province",
        "title": "全省高校后勤育人研讨会",
        "starts_on": str(TODAY),
        "ends_on": str(TODAY),
        "place": "郑州",
        "agenda": "一、交流；二、总结",
        **kw,
    }
    r = c.post(EV, json=body, headers=headers)
    assert r.status_code == 201, r.text
    return dict(r.json())


def _if(doc: dict) -> dict[str, str]:
    return {"If-Match": f'W/"{doc["version"]}"'}


def test_each_organises_its_own_and_another_universitys_event_is_not_found(client: TestClient) -> None:
    prov = _event(client, PROVINCE, organiser="association", kind="theory_study")
    assert prov["status"] == "planned" and prov["university_id"] is None and prov["organiser"] == "association"
    mine = _event(client, UNI_A_ADMIN, organiser="university", title="甲大学后勤推进会", kind="promotion_meeting")
    assert mine["university_id"] == kt.UNI_A and mine["university_name"] == "甲大学"
    inviting = _event(
        client, UNI_A_ADMIN, organiser="university", title="甲乙联合研讨会", invited_university_ids=[kt.UNI_B]
    )
    assert [u["id"] for u in inviting["invited_universities"]] == [kt.UNI_B]
    # another university: 404 on every path of an event that does not invite it; it reads one that does
    for path in (f"{EV}/{mine['id']}", f"{EV}/{mine['id']}/attachments"):
        assert client.get(path, headers=UNI_B_ADMIN).status_code == 404, path
        assert client.get(path, headers=kt.staff(410, kt.DEPT_B1, kt.UNI_B)).status_code == 404, path
    assert client.patch(f"{EV}/{mine['id']}", json={"place": "乙"}, headers=UNI_B_ADMIN).status_code == 404
    assert client.post(f"{EV}/{mine['id']}/cancel", json={"reason": "x"}, headers=UNI_B_ADMIN).status_code == 404
    assert client.get(f"{EV}/{inviting['id']}", headers=UNI_B_ADMIN).status_code == 200
    assert client.patch(f"{EV}/{inviting['id']}", json={"place": "乙"}, headers=UNI_B_ADMIN).status_code == 403
    listed = {e["id"] for e in client.get(EV, headers=UNI_B_ADMIN).json()["items"]}
    assert listed == {prov["id"], inviting["id"]}
    # the university reads the province's and does not change it; the province does not change a university's
    assert client.get(f"{EV}/{prov['id']}", headers=kt.staff()).status_code == 200
    assert client.patch(f"{EV}/{prov['id']}", json={"place": "x"}, headers=UNI_A_ADMIN).status_code == 403
    assert client.patch(f"{EV}/{mine['id']}", json={"place": "x"}, headers=PROVINCE).status_code == 403
    # the inspector reads everything and writes nothing; department managers and integration clients do not write
    assert {e["id"] for e in client.get(EV, headers=INSPECTOR).json()["items"]} == {
        prov["id"],
        mine["id"],
        inviting["id"],
    }
    for who in (INSPECTOR, kt.department_manager(), kt.staff(), kt.expert()):
        assert client.post(EV, json={"kind": "seminar"}, headers=who).status_code == 403
        assert client.patch(f"{EV}/{mine['id']}", json={"place": "x"}, headers=who).status_code in (403, 404)
    assert client.get(EV, headers=kt.integration()).status_code == 403
    assert client.get(EV).status_code == 401
    # who organises what
    bad = client.post(EV, json={**_body(), "organiser": "university"}, headers=PROVINCE)
    assert bad.status_code == 422
    bad = client.post(EV, json={**_body(), "organiser": "province"}, headers=UNI_A_ADMIN)
    assert bad.status_code == 422
    assert client.get(EV, headers=PROVINCE).json()["total"] == 3


def _body() -> dict:
    return {"kind": "seminar", "title": "x", "starts_on": str(TODAY), "ends_on": str(TODAY)}


def test_states_versions_audit_and_outbox(client: TestClient, app: FastAPI) -> None:
    later = TODAY + dt.timedelta(days=30)
    e = _event(client, PROVINCE, starts_on=str(later), ends_on=str(later), expected_participants=120)
    stale = client.patch(f"{EV}/{e['id']}", json={"place": "开封"}, headers={**PROVINCE, "If-Match": 'W/"9"'})
    assert stale.status_code == 412
    r = client.patch(f"{EV}/{e['id']}", json={"place": "开封", "agenda": "新议程"}, headers={**PROVINCE, **_if(e)})
    assert r.status_code == 200 and r.json()["version"] == 2 and r.json()["place"] == "开封"
    bad = client.patch(f"{EV}/{e['id']}", json={"ends_on": str(TODAY)}, headers=PROVINCE)
    assert bad.status_code == 422  # ends before it starts
    early = client.post(f"{EV}/{e['id']}/hold", json={"participants": 100}, headers=PROVINCE)
    assert early.status_code == 409 and early.json()["code"] == "event_state"
    now = _event(client, PROVINCE, kind="promotion_meeting")
    held = client.post(f"{EV}/{now['id']}/hold", json={"participants": 98}, headers={**PROVINCE, **_if(now)})
    assert held.status_code == 200 and (held.json()["status"], held.json()["participants"]) == ("held", 98)
    again = client.post(f"{EV}/{now['id']}/cancel", json={"reason": "x"}, headers=PROVINCE)
    assert again.status_code == 409 and again.json()["code"] == "event_state"
    gone = client.post(f"{EV}/{e['id']}/cancel", json={"reason": "因故取消"}, headers=PROVINCE)
    assert (
        gone.status_code == 200 and gone.json()["status"] == "cancelled" and gone.json()["cancel_reason"] == "因故取消"
    )
    assert client.patch(f"{EV}/{e['id']}", json={"place": "x"}, headers=PROVINCE).json()["code"] == "event_state"
    assert [x["id"] for x in client.get(EV, params={"status": "cancelled"}, headers=PROVINCE).json()["items"]] == [
        e["id"]
    ]
    with app.state.kernel.sessionmaker() as s:
        actions = sorted(s.scalars(select(AuditEntry.action).where(AuditEntry.entity == "event")))
        types = sorted(s.scalars(select(OutboxEvent.type).where(OutboxEvent.subject.like("event:%"))))
    assert actions == ["event.cancel", "event.create", "event.create", "event.hold", "event.update"]
    assert types == ["event.cancelled", "event.held", "event.scheduled", "event.scheduled"]


def test_declaring_a_training_without_the_training_service_answers_503_and_changes_nothing(
    client: TestClient, app: FastAPI
) -> None:
    e = _event(client, PROVINCE, kind="commendation_conference")
    body = {"hours": 4, "days": 0.5, "themes": ["ideals"]}
    assert client.post(f"{EV}/{e['id']}/training", json=body, headers=UNI_A_ADMIN).status_code == 403
    assert client.post(f"{EV}/{e['id']}/training", json=body, headers=INSPECTOR).status_code == 403
    r = client.post(f"{EV}/{e['id']}/training", json=body, headers={**PROVINCE, **_if(e)})
    assert r.status_code == 503 and r.json()["code"] == "training_unavailable", r.text
    after = client.get(f"{EV}/{e['id']}", headers=PROVINCE).json()
    assert after["training"] is None and after["version"] == e["version"]
    with app.state.kernel.sessionmaker() as s:
        assert not s.scalars(select(AuditEntry).where(AuditEntry.action == "event.training")).all()
        assert not s.scalars(select(OutboxEvent).where(OutboxEvent.type == "event.training_declared")).all()
    bad = client.post(f"{EV}/{e['id']}/training", json={**body, "hours": 0, "days": 0}, headers=PROVINCE)
    assert bad.status_code == 422


def test_a_commendation_conference_is_shown_with_its_campaigns_results(
    flow: Flow,
    publicity: tuple[int, int, int],  # noqa: F811
) -> None:
    cid, _, _ = publicity
    c = flow.c
    # a university's event links no campaign; an unknown campaign is refused
    mine = c.post(EV, json={**_body(), "organiser": "university", "campaign_ids": [cid]}, headers=UNI_A_ADMIN)
    assert mine.status_code == 422
    assert (
        c.post(EV, json={**_body(), "organiser": "province", "campaign_ids": [987654]}, headers=PROVINCE).status_code
        == 422
    )
    conf = _event(
        c,
        PROVINCE,
        kind="commendation_conference",
        title="全省后勤育人表彰大会",
        place="郑州会议中心",
        campaign_ids=[cid],
    )
    assert [x["id"] for x in conf["campaigns"]] == [cid]
    _event(c, PROVINCE, kind="seminar", title="不是表彰大会", campaign_ids=[cid])  # linked, but not a conference
    assert [x["id"] for x in c.get(EV, params={"campaign_id": cid}, headers=PROVINCE).json()["items"]] != []
    results = c.get(f"{API}/campaigns/{cid}/results", headers=PROVINCE).json()
    assert [x["title"] for x in results["conferences"]] == ["全省后勤育人表彰大会"]
    assert flow.publish(cid).status_code == 200
    seen = c.get(f"{API}/campaigns/{cid}/results", headers=UNI_B_ADMIN).json()
    assert [x["id"] for x in seen["conferences"]] == [conf["id"]]
    [pub] = c.get("/api/public/publicity").json()["items"]
    assert pub["conferences"] == [
        {"title": "全省后勤育人表彰大会", "starts_on": str(TODAY), "ends_on": str(TODAY), "place": "郑州会议中心"}
    ]
    r = c.post(f"{EV}/{conf['id']}/cancel", json={"reason": "改期"}, headers=PROVINCE)
    assert r.status_code == 200
    assert c.get(f"{API}/campaigns/{cid}/results", headers=PROVINCE).json()["conferences"] == []
    assert c.get("/api/public/publicity").json()["items"][0]["conferences"] == []


@pytest.fixture
def files(app: FastAPI, tmp_path: Path) -> Iterator[Storage]:
    st = FilesystemStorage(tmp_path / "files", "evaluation")
    app.state.kernel.extras["storage"] = st
    yield st
    app.state.kernel.extras.pop("storage", None)


def test_materials_are_the_organisers_to_attach_and_their_readers_to_read(client: TestClient, files: Storage) -> None:
    mine = _event(client, UNI_A_ADMIN, organiser="university", title="甲大学研讨会")
    prov = _event(client, PROVINCE)
    up = client.post(f"{API}/attachments?filename={quote('议程.pdf')}", content=samples.pdf(), headers=UNI_A_ADMIN)
    assert up.status_code == 201, up.text
    att = up.json()["id"]
    url = f"{EV}/{mine['id']}/attachments"
    assert (
        client.post(f"{EV}/{prov['id']}/attachments", json={"attachment_ids": [att]}, headers=UNI_A_ADMIN).status_code
        == 403
    )
    assert client.post(url, json={"attachment_ids": [att]}, headers=UNI_B_ADMIN).status_code == 404
    r = client.post(url, json={"attachment_ids": [att]}, headers=UNI_A_ADMIN)
    assert r.status_code == 200, r.text
    assert [i["name"] for i in client.get(url, headers=kt.staff()).json()["items"]] == ["议程.pdf"]
    assert client.get(url, headers=INSPECTOR).status_code == 200
    assert client.get(url, headers=UNI_B_ADMIN).status_code == 404
    assert client.get(f"{API}/attachments/{att}/content", headers=UNI_B_ADMIN).status_code == 404
    assert client.get(f"{EV}/{mine['id']}", headers=UNI_A_ADMIN).json()["material_count"] == 1
