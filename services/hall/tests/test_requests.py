"""Requests (S1): report, follow, work on, rate; scoped (A3: another student's or university's request is not
found), anonymous to staff, idempotent, versioned."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from hall_helpers import configure, report, student, teacher

from hall.requests.schemas import RequestDetail, RequestPage
from sanquan_kernel import clock
from sanquan_kernel import testing as kt
from sanquan_kernel.storage import samples


def test_a_report_is_numbered_routed_and_timed(client: TestClient) -> None:
    ids = configure(client)
    r = report(client, place_id=ids["room"])
    assert r["number"].startswith("BX") and r["number"].endswith(f"-{r['id']:06d}")
    assert (r["status"], r["department_id"], r["place_name"]) == ("new", kt.DEPT_A1, "3-201")
    assert r["accept_due_at"] < r["resolve_due_at"]
    assert [e["kind"] for e in r["events"]] == ["created"]


def test_the_same_idempotency_key_stores_one_request(client: TestClient) -> None:
    configure(client)
    body = {"category": "utilities", "description": "宿舍没有热水了"}
    headers = {**student(), "Idempotency-Key": "k-1"}
    first = client.post("/api/hall/requests", json=body, headers=headers)
    again = client.post("/api/hall/requests", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    other = client.post("/api/hall/requests", json=body, headers={**student(9), "Idempotency-Key": "k-1"})
    assert other.status_code == 201 and other.json()["id"] != first.json()["id"]
    assert len(client.get("/api/hall/requests", headers=student()).json()["items"]) == 1


def test_bad_input_stores_nothing(client: TestClient) -> None:
    configure(client)
    for body in (
        {"category": "repair_dorm", "description": "短"},
        {"category": "nonsense", "description": "宿舍没有热水了"},
        {"category": "repair_dorm", "description": "宿舍没有热水了", "anonymous": True},
        {"category": "repair_dorm", "description": "宿舍没有热水了", "place_id": 999999},
    ):
        assert client.post("/api/hall/requests", json=body, headers=student()).status_code == 422, body
    assert client.get("/api/hall/requests", headers=student()).json()["items"] == []


def test_attachment_ids_out_of_range_are_a_422_on_every_body_that_carries_them(client: TestClient) -> None:
    """make fuzz: 0, a negative or a 64-bit id in ``attachment_ids`` of a report, an answer or more information
    reached the kernel's ``AttachBody`` inside the service and answered 500."""
    configure(client)
    r = report(client)
    path = f"/api/hall/requests/{r['id']}"
    for ids in ([0], [-1001], [2**31], [10209839555724808, 5]):
        body = {"category": "repair_dorm", "description": "宿舍没有热水了", "attachment_ids": ids}
        assert client.post("/api/hall/requests", json=body, headers=student()).status_code == 422, ids
        assert (
            client.post(f"{path}/info", json={"text": "补充", "attachment_ids": ids}, headers=student()).status_code
            == 422
        )
        answer = {"text": "已处理好了", "attachment_ids": ids}
        assert client.post(f"{path}/answer", json=answer, headers=kt.staff()).status_code == 422, ids
    assert len(client.get("/api/hall/requests", headers=student()).json()["items"]) == 1


def test_only_students_and_teachers_report(client: TestClient) -> None:
    configure(client)
    body = {"category": "praise", "description": "食堂阿姨服务很好"}
    assert client.post("/api/hall/requests", json=body, headers=teacher()).status_code == 201
    for who in (kt.staff(), kt.university_admin(), kt.province_admin(), kt.expert()):
        assert client.post("/api/hall/requests", json=body, headers=who).status_code == 403


