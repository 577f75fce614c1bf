"""The public publicity pages (issue #19): no sign-in, only the declared public fields, cacheable, and objections
from the public landing in the province's queue, rate-limited per address."""

from __future__ import annotations

import json

import pytest
from evaluation_flow import API, EXPERT_A, EXPERT_P, EXPERT_Q, PROVINCE, UNI_A_ADMIN, UNI_B_ADMIN, Flow
from fastapi.testclient import TestClient

from evaluation.public.service import OBJECTIONS_PER_HOUR
from sanquan_kernel import testing as kt

PUB = "/api/public"
SECRET_TEXT = "内部材料：联系电话 13800000000"


@pytest.fixture
def publicity(flow: Flow) -> tuple[int, int, int]:
    """A campaign in publicity: A's case awarded (mean 70), B's not (45); its nominations carry internal text."""
    cid = flow.campaign(experts_per_nomination=2, awards_count=1, categories=[{"code": "canteen", "name": "餐饮育人"}])[
        "id"
    ]
    flow.advance_to(cid, "nomination")
    [a] = flow.submitted(cid, UNI_A_ADMIN, 1, title="甲大学食堂育人案例", category="canteen", text=SECRET_TEXT)
    [b] = flow.submitted(cid, UNI_B_ADMIN, 1, title="乙学院公寓案例", category="canteen", text=SECRET_TEXT)
    flow.panel(cid, [(502, kt.UNI_B), (503, None), (504, None), (501, kt.UNI_A)])
    flow.advance_to(cid, "review")
    for n, e in ((a, 503), (a, 504), (b, 503), (b, 501)):
        assert flow.assign(cid, n, e).status_code == 201
    assert flow.score(cid, a, EXPERT_P, [10, 5]).status_code == 200
    assert flow.score(cid, a, EXPERT_Q, [6, 6]).status_code == 200
    assert flow.score(cid, b, EXPERT_P, [4, 4]).status_code == 200
    assert flow.score(cid, b, EXPERT_A, [5, 5]).status_code == 200
    flow.advance_to(cid, "decision")
    assert flow.c.post(f"{API}/campaigns/{cid}/decision", json={}, headers=PROVINCE).status_code == 200
    return cid, a, b


def _keys(node: object) -> set[str]:
    if isinstance(node, dict):
        return set(node) | {k for v in node.values() for k in _keys(v)}
    if isinstance(node, list):
        return {k for v in node for k in _keys(v)}
    return set()


def test_nothing_is_public_before_publication_and_only_declared_fields_after(
    flow: Flow, publicity: tuple[int, int, int]
) -> None:
    cid, _, _ = publicity
    c = flow.c
    assert c.get(f"{PUB}/publicity").json() == {"items": []}  # decided, not published: nothing
    assert flow.publish(cid).status_code == 200
    r = c.get(f"{PUB}/publicity")
    assert r.status_code == 200
    [camp] = r.json()["items"]
    assert camp["id"] == cid and camp["open_for_objections"] and camp["fields"] == ["name", "university", "category"]
    # only the awarded candidate, only the default public fields — no nomination, university or person id
    assert camp["candidates"] == [
        {"no": 1, "name": "甲大学食堂育人案例", "university": "甲大学", "category": "餐饮育人"}
    ]
    text = r.text
    assert SECRET_TEXT not in text and "乙学院公寓案例" not in text
    allowed = {"items", "id", "type", "type_name", "year", "title", "phase", "publicity_starts_on"}
    allowed |= {"publicity_ends_on", "open_for_objections", "fields", "candidates", "no", "name", "university"}
    allowed |= {"category", "conferences"}  # E4: the conferences where the awards were announced (none here)
    assert _keys(r.json()) <= allowed, _keys(r.json()) - allowed
    # the province widens the fields (If-Match), the public then also sees the rank and score
    url = f"{API}/campaigns/{cid}/public-fields"
    etag = c.get(url, headers=PROVINCE).headers["etag"]
    body = {"fields": ["title", "university", "rank", "score"]}
    assert c.put(url, json=body, headers={**PROVINCE, "If-Match": 'W/"999"'}).status_code == 412
    assert c.put(url, json=body, headers={**UNI_A_ADMIN, "If-Match": etag}).status_code == 403
    assert c.put(url, json={"fields": ["phone"]}, headers={**PROVINCE, "If-Match": etag}).status_code == 422
    assert c.put(url, json=body, headers={**PROVINCE, "If-Match": etag}).status_code == 200
    [camp] = c.get(f"{PUB}/publicity").json()["items"]
    assert camp["candidates"] == [
        {"no": 1, "title": "甲大学食堂育人案例", "university": "甲大学", "rank": 1, "score": 70.0}
    ]


