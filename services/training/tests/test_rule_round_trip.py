"""Issue #14: ``PUT /rules/{year}`` takes back what ``GET`` answered (read, modify, write); a body of another year
is a 422 that names ``year``."""

from __future__ import annotations

from fastapi.testclient import TestClient

from sanquan_kernel import testing as kt


def test_the_rule_goes_back_as_it_was_read(client: TestClient) -> None:
    h = kt.province_admin()
    read = client.get("/api/training/rules/2027", headers=h)
    assert read.status_code == 200 and read.json()["is_default"] is True
    r = client.put("/api/training/rules/2027", json={**read.json(), "min_hours": 96}, headers=h)
    assert r.status_code == 200, r.text
    assert (r.json()["year"], r.json()["min_hours"], r.json()["is_default"]) == (2027, 96.0, False)
    # the exact body
    body = {"year": 2027, "min_hours": 100, "min_days": 14}
    r = client.put("/api/training/rules/2027", json=body, headers={**h, "If-Match": r.headers["etag"]})
    assert r.status_code == 200, r.text
    wrong = client.put("/api/training/rules/2028", json=body, headers=h)
    assert wrong.status_code == 422 and wrong.headers["content-type"].startswith("application/problem+json")
    assert [e["loc"] for e in wrong.json()["errors"]] == [["body", "year"]]
    assert client.get("/api/training/rules/2028", headers=h).json()["is_default"] is True  # nothing written
    unknown = client.put("/api/training/rules/2027", json={**body, "hours": 1}, headers=h)
    assert unknown.status_code == 422  # fields that are not the rule's stay refused