def test_an_anonymous_complaint_never_names_its_requester_to_staff(client: TestClient) -> None:
    configure(client)
    r = report(client, category="complaint", description="宿管态度不好，希望改进", anonymous=True)
    mine = client.get(f"/api/hall/requests/{r['id']}", headers=student()).json()
    assert mine["requester"]["id"] == 7 and mine["mine"] is True
    for who in (kt.staff(), kt.department_manager(), kt.university_admin(), kt.province_admin(), kt.inspector()):
        detail = client.get(f"/api/hall/requests/{r['id']}", headers=who)
        assert detail.status_code == 200, detail.text
        assert detail.json()["requester"] is None
        assert "张三" not in detail.text
        listed = client.get("/api/hall/requests", headers=who)
        assert "张三" not in listed.text and all(i["requester"] is None for i in listed.json()["items"])
    named = report(client, category="complaint", description="宿管态度不好，希望改进")
    shown = client.get(f"/api/hall/requests/{named['id']}", headers=kt.staff()).json()
    assert shown["requester"] == {"id": 7, "kind": "student", "name": "张三"}


def test_another_student_or_university_or_department_does_not_find_it(client: TestClient) -> None:
    configure(client)
    r = report(client)
    path = f"/api/hall/requests/{r['id']}"
    for who in (
        student(8),
        student(7, uni=kt.UNI_B),
        kt.university_admin(kt.UNI_B),
        kt.staff(402, kt.DEPT_B1, kt.UNI_B),
        kt.staff(401, kt.DEPT_A2),
        kt.department_manager(kt.DEPT_A2),
    ):
        assert client.get(path, headers=who).status_code == 404
        assert client.get("/api/hall/requests", headers=who).json()["items"] == []
    assert client.post(f"{path}/accept", headers=kt.staff(401, kt.DEPT_A2)).status_code == 404
    assert client.post(f"{path}/withdraw", headers=student(8)).status_code == 404
    assert client.get(path, headers=kt.expert()).status_code == 403


def test_a_broken_tap_is_accepted_answered_closed_and_rated(client: TestClient) -> None:
    ids = configure(client)
    r = report(client, place_id=ids["room"])
    path = f"/api/hall/requests/{r['id']}"
    accepted = client.post(f"{path}/accept", headers=kt.staff())
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["status"], accepted.json()["assignee_id"]) == ("accepted", 400)
    assert client.post(f"{path}/rate", json={"score": 5}, headers=student()).status_code == 409
    info = client.post(f"{path}/info", json={"text": "是卫生间的水龙头"}, headers=student())
    assert info.status_code == 200
    answered = client.post(f"{path}/answer", json={"text": "已更换新的水龙头"}, headers=kt.staff())
    assert answered.json()["status"] == "answered" and answered.json()["answer"] == "已更换新的水龙头"
    closed = client.post(f"{path}/close", headers=kt.staff())
    assert closed.json()["status"] == "closed"
    assert client.post(f"{path}/rate", json={"score": 5, "comment": "很快"}, headers=kt.staff()).status_code == 403
    rated = client.post(f"{path}/rate", json={"score": 5, "comment": "很快"}, headers=student())
    assert rated.status_code == 200 and rated.json()["score"] == 5
    assert client.post(f"{path}/rate", json={"score": 1}, headers=student()).status_code == 409
    kinds = [e["kind"] for e in rated.json()["events"]]
    assert kinds == ["created", "accepted", "info_added", "answered", "closed", "rated"]
    assert all(e["actor"] in ("requester", "staff") for e in rated.json()["events"])


def test_staff_work_only_on_what_is_theirs_or_nobody_s(client: TestClient) -> None:
    configure(client)
    r = report(client)
    path = f"/api/hall/requests/{r['id']}"
    assert client.post(f"{path}/assign", json={"user_id": 400}, headers=kt.staff()).status_code == 403
    assigned = client.post(f"{path}/assign", json={"user_id": 400}, headers=kt.department_manager())
    assert assigned.status_code == 200 and assigned.json()["assignee_id"] == 400
    # 499 is inactive, 401 of another department
    for user in (499, 401, 402):
        r2 = client.post(f"{path}/assign", json={"user_id": user}, headers=kt.department_manager())
        assert r2.status_code == 422, user
    other_staff = kt.auth(
        kt.token("staff", sub=410, org_id=kt.DEPT_A1, university_id=kt.UNI_A, department_id=kt.DEPT_A1)
    )
    assert client.post(f"{path}/answer", json={"text": "已处理好了"}, headers=other_staff).status_code == 403


