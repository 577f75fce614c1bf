"""Issue #14: rules the platform let users break — people of another university, dates outside the plan,
unknown universities answered as empty, a change request without its task answered 404."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi.testclient import TestClient

from sanquan_kernel import testing as kt
from sanquan_kernel.clock import today as local_today

H = kt.university_admin


def _task(dept: int = kt.DEPT_A1, **kw: object) -> dict:
    today = local_today()
    return {
        "category": "service",
        "title": "食堂育人窗口",
        "department_id": dept,
        "responsible_name": "张三",
        "start_on": str(today - timedelta(days=10)),
        "due_on": str(today + timedelta(days=60)),
        **kw,
    }


def _locs(r: object) -> list[list]:
    body = r.json()  # type: ignore[attr-defined]
    assert r.headers["content-type"].startswith("application/problem+json")  # type: ignore[attr-defined]
    return [e["loc"] for e in body["errors"]]


# -- 1. the responsible person belongs to the plan's university (and the task's department) ------------------
def test_a_responsible_person_of_another_university_is_refused(client: TestClient, api) -> None:
    plan = api.create_plan()
    url = f"/api/plans/plans/{plan['id']}/tasks"
    other = client.post(url, json=_task(responsible_user_id=200 + kt.UNI_B), headers=H())
    assert other.status_code == 422, other.text
    assert _locs(other) == [["body", "responsible_user_id"]]
    # a manager of another department, an inactive account, an unknown account, an expert
    for account in (300 + kt.DEPT_A2, 499, 987654, 500):
        r = client.post(url, json=_task(responsible_user_id=account), headers=H())
        assert r.status_code == 422 and _locs(r) == [["body", "responsible_user_id"]], (account, r.text)
    assert client.get(url, headers=H()).json()["total"] == 0  # nothing was written
    # the university's own people are accepted: its admin, the department's manager and staff
    for account in (200 + kt.UNI_A, 300 + kt.DEPT_A1, 400):
        assert client.post(url, json=_task(responsible_user_id=account), headers=H()).status_code == 201


def test_a_task_edit_or_change_request_cannot_name_a_person_of_another_university(client: TestClient, api) -> None:
    draft = api.create_plan(year=local_today().year + 1)
    task = api.add_task(draft["id"])
    r = client.patch(f"/api/plans/tasks/{task['id']}", json={"responsible_user_id": 402}, headers=H())
    assert r.status_code == 422 and _locs(r) == [["body", "responsible_user_id"]], r.text
    # moving the task to another department while its person is a manager of the first one
    r = client.patch(f"/api/plans/tasks/{task['id']}", json={"department_id": kt.DEPT_A2}, headers=H())
    assert r.status_code == 422 and _locs(r) == [["body", "responsible_user_id"]], r.text
    plan, (approved, _) = api.approved_plan()
    crs = f"/api/plans/plans/{plan['id']}/change-requests"
    r = client.post(
        crs,
        json={"kind": "update_task", "task_id": approved["id"], "changes": {"responsible_user_id": 402}, "reason": "x"},
        headers=H(),
    )
    assert r.status_code == 422 and _locs(r) == [["body", "changes", "responsible_user_id"]], r.text
    r = client.post(
        crs, json={"kind": "add_task", "changes": _task(responsible_user_id=402), "reason": "x"}, headers=H()
    )
    assert r.status_code == 422 and _locs(r) == [["body", "changes", "responsible_user_id"]], r.text
    assert client.get(crs, headers=H()).json()["total"] == 0


def test_a_person_letter_for_someone_of_another_university_is_refused(client: TestClient, api) -> None:
    plan = api.create_plan()
    r = client.post(
        f"/api/plans/plans/{plan['id']}/letters",
        json={"target": "person", "responsible_user_id": 402},
        headers=H(),
    )
    assert r.status_code == 422 and _locs(r) == [["body", "responsible_user_id"]], r.text


# -- 2. dates within the plan's years; milestones within their task ---------------------------------------------
def test_a_task_due_outside_the_plans_years_is_refused(client: TestClient, api) -> None:
    plan = api.create_plan(year=2028)
    url = f"/api/plans/plans/{plan['id']}/tasks"
    body = {**_task(), "start_on": None, "due_on": "2020-06-30"}
    r = client.post(url, json=body, headers=H())
    assert r.status_code == 422 and _locs(r) == [["body", "due_on"]], r.text
    r = client.post(url, json={**body, "due_on": "2030-01-01"}, headers=H())  # beyond 2028 + 1
    assert r.status_code == 422 and _locs(r) == [["body", "due_on"]], r.text
    r = client.post(url, json={**body, "start_on": "2026-12-31", "due_on": "2028-03-01"}, headers=H())
    assert r.status_code == 422 and _locs(r) == [["body", "start_on"]], r.text
    ok = client.post(url, json={**body, "start_on": "2027-10-01", "due_on": "2029-06-30"}, headers=H())
    assert ok.status_code == 201, ok.text
    r = client.patch(f"/api/plans/tasks/{ok.json()['id']}", json={"due_on": "2020-01-01"}, headers=H())
    assert r.status_code == 422 and ["body", "due_on"] in _locs(r), r.text


def test_a_milestone_after_its_task_is_refused(client: TestClient, api) -> None:
    plan = api.create_plan(year=2028)
    url = f"/api/plans/plans/{plan['id']}/tasks"
    late = {**_task(), "start_on": "2028-01-01", "due_on": "2028-06-30"}
    r = client.post(url, json={**late, "milestones": [{"title": "验收", "due_on": "2028-09-01"}]}, headers=H())
    assert r.status_code == 422 and _locs(r) == [["body", "milestones", 0, "due_on"]], r.text
    task = client.post(url, json={**late, "milestones": [{"title": "验收", "due_on": "2028-06-30"}]}, headers=H())
    assert task.status_code == 201, task.text
    tid, [m] = task.json()["id"], task.json()["milestones"]
    r = client.post(f"/api/plans/tasks/{tid}/milestones", json={"title": "晚", "due_on": "2028-07-01"}, headers=H())
    assert r.status_code == 422 and _locs(r) == [["body", "due_on"]], r.text
    r = client.patch(f"/api/plans/milestones/{m['id']}", json={"due_on": "2028-07-01"}, headers=H())
    assert r.status_code == 422 and _locs(r) == [["body", "due_on"]], r.text
    # the task cannot move its due date before its roadmap
    r = client.patch(f"/api/plans/tasks/{tid}", json={"due_on": "2028-05-01"}, headers=H())
    assert r.status_code == 422 and _locs(r) == [["body", "due_on"]], r.text
    assert client.get(f"/api/plans/tasks/{tid}", headers=H()).json()["due_on"] == "2028-06-30"


def test_change_requests_keep_the_dates_within_the_plan(client: TestClient, api) -> None:
    plan, (task, _) = api.approved_plan()
    crs = f"/api/plans/plans/{plan['id']}/change-requests"
    last_ms = max(m["due_on"] for m in task["milestones"])
    after_task = str(date.fromisoformat(task["due_on"]) + timedelta(days=1))
    for kind, changes, loc in (
        ("update_task", {"due_on": "2020-01-01"}, ["body", "changes", "due_on"]),
        (
            "update_task",
            {"due_on": str(date.fromisoformat(last_ms) - timedelta(days=1))},
            ["body", "changes", "due_on"],
        ),
        ("add_task", {**_task(), "due_on": "2099-01-01"}, ["body", "changes", "due_on"]),
    ):
        r = client.post(crs, json={"kind": kind, "task_id": task["id"], "changes": changes, "reason": "x"}, headers=H())
        assert r.status_code == 422 and loc in _locs(r), (changes, r.text)
    body = {
        "kind": "update_milestone",
        "task_id": task["id"],
        "milestone_id": task["milestones"][0]["id"],
        "changes": {"due_on": after_task},
        "reason": "x",
    }
    r = client.post(crs, json=body, headers=H())
    assert r.status_code == 422 and _locs(r) == [["body", "changes", "due_on"]], r.text
    assert client.get(crs, headers=H()).json()["total"] == 0


# -- 7. an unknown or out-of-scope university is 404 ----------------------------------------------------------------
def test_an_unknown_or_foreign_university_is_404_not_an_empty_dashboard(client: TestClient, api) -> None:
    p = kt.province_admin()
    r = client.get("/api/plans/dashboard?year=2026&university_id=999999", headers=p)
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json"), r.text
    assert client.get(f"/api/plans/dashboard?year=2026&university_id={kt.DEPT_A1}", headers=p).status_code == 404
    assert client.get(f"/api/plans/dashboard?year=2026&university_id={kt.UNI_A}", headers=p).status_code == 200
    # the same for every query that names a university or department
    for url in (
        "/api/plans/plans?university_id=999999",
        "/api/plans/funding-lines?university_id=999999",
        "/api/plans/work-study-posts?university_id=999999",
        "/api/plans/change-requests?university_id=999999",
        "/api/plans/indicators?year=2026&university_id=999999",
    ):
        assert client.get(url, headers=p).status_code == 404, url
    a = kt.university_admin(kt.UNI_A)
    for url in ("/api/plans/plans", "/api/plans/funding-lines", "/api/plans/work-study-posts"):
        assert client.get(f"{url}?university_id={kt.UNI_B}", headers=a).status_code == 404, url
        assert client.get(f"{url}?university_id={kt.UNI_A}", headers=a).status_code == 200, url
    plan = api.create_plan()
    tasks = f"/api/plans/plans/{plan['id']}/tasks"
    assert client.get(f"{tasks}?department_id={kt.DEPT_B1}", headers=a).status_code == 404
    assert (
        client.get(f"{tasks}?department_id={kt.DEPT_A2}", headers=kt.department_manager(kt.DEPT_A1)).status_code == 404
    )
    assert client.get(f"{tasks}?department_id={kt.DEPT_A1}", headers=a).status_code == 200


# -- 8. a change request that does not name its task is a 422 naming the field -------------------------------------
def test_a_change_request_without_its_task_names_the_missing_field(client: TestClient, api) -> None:
    plan, (task, _) = api.approved_plan()
    crs = f"/api/plans/plans/{plan['id']}/change-requests"
    r = client.post(crs, json={"kind": "update_milestone", "changes": {"title": "新"}, "reason": "x"}, headers=H())
    assert r.status_code == 422, r.text
    assert _locs(r) == [["body", "task_id"], ["body", "milestone_id"]]
    r = client.post(crs, json={"kind": "update_task", "changes": {"title": "新"}, "reason": "x"}, headers=H())
    assert r.status_code == 422 and _locs(r) == [["body", "task_id"]], r.text
    r = client.post(
        crs,
        json={"kind": "update_milestone", "task_id": task["id"], "changes": {"title": "新"}, "reason": "x"},
        headers=H(),
    )
    assert r.status_code == 422 and _locs(r) == [["body", "milestone_id"]], r.text


# -- 6. a PUT takes back what GET answered ---------------------------------------------------------------------------
def test_work_study_posts_go_back_as_they_were_read(client: TestClient) -> None:
    h = H()
    r = client.put("/api/plans/work-study-posts/2026", json={"total_posts": 100, "work_study_posts": 8}, headers=h)
    assert r.status_code == 201, r.text
    read = r.json()
    r = client.put(
        "/api/plans/work-study-posts/2026",
        json={**read, "work_study_posts": 12},
        headers={**h, "If-Match": r.headers["etag"]},
    )
    assert r.status_code == 200, r.text
    assert (r.json()["work_study_posts"], r.json()["ok"]) == (12, True)
    for field, value in (("year", 2025), ("university_id", kt.UNI_B)):
        wrong = client.put("/api/plans/work-study-posts/2026", json={**read, field: value}, headers=h)
        assert wrong.status_code == 422 and [e["loc"] for e in wrong.json()["errors"]] == [["body", field]]


# -- 9. a university created a moment ago is known at once ---------------------------------------------------------
def test_a_new_university_is_in_the_overview_at_once(client: TestClient, app) -> None:
    from sanquan_kernel.orgdir import Org

    orgs = app.state.kernel.orgdir
    before = orgs.all()
    new = Org(30, kt.PROVINCE, "university", 30, "丙学院", "4141010003", "undergraduate", "/1/30/")
    created: list[Org] = []
    # the gateway's answer to the service's refresh: the province has just created university 30
    orgs.set_refresher(lambda: orgs.replace([*before, *created]))
    try:
        created.append(new)
        p = kt.province_admin()
        overview = client.get("/api/plans/overview?year=2026", headers=p)
        assert overview.status_code == 200, overview.text
        assert 30 in {row["university_id"] for row in overview.json()["rows"]}
        assert client.get("/api/plans/dashboard?year=2026&university_id=30", headers=p).status_code == 200
    finally:
        orgs.replace(before)
        orgs._refresher = None


# -- neighbours: a null for a field that cannot be empty is a 422, not a database error ---------------------------
def test_a_null_for_a_required_field_is_refused(client: TestClient, api) -> None:
    draft = api.create_plan(year=local_today().year + 1)
    task = api.add_task(draft["id"], milestones=[("调研", 10)])
    for body in ({"due_on": None}, {"title": None}, {"department_id": None}):
        r = client.patch(f"/api/plans/tasks/{task['id']}", json=body, headers=H())
        assert r.status_code == 422, (body, r.text)
    assert client.patch(f"/api/plans/tasks/{task['id']}", json={"start_on": None}, headers=H()).status_code == 200
    m = task["milestones"][0]
    r = client.patch(f"/api/plans/milestones/{m['id']}", json={"due_on": None}, headers=H())
    assert r.status_code == 422, r.text
    plan, (approved, _) = api.approved_plan()
    r = client.post(
        f"/api/plans/plans/{plan['id']}/change-requests",
        json={"kind": "update_task", "task_id": approved["id"], "changes": {"due_on": None}, "reason": "x"},
        headers=H(),
    )
    assert r.status_code == 422, r.text
