"""Writes that are never lost or doubled, against the real processes through the gateway (CONTRACT.md, #8):
concurrent duplicate pushes and two imports of the same file at once."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from sanquan_kernel import clock
from tests.harness import Stack


def _integration_token(stack: Stack) -> str:
    with stack.client("u1_admin") as c:
        org = c.get("/api/auth/me").json()["org_id"]
        client = c.post(
            "/api/clients",
            json={"name": f"HR {time.time_ns()}", "org_id": org, "scopes": ["training:read", "training:write"]},
        ).json()
    return stack.client_token(client["client_id"], client["client_secret"])


def _ledger_hours(stack: Stack, staff_id: int, year: int) -> float:
    with stack.client("u1_admin") as c:
        return float(c.get(f"/api/training/staff/{staff_id}/ledger", params={"year": year}).json()["hours"])


def test_concurrent_duplicate_pushes_store_one_record(stack: Stack) -> None:
    token = _integration_token(stack)
    with stack.client("u1_admin") as c:
        staff = c.get("/api/training/staff", params={"limit": 1}).json()["items"][0]
    year = clock.today().year
    before = _ledger_hours(stack, staff["id"], year)
    body = {
        "employee_no": staff["employee_no"],
        "title": "消防演练",
        "taken_on": f"{year}-01-15",
        "hours": 3.5,
        "days": 0.5,
        "themes": ["safety"],
        "organizer_level": "university",
        "external_id": f"dup-{time.time_ns()}",
    }

    def push(_: int) -> httpx.Response:
        return httpx.post(
            f"{stack.url}/api/training/records", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=60
        )

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(push, range(16)))
    codes = sorted(r.status_code for r in answers)
    assert codes.count(201) == 1 and codes.count(200) == 15, codes
    assert len({r.json()["id"] for r in answers}) == 1
    assert _ledger_hours(stack, staff["id"], year) == before + 3.5


def test_two_imports_of_the_same_file_at_once_count_it_once(stack: Stack) -> None:
    year = clock.today().year
    with stack.client("u1_admin") as c:
        staff = c.get("/api/training/staff", params={"limit": 5}).json()["items"]
    before = sum(_ledger_hours(stack, s["id"], year) for s in staff)
    tag = time.time_ns()
    lines = ["employee_no,title,taken_on,hours,days,themes,organizer_level,external_id"]
    for i, s in enumerate(staff):
        lines.append(f"{s['employee_no']},宪法学习,{year}-02-0{i + 1},2,0,law;ideals,department,imp-{tag}-{i}")
    content = ("\n".join(lines) + "\n").encode()
    token = stack.token("u1_admin")

    def upload(_: int) -> httpx.Response:
        return httpx.post(
            f"{stack.url}/api/training/records/import",
            params={"dry_run": "false"},
            files={"file": ("records.csv", content, "text/csv")},
            headers={"Authorization": f"Bearer {token}"},
            timeout=120,
        )

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(upload, range(2)))
    assert all(r.status_code in (200, 201, 409) for r in answers), [r.text for r in answers]
    after = sum(_ledger_hours(stack, s["id"], year) for s in staff)
    assert after == before + 2 * len(staff)