def test_a_transfer_goes_to_another_department_of_the_same_university(client: TestClient) -> None:
    configure(client)
    r = report(client)
    path = f"/api/hall/requests/{r['id']}"
    bad = client.post(
        f"{path}/transfer", json={"department_id": kt.DEPT_B1, "reason": "不归我们"}, headers=kt.department_manager()
    )
    assert bad.status_code == 422
    assert (
        client.post(
            f"{path}/transfer", json={"department_id": kt.DEPT_A2, "reason": "不归我们"}, headers=kt.staff()
        ).status_code
        == 403
    )
    moved = client.post(
        f"{path}/transfer",
        json={"department_id": kt.DEPT_A2, "reason": "属于公寓中心"},
        headers=kt.department_manager(),
    )
    assert moved.status_code == 200 and moved.json()["department_id"] == kt.DEPT_A2
    assert client.get(path, headers=kt.department_manager()).status_code == 404  # no longer their queue
    assert client.get(path, headers=kt.staff(401, kt.DEPT_A2)).status_code == 200


def test_a_stale_version_changes_nothing(client: TestClient) -> None:
    configure(client)
    r = report(client)
    stale = client.post(f"/api/hall/requests/{r['id']}/accept", headers={**kt.staff(), "If-Match": 'W/"9"'})
    assert stale.status_code == 412
    assert client.get(f"/api/hall/requests/{r['id']}", headers=kt.staff()).json()["status"] == "new"


def test_withdraw_only_while_new_and_reopen_only_within_seven_days(client: TestClient) -> None:
    configure(client)
    r = report(client)
    path = f"/api/hall/requests/{r['id']}"
    client.post(f"{path}/accept", headers=kt.staff())
    assert client.post(f"{path}/withdraw", headers=student()).status_code == 409
    client.post(f"{path}/close", headers=kt.staff())
    reopened = client.post(f"{path}/reopen", json={"reason": "又漏水了"}, headers=student())
    assert reopened.status_code == 200 and reopened.json()["status"] == "accepted"
    client.post(f"{path}/close", headers=kt.staff())
    with clock.frozen(datetime.now(UTC) + timedelta(days=8)):
        late = client.post(f"{path}/reopen", json={"reason": "又漏水了"}, headers=student())
    assert late.status_code == 409
    fresh = report(client)
    gone = client.post(f"/api/hall/requests/{fresh['id']}/withdraw", headers=student())
    assert gone.json()["status"] == "withdrawn"


def test_lists_are_scoped_filtered_and_paged_by_cursor(client: TestClient) -> None:
    configure(client)
    made = [report(client, description=f"第{i}个问题需要处理")["id"] for i in range(5)]
    report(client, who=student(8), category="canteen", description="食堂的饭菜有点凉")
    page1 = client.get("/api/hall/requests?limit=2", headers=student()).json()
    assert [i["id"] for i in page1["items"]] == made[::-1][:2] and page1["next_cursor"]
    page2 = client.get(f"/api/hall/requests?limit=2&cursor={page1['next_cursor']}", headers=student()).json()
    assert [i["id"] for i in page2["items"]] == made[::-1][2:4]
    queue = client.get("/api/hall/requests?sort=due&limit=3", headers=kt.staff()).json()
    dues = [i["resolve_due_at"] for i in queue["items"]]
    assert dues == sorted(dues) and queue["next_cursor"]
    rest = client.get(f"/api/hall/requests?sort=due&limit=10&cursor={queue['next_cursor']}", headers=kt.staff())
    assert len(rest.json()["items"]) == 3 and rest.json()["next_cursor"] is None
    assert len(client.get("/api/hall/requests?category=canteen", headers=kt.staff()).json()["items"]) == 1
    assert len(client.get("/api/hall/requests?q=第3个", headers=kt.university_admin()).json()["items"]) == 1
    assert client.get("/api/hall/requests?cursor=abc", headers=student()).status_code == 422


