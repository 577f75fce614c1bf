"""Figures (S1) and the assessment's indicators (E3): promise kept and satisfaction, null when not applicable."""

from __future__ import annotations

from fastapi.testclient import TestClient
from hall_helpers import configure, report, student

from sanquan_kernel import clock
from sanquan_kernel import testing as kt


def _close_and_rate(client: TestClient, request_id: int, score: int | None) -> None:
    path = f"/api/hall/requests/{request_id}"
    assert client.post(f"{path}/answer", json={"text": "已经处理完毕"}, headers=kt.staff()).status_code == 200
    assert client.post(f"{path}/close", headers=kt.staff()).status_code == 200
    if score is not None:
        assert client.post(f"{path}/rate", json={"score": score}, headers=student()).status_code == 200


def test_promise_kept_and_satisfaction_per_university(client: TestClient) -> None:
    ids = configure(client)
    a = report(client, place_id=ids["room"])
    b = report(client, place_id=ids["room"])
    report(client, place_id=ids["room"])  # still open: not counted in the rate
    _close_and_rate(client, a["id"], 5)
    _close_and_rate(client, b["id"], 2)
    stats = client.get("/api/hall/stats", headers=kt.university_admin())
    assert stats.status_code == 200, stats.text
    s = stats.json()
    assert (s["total"], s["closed"], s["promise_kept_rate"], s["satisfaction_mean"]) == (3, 2, 1.0, 3.5)
    assert s["recurring_places"] == [{"place_id": ids["room"], "name": "3-201", "category": "repair_dorm", "count": 3}]
    assert s["universities"] == []
    other = client.get("/api/hall/stats", headers=kt.university_admin(kt.UNI_B)).json()
    assert (other["total"], other["promise_kept_rate"], other["satisfaction_mean"]) == (0, None, None)
    province = client.get("/api/hall/stats", headers=kt.province_admin()).json()
    rows = {u["university_id"]: u for u in province["universities"]}
    assert rows[kt.UNI_A]["satisfaction_mean"] == 3.5 and rows[kt.UNI_A]["type"] == "undergraduate"
    assert rows[kt.UNI_B]["promise_kept_rate"] is None
    assert client.get("/api/hall/stats", headers=kt.staff()).status_code == 403
    assert (
        client.get(f"/api/hall/stats?university_id={kt.UNI_A}", headers=kt.university_admin(kt.UNI_B)).status_code
        == 404
    )
    year = clock.today().year
    ind = client.get(f"/api/hall/indicators?year={year}", headers=kt.service(scope="hall:indicators"))
    assert ind.status_code == 200, ind.text
    assert ind.json()["items"] == [
        {
            "university_id": kt.UNI_A,
            "requests": 3,
            "closed": 2,
            "promise_kept_rate": 1.0,
            "rated": 2,
            "satisfaction_mean": 3.5,
        }
    ]
    assert client.get(f"/api/hall/indicators?year={year}", headers=kt.service()).status_code == 403
    assert client.get(f"/api/hall/indicators?year={year}", headers=kt.university_admin()).status_code == 403
