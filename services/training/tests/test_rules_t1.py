"""T1, the annual minimum, each rule as its own test: 90 hours OR 12 days per calendar year, the province's rule of
that year, only approved and undeleted training counting."""

from __future__ import annotations

from fastapi.testclient import TestClient

from sanquan_kernel import testing as kt


def test_exactly_ninety_hours_is_compliant(api) -> None:
    s = api.staff("T001")
    api.record(s["id"], hours=45, days=0.5)
    api.record(s["id"], hours=45, days=0.5)
    led = api.ledger(s["id"])
    assert led["hours"] == 90.0 and led["compliant"] is True


def test_eighty_nine_point_nine_hours_and_eleven_point_nine_days_is_not_compliant(api) -> None:
    s = api.staff("T002")
    api.record(s["id"], hours=89.9, days=11.9)
    led = api.ledger(s["id"])
    assert (led["hours"], led["days"], led["compliant"]) == (89.9, 11.9, False)


def test_twelve_days_is_compliant_with_only_ten_hours(api) -> None:
    s = api.staff("T003")
    api.record(s["id"], hours=10, days=12)
    assert api.ledger(s["id"])["compliant"] is True


def test_many_small_amounts_add_up_exactly(api) -> None:
    s = api.staff("T004")
    for _ in range(9):
        api.record(s["id"], hours=9.99, days=0)
    api.record(s["id"], hours=0.09, days=0)
    led = api.ledger(s["id"])
    assert led["hours"] == 90.0 and led["compliant"] is True


def test_a_record_on_31_december_counts_for_that_year_only(api) -> None:
    s = api.staff("T005")
    api.record(s["id"], hours=90, days=0, taken_on="2024-12-31")
    assert api.ledger(s["id"], 2024)["compliant"] is True
    assert api.ledger(s["id"], 2025)["hours"] == 0.0
    assert api.ledger(s["id"], 2025)["compliant"] is False


def test_a_changed_rule_for_a_later_year_does_not_change_an_earlier_year(client: TestClient, api) -> None:
    s = api.staff("T006")
    api.record(s["id"], hours=90, days=0, taken_on="2024-06-01")
    api.record(s["id"], hours=90, days=0, taken_on="2025-06-01")
    r = client.put("/api/training/rules/2025", json={"min_hours": 100, "min_days": 14}, headers=kt.province_admin())
    assert r.status_code == 200, r.text
    assert api.ledger(s["id"], 2024)["compliant"] is True
    assert client.get("/api/training/rules/2024", headers=kt.province_admin()).json()["min_hours"] == 90
    assert api.ledger(s["id"], 2025)["compliant"] is False


def test_the_default_rule_is_ninety_hours_or_twelve_days(client: TestClient) -> None:
    r = client.get("/api/training/rules/2030", headers=kt.university_admin())
    assert r.json() == {
        "year": 2030,
        "min_hours": 90.0,
        "min_days": 12.0,
        "is_default": True,
        "version": 0,
        "updated_at": None,
    }


def test_only_a_province_admin_sets_the_rule(client: TestClient) -> None:
    body = {"min_hours": 80, "min_days": 10}
    for headers in (kt.university_admin(), kt.department_manager(), kt.integration(), kt.staff()):
        assert client.put("/api/training/rules/2025", json=body, headers=headers).status_code == 403
    assert client.put("/api/training/rules/2025", json=body, headers=kt.province_admin()).status_code == 200


def test_a_stale_if_match_on_a_rule_is_refused(client: TestClient) -> None:
    h = kt.province_admin()
    first = client.put("/api/training/rules/2025", json={"min_hours": 80, "min_days": 10}, headers=h)
    etag = first.headers["etag"]
    client.put("/api/training/rules/2025", json={"min_hours": 85, "min_days": 10}, headers=h)
    r = client.put("/api/training/rules/2025", json={"min_hours": 70, "min_days": 10}, headers={**h, "If-Match": etag})
    assert r.status_code == 412


def test_pending_and_rejected_self_reports_count_for_nothing(client: TestClient, api) -> None:
    s = api.staff("T007", account_id=400)
    me = kt.staff(400)
    body = {
        "title": "校外消防培训",
        "taken_on": "2025-03-01",
        "hours": 90,
        "days": 12,
        "themes": ["safety"],
        "organizer_level": "external",
    }
    pending = client.post("/api/training/self-reports", json=body, headers=me)
    assert pending.status_code == 201, pending.text
    rejected = client.post("/api/training/self-reports", json=body, headers=me).json()
    r = client.post(
        f"/api/training/self-reports/{rejected['id']}/reject",
        json={"reason": "无证明材料"},
        headers=kt.department_manager(),
    )
    assert r.status_code == 200 and r.json()["status"] == "rejected"
    led = api.ledger(s["id"])
    assert (led["hours"], led["days"], led["compliant"], led["records"]) == (0.0, 0.0, False, [])


def test_an_approved_self_report_counts(client: TestClient, api) -> None:
    s = api.staff("T008", account_id=401)
    body = {
        "title": "校外培训",
        "taken_on": "2025-03-01",
        "hours": 90,
        "days": 0,
        "themes": ["law"],
        "organizer_level": "external",
    }
    rep = client.post("/api/training/self-reports", json=body, headers=kt.staff(401)).json()
    r = client.post(f"/api/training/self-reports/{rep['id']}/approve", headers=kt.department_manager())
    assert r.status_code == 200, r.text
    assert r.json()["record_id"] is not None
    led = api.ledger(s["id"])
    assert led["compliant"] is True and led["records"][0]["source"] == "self_report"


def test_a_deleted_record_stops_counting(client: TestClient, api) -> None:
    s = api.staff("T009")
    rec = api.record(s["id"], hours=90, days=0)
    assert api.ledger(s["id"])["compliant"] is True
    assert client.delete(f"/api/training/records/{rec['id']}", headers=kt.university_admin()).status_code == 204
    led = api.ledger(s["id"])
    assert (led["hours"], led["compliant"], led["records"]) == (0.0, False, [])


def test_a_record_dated_in_the_future_is_refused(api) -> None:
    s = api.staff("T010")
    r = api.record(s["id"], taken_on="2999-01-01", expect=422)
    assert r["errors"][0]["loc"][-1] == "taken_on"


def test_hours_and_days_cannot_both_be_zero_nor_negative(api) -> None:
    s = api.staff("T011")
    api.record(s["id"], hours=0, days=0, expect=422)
    api.record(s["id"], hours=-1, days=1, expect=422)
    api.record(s["id"], hours=1.234, days=0, expect=422)


def test_a_record_needs_at_least_one_known_theme(api) -> None:
    s = api.staff("T012")
    api.record(s["id"], themes=[], expect=422)
    api.record(s["id"], themes=["cooking"], expect=422)