def test_a_student_attaches_photos_of_the_problem(client: TestClient) -> None:
    configure(client)
    up = client.post("/api/hall/attachments?filename=tap.png", content=samples.png(), headers=student())
    assert up.status_code == 201, up.text
    r = report(client, attachment_ids=[up.json()["id"]])
    assert [a["id"] for a in r["attachments"]] == [up.json()["id"]]
    content = client.get(f"/api/hall/attachments/{up.json()['id']}/content", headers=kt.staff())
    assert content.status_code == 200
    assert client.get(f"/api/hall/attachments/{up.json()['id']}", headers=student(8)).status_code == 404
    integration = kt.integration(scope="training:read")
    assert client.get(f"/api/hall/attachments/{up.json()['id']}", headers=integration).status_code == 403
    # another student cannot attach someone else's upload
    up2 = client.post("/api/hall/attachments?filename=x.png", content=samples.png(), headers=student())
    stolen = client.post(
        "/api/hall/requests",
        json={"category": "repair_dorm", "description": "我也来报修一下", "attachment_ids": [up2.json()["id"]]},
        headers=student(8),
    )
    assert stolen.status_code == 422


def test_attaching_to_a_request_is_refused_by_role_before_scope(client: TestClient) -> None:
    """A role that may not change a request's files is refused (403) whatever the request — in or out of its scope,
    as every other operation of the hall; the requester of another university's request, a student, gets 404."""
    configure(client)
    r = report(client)
    body = {"attachment_ids": [987654]}
    url = f"/api/hall/requests/{r['id']}/attachments"
    expert_elsewhere = kt.expert(uni=kt.UNI_B)
    for who in (kt.expert(), expert_elsewhere, kt.integration(scope="training:read"), kt.inspector()):
        assert client.post(url, json=body, headers=who).status_code == 403
    assert client.post(url, json=body, headers=student(uni=kt.UNI_B)).status_code == 404
    assert client.get(f"/api/hall/requests/{r['id']}", headers=kt.province_admin()).json()["attachments"] == []


def test_a_students_photo_is_removed_by_the_student_only(client: TestClient) -> None:
    """The routed department sees the student's photo of the problem but cannot delete it (it is the student's
    evidence); the student can, while the request is open."""
    configure(client)
    up = client.post("/api/hall/attachments?filename=tap.png", content=samples.png(), headers=student()).json()
    report(client, attachment_ids=[up["id"]])
    url = f"/api/hall/attachments/{up['id']}"
    for who in (kt.staff(), kt.department_manager(), kt.university_admin()):
        assert client.delete(url, headers={**who, "If-Match": 'W/"1"'}).status_code == 403
    assert (
        client.delete(url, headers={**kt.staff(402, dept=kt.DEPT_B1, uni=kt.UNI_B), "If-Match": 'W/"1"'}).status_code
        == 404
    )
    assert client.get(url, headers=kt.staff()).status_code == 200
    assert client.delete(url, headers={**student(), "If-Match": 'W/"1"'}).status_code == 204
    assert client.get(url, headers=kt.staff()).status_code == 404