def test_public_reads_are_cacheable_and_answer_304_when_unchanged(flow: Flow, publicity: tuple[int, int, int]) -> None:
    cid, _, _ = publicity
    flow.publish(cid)
    r = flow.c.get(f"{PUB}/publicity")
    assert r.headers["cache-control"] == "public, max-age=30, stale-while-revalidate=300"
    etag = r.headers["etag"]
    again = flow.c.get(f"{PUB}/publicity", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    # a change gives another tag
    url = f"{API}/campaigns/{cid}/public-fields"
    flow.c.put(url, json={"fields": ["name"]}, headers=PROVINCE)
    assert flow.c.get(f"{PUB}/publicity", headers={"If-None-Match": etag}).status_code == 200


def test_an_objection_from_the_public_reaches_the_provinces_queue_only(
    flow: Flow, publicity: tuple[int, int, int]
) -> None:
    cid, a, _ = publicity
    c = flow.c
    flow.publish(cid)
    body = {"no": 1, "name": "张三", "contact": "13900000000", "reason": "该案例材料与事实不符，请核实。"}
    r = c.post(f"{PUB}/campaigns/{cid}/objections", json=body, headers={"X-Forwarded-For": "203.0.113.7"})
    assert r.status_code == 201, r.text
    assert set(r.json()) == {"received", "campaign_title", "publicity_ends_on"}  # no id of the stored objection
    queue = c.get(f"{API}/campaigns/{cid}/objections", headers=PROVINCE).json()["items"]
    [o] = [o for o in queue if o["public"]]
    assert (o["nomination_id"], o["university_id"], o["contact_name"], o["contact"]) == (a, None, "张三", "13900000000")
    assert o["status"] == "open"
    # neither university sees the visitor's objection or contact
    for admin in (UNI_A_ADMIN, UNI_B_ADMIN):
        assert c.get(f"{API}/campaigns/{cid}/objections", headers=admin).json()["items"] == []
    # the province answers it like any other, and finalising waits for that
    flow.let_publicity_end(cid)
    assert c.post(f"{API}/campaigns/{cid}/finalize", headers=PROVINCE).status_code == 409
    r = c.post(f"{API}/objections/{o['id']}/answer", json={"answer": "经核实，材料属实。"}, headers=PROVINCE)
    assert r.status_code == 200, r.text
    assert c.post(f"{API}/campaigns/{cid}/finalize", headers=PROVINCE).status_code == 200
    # after the period: the final results are public, the publicity list is empty
    assert c.get(f"{PUB}/publicity").json() == {"items": []}
    [final] = c.get(f"{PUB}/results").json()["items"]
    assert final["phase"] == "final" and not final["open_for_objections"] and len(final["candidates"]) == 1


def test_bad_public_objections_change_nothing(flow: Flow, publicity: tuple[int, int, int]) -> None:
    cid, _, _ = publicity
    c = flow.c
    url = f"{PUB}/campaigns/{cid}/objections"
    good = {"no": 1, "name": "李四", "contact": "li@example.com", "reason": "请核实该候选人的事迹材料。"}
    assert c.post(url, json=good).status_code == 404  # not in publicity yet
    flow.publish(cid)
    for bad, status in (
        ({**good, "no": 2}, 404),  # B's entry is not on the list
        ({**good, "no": 0}, 422),
        ({**good, "reason": ""}, 422),
        ({**good, "nomination_id": 1}, 422),
        ({**good, "reason": "很" * 3000}, 422),
    ):
        r = c.post(url, json=bad)
        assert r.status_code == status, (bad, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    big = json.dumps({**good, "reason": "x" * 20000})
    r = c.post(url, content=big, headers={"content-type": "application/json"})
    assert r.status_code in (413, 422)
    assert c.post(f"{PUB}/campaigns/99999/objections", json=good).status_code == 404
    assert c.get(f"{API}/campaigns/{cid}/objections", headers=PROVINCE).json()["items"] == []


def test_objections_are_limited_per_address(flow: Flow, publicity: tuple[int, int, int]) -> None:
    cid, _, _ = publicity
    flow.publish(cid)
    url = f"{PUB}/campaigns/{cid}/objections"
    body = {"no": 1, "name": "王五", "contact": "13700000000", "reason": "反映问题，请核实。"}
    me = {"X-Forwarded-For": "198.51.100.9"}
    for _ in range(OBJECTIONS_PER_HOUR):
        assert flow.c.post(url, json=body, headers=me).status_code == 201
    r = flow.c.post(url, json=body, headers=me)
    assert r.status_code == 429 and r.headers["retry-after"] == "3600"
    assert r.headers["content-type"].startswith("application/problem+json")
    assert flow.c.post(url, json=body, headers={"X-Forwarded-For": "198.51.100.10"}).status_code == 201
    queue = flow.c.get(f"{API}/campaigns/{cid}/objections", headers=PROVINCE).json()["items"]
    assert len(queue) == OBJECTIONS_PER_HOUR + 1


def test_the_typical_case_library_shows_published_cases_only(client: TestClient) -> None:
    draft = {"title": "后勤育人故事", "category": "outstanding_person", "story": "三十年坚守食堂一线。"}
    draft |= {"university_id": kt.UNI_A, "year": 2026}
    r = client.post(f"{API}/cases", json=draft, headers=PROVINCE)
    assert r.status_code == 201, r.text
    case = r.json()
    assert client.post(f"{API}/cases", json=draft, headers=UNI_A_ADMIN).status_code == 403
    assert client.post(f"{API}/cases", json={**draft, "university_id": 999}, headers=PROVINCE).status_code == 422
    assert client.post(f"{API}/cases", json={**draft, "category": "other"}, headers=PROVINCE).status_code == 422
    assert client.get(f"{PUB}/cases").json() == {"items": []}
    url = f"{API}/cases/{case['id']}"
    assert (
        client.put(url, json={**draft, "published": True}, headers={**PROVINCE, "If-Match": 'W/"9"'}).status_code == 412
    )
    r = client.put(url, json={**draft, "published": True}, headers={**PROVINCE, "If-Match": r.headers["etag"]})
    assert r.status_code == 200 and r.json()["published_at"]
    [pub] = client.get(f"{PUB}/cases").json()["items"]
    assert pub == {
        "id": case["id"],
        "title": "后勤育人故事",
        "category": "outstanding_person",
        "story": "三十年坚守食堂一线。",
        "university": "甲大学",
        "year": 2026,
        "photos": [],
    }
    assert client.get(f"{PUB}/cases/{case['id']}/photos/1").status_code == 404
    assert client.get(f"{API}/cases", headers=UNI_A_ADMIN).status_code == 403
    assert client.delete(url, headers=PROVINCE).status_code == 204
    assert client.get(f"{PUB}/cases").json() == {"items": []}


def test_pilots_are_public_by_name_and_year(client: TestClient) -> None:
    r = client.get(f"{PUB}/pilots")
    assert r.status_code == 200 and r.json() == {"items": []}


def test_a_published_cases_photos_are_public_and_a_drafts_are_not(client: TestClient, app, tmp_path) -> None:
    from urllib.parse import quote

    from sanquan_kernel.storage import FilesystemStorage, samples

    app.state.kernel.extras["storage"] = FilesystemStorage(tmp_path / "files", "evaluation")
    try:
        body = {"title": "出彩后勤人", "category": "outstanding_person", "story": "事迹。", "university_id": kt.UNI_B}
        case = client.post(f"{API}/cases", json={**body, "year": 2026}, headers=PROVINCE).json()
        # a university admin may not add photos to the province's case
        r = client.post(f"{API}/attachments?filename={quote('照片.png')}", content=samples.png(), headers=UNI_A_ADMIN)
        assert r.status_code == 201, r.text
        theirs = r.json()["id"]
        r = client.post(f"{API}/cases/{case['id']}/attachments", json={"attachment_ids": [theirs]}, headers=UNI_A_ADMIN)
        assert r.status_code == 404
        up = client.post(f"{API}/attachments?filename={quote('食堂.png')}", content=samples.png(), headers=PROVINCE)
        assert up.status_code == 201, up.text
        r = client.post(
            f"{API}/cases/{case['id']}/attachments", json={"attachment_ids": [up.json()["id"]]}, headers=PROVINCE
        )
        assert r.status_code in (200, 201), r.text
        photo = f"{PUB}/cases/{case['id']}/photos/1"
        assert client.get(photo).status_code == 404  # a draft's photo is not public
        etag = client.get(f"{API}/cases/{case['id']}", headers=PROVINCE).headers["etag"]
        r = client.put(
            f"{API}/cases/{case['id']}",
            json={**body, "year": 2026, "published": True},
            headers={**PROVINCE, "If-Match": etag},
        )
        assert r.status_code == 200 and r.json()["photo_count"] == 1
        [pub] = client.get(f"{PUB}/cases").json()["items"]
        assert pub["photos"] == [photo]  # by number: the attachment's id stays internal
        assert set(pub) == {"id", "title", "category", "story", "university", "year", "photos"}
        r = client.get(photo)
        assert r.status_code == 200 and r.headers["content-type"] == "image/png"
        assert client.get(f"{PUB}/cases/{case['id']}/photos/2").status_code == 404
    finally:
        app.state.kernel.extras.pop("storage", None)
