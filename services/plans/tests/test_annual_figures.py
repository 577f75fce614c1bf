"""GET /api/plans/annual-figures (issue #19, Y3): what the annual summaries and the province's report take from plans
— completion by task category, overdue milestones and rectifications per university of a year."""

from __future__ import annotations

from fastapi.testclient import TestClient

from sanquan_kernel import testing as kt
from sanquan_kernel.clock import today

from .conftest import Api

URL = "/api/plans/annual-figures"


def _item(doc: dict, uni: int) -> dict:
    return next(i for i in doc["items"] if i["university_id"] == uni)


def test_completion_by_category_and_overdue_milestones_per_university(client: TestClient, api: Api) -> None:
    year = today().year
    _, tasks = api.approved_plan(year=year)  # two service tasks, each with an overdue and a later milestone
    other = api.create_plan(kt.UNI_B, year)
    api.add_task(other["id"], kt.UNI_B, kt.DEPT_B1, category="culture", milestones=[("启动", 10)])
    first = tasks[0]["milestones"][0]
    r = client.post(
        f"/api/plans/tasks/{tasks[0]['id']}/progress",
        headers=kt.department_manager(kt.DEPT_A1),
        json={"milestone_id": first["id"], "status": "done", "percent": 100},
    )
    assert r.status_code == 201, r.text

    body = client.get(URL, params={"year": year}, headers=kt.province_admin()).json()
    a, b = _item(body, kt.UNI_A), _item(body, kt.UNI_B)
    assert a["plan_status"] == "approved"
    assert a["categories"] == [
        {"category": "service", "tasks": 2, "tasks_done": 0, "milestones": 4, "milestones_done": 1, "completion": 0.25}
    ]
    assert (a["milestones"], a["milestones_done"], a["milestones_overdue"], a["completion"]) == (4, 1, 1, 0.25)
    assert a["rectifications"] == 0
    assert b["plan_status"] == "draft" and b["categories"][0]["category"] == "culture"
    assert b["milestones_overdue"] == 0
    # one university; another year has none
    one = client.get(URL, params={"year": year, "university_id": kt.UNI_B}, headers=kt.inspector()).json()
    assert [i["university_id"] for i in one["items"]] == [kt.UNI_B]
    assert client.get(URL, params={"year": year - 5}, headers=kt.province_admin()).json()["items"] == []
    # the evaluation service reads it with plans:indicators; universities and departments do not
    assert client.get(URL, params={"year": year}, headers=kt.service()).status_code == 200
    assert client.get(URL, params={"year": year}, headers=kt.university_admin()).status_code == 403
    assert client.get(URL, params={"year": year}, headers=kt.department_manager()).status_code == 403
    assert client.get(URL, headers=kt.province_admin()).status_code == 422