def test_answers_built_as_plain_data_are_their_documented_models(client: TestClient) -> None:
    """A request's answers are built as plain data (issue #20: no models per answer): each equals its documented
    model's dump, with its ETag — a new request (its one timeline entry and its files known without reading them),
    the same key again, a detail with a photo, a change, a page of the list."""
    ids = configure(client)
    up = client.post("/api/hall/attachments?filename=tap.png", content=samples.png(), headers=student()).json()
    body = {"category": "repair_dorm", "description": "宿舍水龙头坏了", "place_id": ids["room"]}
    key = {**student(), "Idempotency-Key": "shape-1"}
    made = client.post("/api/hall/requests", json={**body, "attachment_ids": [up["id"]]}, headers=key)
    again = client.post("/api/hall/requests", json={**body, "attachment_ids": [up["id"]]}, headers=key)
    rid = made.json()["id"]
    answers = [
        made,
        again,
        client.post("/api/hall/requests", json={**body, "place_id": None}, headers=student()),
        client.get(f"/api/hall/requests/{rid}", headers=student()),
        client.get(f"/api/hall/requests/{rid}", headers=kt.staff()),
        client.post(f"/api/hall/requests/{rid}/accept", headers=kt.staff()),
    ]
    assert [a.status_code for a in answers] == [201, 200, 201, 200, 200, 200]
    for a in answers:
        assert RequestDetail.model_validate(a.json()).model_dump(mode="json") == a.json()
        assert a.headers["ETag"] == f'W/"{a.json()["version"]}"'
    assert again.json() == {**made.json(), "breached": again.json()["breached"]}
    first = made.json()
    assert (first["place_name"], [f["id"] for f in first["attachments"]]) == ("3-201", [up["id"]])
    assert [(e["kind"], e["actor"], e["actor_id"]) for e in first["events"]] == [("created", "requester", None)]
    assert answers[3].json()["events"] == first["events"]
    page = client.get("/api/hall/requests?limit=1", headers=kt.staff())
    assert RequestPage.model_validate(page.json()).model_dump(mode="json") == page.json()
    assert page.json()["next_cursor"] and page.json()["items"][0]["requester"] == {
        "id": 7,
        "kind": "student",
        "name": "张三",
    }


def test_every_filter_of_the_list_selects_its_requests(client: TestClient) -> None:
    """The list's statement is built once per shape, every value a parameter: each filter still selects its rows,
    for the university, its staff's queue and the province."""
    ids = configure(client)
    a = report(client, place_id=ids["room"], description="楼道的灯不亮了")
    b = report(client, who=student(8), category="canteen", description="食堂的饭菜有点凉")
    assert client.post(f"/api/hall/requests/{b['id']}/accept", headers=kt.staff()).status_code == 200
    other = report(client, who=student(7, uni=kt.UNI_B), description="别的大学的问题")

    def found(query: str, who: dict[str, str] | None = None) -> set[int]:
        r = client.get(f"/api/hall/requests?{query}", headers=who or kt.university_admin())
        assert r.status_code == 200, r.text
        return {i["id"] for i in r.json()["items"]}

    both, today = {a["id"], b["id"]}, clock.today()
    assert found("") == both and found("", kt.staff()) == both
    assert found(f"place_id={ids['room']}") == {a["id"]} and found(f"place_id={ids['building']}") == set()
    assert found("category=canteen") == {b["id"]} == found("assignee_id=400")
    assert found("status=accepted") == {b["id"]} and found("status=new&status=accepted") == both
    assert found(f"department_id={kt.DEPT_A1}") == both and found(f"department_id={kt.DEPT_A2}") == set()
    assert found("unrouted=true") == set() and found("unrouted=false") == both
    assert found("breached=false") == both and found("breached=true") == set()
    assert found(f"created_from={today}&created_to={today}") == both
    assert (
        found(f"created_to={today - timedelta(days=1)}") == set() == found(f"created_from={today + timedelta(days=1)}")
    )
    assert found("q=灯不亮") == {a["id"]} == found(f"q={a['number']}") and found("q=100%25") == set()
    assert found("sort=due&status=new&status=accepted", kt.staff()) == both
    assert found(f"university_id={kt.UNI_A}", kt.province_admin()) == both
    assert found(f"university_id={kt.UNI_B}", kt.province_admin()) == {other["id"]}
    assert found(f"university_id={kt.UNI_B}") == set()  # the university's own scope still applies
    with clock.frozen(clock.now() + timedelta(days=30)):  # both promises missed a month later
        assert found("breached=true") == both and found("breached=true&category=canteen") == {b["id"]}
