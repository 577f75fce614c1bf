"""The task dialog's one save (issue #17): ``PATCH /tasks/{id}`` with ``milestones`` saves the task's fields and its
whole roadmap together under the task's If-Match, or nothing at all."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from plans.models import AuditEntry
from sanquan_kernel import testing as kt
from sanquan_kernel.clock import today as local_today

from .conftest import Api


def _day(days: int) -> str:
    return str(local_today() + timedelta(days=days))


def _patch(client: TestClient, task: dict, body: dict, *, uni: int = kt.UNI_A, version: int | None = None):
    headers = {**kt.university_admin(uni), "If-Match": f'W/"{version if version is not None else task["version"]}"'}
    return client.patch(f"/api/plans/tasks/{task['id']}", json=body, headers=headers)


def _task(client: TestClient, task_id: int) -> dict:
    r = client.get(f"/api/plans/tasks/{task_id}", headers=kt.university_admin(kt.UNI_A))
    assert r.status_code == 200, r.text
    return r.json()


def test_one_save_changes_the_task_and_keeps_changes_adds_and_drops_milestones(
    client: TestClient, api: Api, app: FastAPI
) -> None:
    plan = api.create_plan()
    task = api.add_task(plan["id"], milestones=[("启动", 10), ("中期", 20), ("验收", 40)])
    start, middle, end = task["milestones"]
    body = {
        "title": "食堂育人窗口（修订）",
        "milestones": [
            {"id": end["id"], "version": end["version"], "title": "验收", "due_on": end["due_on"]},
            {"id": start["id"], "version": start["version"], "title": "启动会", "due_on": _day(12)},
            {"title": "总结", "due_on": _day(50)},
        ],
    }
    r = _patch(client, task, body)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["title"] == "食堂育人窗口（修订）"
    assert [(m["seq"], m["title"]) for m in out["milestones"]] == [(1, "验收"), (2, "启动会"), (3, "总结")]
    assert middle["id"] not in [m["id"] for m in out["milestones"]]
    assert out["version"] > task["version"]
    assert r.headers["ETag"] == f'W/"{out["version"]}"'
    # the audit trail names each milestone's change as the single endpoints would
    with app.state.kernel.sessionmaker() as s:
        entries = s.scalars(select(AuditEntry).where(AuditEntry.entity == "milestone")).all()
        by_action = {(e.action, str(e.entity_id)) for e in entries}
    assert ("milestone.delete", str(middle["id"])) in by_action
    assert {a for a, _ in by_action} >= {"milestone.create", "milestone.update", "milestone.delete"}


def test_a_roadmap_change_alone_is_a_new_version_of_the_task(client: TestClient, api: Api) -> None:
    plan = api.create_plan()
    task = api.add_task(plan["id"], milestones=[("启动", 10)])
    (m,) = task["milestones"]
    r = _patch(
        client,
        task,
        {"milestones": [{"id": m["id"], "version": m["version"], "title": "启动会", "due_on": m["due_on"]}]},
    )
    assert r.status_code == 200, r.text
    assert r.json()["version"] == task["version"] + 1
    # an editor still holding the old version cannot drop the milestone it saw renamed
    r = _patch(client, task, {"milestones": []})
    assert r.status_code == 412
    assert [x["title"] for x in _task(client, task["id"])["milestones"]] == ["启动会"]


def test_a_stale_milestone_saves_nothing_not_even_the_task(client: TestClient, api: Api) -> None:
    plan = api.create_plan()
    task = api.add_task(plan["id"], milestones=[("启动", 10), ("验收", 40)])
    first, second = task["milestones"]
    # someone renames the second milestone on its own endpoint (the task's version stays)
    r = client.patch(
        f"/api/plans/milestones/{second['id']}",
        json={"title": "终期验收"},
        headers={**kt.university_admin(kt.UNI_A), "If-Match": f'W/"{second["version"]}"'},
    )
    assert r.status_code == 200, r.text
    body = {
        "title": "不应保存",
        "milestones": [
            {"id": first["id"], "version": first["version"], "title": "启动", "due_on": first["due_on"]},
            {"id": second["id"], "version": second["version"], "title": "验收", "due_on": second["due_on"]},
        ],
    }
    r = _patch(client, task, body)
    assert r.status_code == 412, r.text
    problem = r.json()
    assert problem["code"] == "stale_version"
    assert [e["loc"] for e in problem["errors"]] == [["body", "milestones", 1, "version"]]
    after = _task(client, task["id"])
    assert after["title"] == task["title"]
    assert [m["title"] for m in after["milestones"]] == ["启动", "终期验收"]


def test_a_milestone_of_another_task_or_university_is_not_taken_over(client: TestClient, api: Api) -> None:
    plan = api.create_plan()
    task = api.add_task(plan["id"], milestones=[("启动", 10)])
    other = api.add_task(plan["id"], milestones=[("别的", 10)])
    foreign_plan = api.create_plan(uni=kt.UNI_B)
    foreign = api.add_task(foreign_plan["id"], uni=kt.UNI_B, dept=kt.DEPT_B1, milestones=[("外校", 10)])
    for m in (other["milestones"][0], foreign["milestones"][0]):
        r = _patch(
            client,
            task,
            {"milestones": [{"id": m["id"], "version": m["version"], "title": "x", "due_on": m["due_on"]}]},
        )
        assert r.status_code == 412, r.text
    assert [m["title"] for m in _task(client, other["id"])["milestones"]] == ["别的"]
    assert [m["title"] for m in _task(client, task["id"])["milestones"]] == ["启动"]
    # another university's task itself is not there (A3)
    r = _patch(client, foreign, {"milestones": []})
    assert r.status_code == 404


def test_a_milestone_after_the_task_is_named_by_its_place_and_nothing_is_saved(client: TestClient, api: Api) -> None:
    plan = api.create_plan()
    task = api.add_task(plan["id"], due_in=60, milestones=[("启动", 10)])
    (m,) = task["milestones"]
    body = {
        "title": "不应保存",
        "milestones": [
            {"id": m["id"], "version": m["version"], "title": "启动", "due_on": m["due_on"]},
            {"title": "太晚", "due_on": _day(90)},
        ],
    }
    r = _patch(client, task, body)
    assert r.status_code == 422, r.text
    assert ["body", "milestones", 1, "due_on"] in [e["loc"] for e in r.json()["errors"]]
    after = _task(client, task["id"])
    assert after["title"] == task["title"] and [x["title"] for x in after["milestones"]] == ["启动"]


def test_id_without_version_is_malformed_and_an_approved_plan_refuses(client: TestClient, api: Api) -> None:
    plan = api.create_plan()
    task = api.add_task(plan["id"], milestones=[("启动", 10)])
    (m,) = task["milestones"]
    r = _patch(client, task, {"milestones": [{"id": m["id"], "title": "启动", "due_on": m["due_on"]}]})
    assert r.status_code == 422
    api.submit(plan["id"])
    r = _patch(client, task, {"milestones": []})
    assert r.status_code == 409
    assert len(_task(client, task["id"])["milestones"]) == 1
