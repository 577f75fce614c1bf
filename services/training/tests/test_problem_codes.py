"""Issue #17: a refused record names its field and a stable code the SPA translates (not only English words)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from sanquan_kernel import testing as kt


def test_an_unknown_employee_number_and_an_empty_title_carry_codes(client: TestClient, api) -> None:
    body = {"employee_no": "NO-SUCH", "title": "安全", "taken_on": "2025-05-01", "hours": 4, "days": 0}
    body |= {"themes": ["safety"], "organizer_level": "university"}
    r = client.post("/api/training/records", json=body, headers=kt.university_admin())
    assert r.status_code == 422 and r.json()["code"] == "invalid"
    [e] = r.json()["errors"]
    assert (e["field"], e["code"], e["msg"]) == ("employee_no", "unknown_staff", "unknown staff member")
    r = client.post("/api/training/records", json=body | {"title": "", "themes": []}, headers=kt.university_admin())
    codes = {e["field"]: (e["code"], e["params"]) for e in r.json()["errors"]}
    assert codes == {"title": ("string_too_short", {"min_length": 1}), "themes": ("too_short", codes["themes"][1])}
    assert codes["themes"][1]["min_length"] == 1
