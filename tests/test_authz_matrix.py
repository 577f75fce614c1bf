"""The services' authorization matrix (``tests/authz_matrix.py``) against the real processes with the demo province:
every operation × every role × own / sibling department / other university / province records, through the gateway
and, for the foreign targets, at each service directly. A write the caller may not make changes nothing: the
records the matrix aims at are read back by the province administrator before and after.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.authz_leaks import Tenancy, table_cells
from tests.authz_matrix import MATRIX, PUBLIC, Row
from tests.authz_requests import record_params, request, service_of
from tests.authz_world import ROLES, World, build_world
from tests.harness import SERVICES, Stack

METHODS = ("get", "post", "put", "patch", "delete")
#: University-1 callers whose reads are searched for other tenants' items.
TENANT_ROLES = ("expert", "university_admin", "department_manager", "staff", "integration")


@pytest.fixture(scope="session")
def world(stack: Stack) -> Iterator[World]:
    w = build_world(stack)
    # the services poll the gateway's deny list every 2 s: let them learn that the disabled account is off
    time.sleep(max(0.0, 3.0 - (time.monotonic() - w.ids[("disabled_since", "own")])))
    yield w
    w.http.close()


def operations(stack: Stack) -> set[tuple[str, str]]:
    ops = set()
    for service in SERVICES:
        doc = httpx.get(f"{stack.url}/api/{service}/openapi.json", timeout=30).json()
        for path, item in doc["paths"].items():
            ops |= {(m.upper(), path) for m in item if m in METHODS}
    return ops


def test_every_service_operation_has_rows_in_the_matrix(stack: Stack) -> None:
    ops = operations(stack)
    covered = {(r.method, r.path) for r in MATRIX}
    missing = sorted(ops - covered - PUBLIC)
    assert not missing, f"operations without rows in tests/authz_matrix.py: {missing}"
    stale = sorted(covered - ops)
    assert not stale, f"rows for operations the services no longer have: {stale}"
    for r in MATRIX:  # a path that names a record is filled from a target
        assert r.target is not None or not record_params(r.path), r


def _year(w: World, row: Row) -> int | None:
    return w.year if row.year == "demo" else None


def _send(w: World, client: httpx.Client, row: Row, cell: str, base: str | None = None) -> httpx.Response:
    query = row.query(w, row.target) if row.query else None
    return request(
        w, client, row.method, row.path, row.target, probe=cell.startswith("p"), year=_year(w, row), query=query, base=base
    )


def _leaks(w: World, role: str, row: Row, r: httpx.Response) -> list[str]:
    if row.public or r.status_code != 200:
        return []
    tenancy = Tenancy(w, role)
    if role == "expert" and service_of(row.path) == "evaluation":
        return []  # an expert reviews other universities' nominations by design (checked against assignments below)
    cells = table_cells(r)
    if cells is not None:
        return tenancy.cell_leaks(cells)
    if r.headers.get("content-type", "").startswith("application/json"):
        return tenancy.json_leaks(r.json())
    return []


# -- read back ------------------------------------------------------------------------------------------------------
def _readback_urls(w: World) -> list[str]:
    tr, pl, ev = "/api/training", "/api/plans", "/api/evaluation"
    urls = [
        f"{tr}/rules/{w.year}",
        f"{tr}/records?limit=1",
        f"{tr}/staff?limit=1",
        f"{tr}/self-reports?limit=500",
        f"{tr}/courses?limit=500",
        f"{pl}/plans?limit=500",
        f"{pl}/letters?limit=500",
        f"{pl}/funding-lines?limit=500",
        f"{pl}/work-study-posts?limit=500",
        f"{ev}/campaigns?limit=500",
        f"{ev}/campaign-types",
        f"{ev}/campaigns/{w.id('campaign', 'province')}/rubric",
        f"{ev}/campaigns/{w.id('campaign', 'province')}/nominations?limit=500",
        f"{ev}/campaigns/{w.id('review_campaign', 'province')}/nominations?limit=500",
        f"{ev}/campaigns/{w.id('review_campaign', 'province')}/assignments?limit=500",
        f"{ev}/campaigns/{w.id('review_campaign', 'province')}/experts",
        f"{ev}/campaigns/{w.id('review_campaign', 'province')}/conflicts?limit=500",
        f"{ev}/assessment/frameworks/{w.spare_year}",
        f"{ev}/assessment/{w.spare_year}/self-reports?limit=500",
        f"{ev}/assessment/{w.year}/scorecards",
    ]
    for t in ("own", "sibling", "other"):
        staff = w.id("staff", t)
        urls += [
            f"{tr}/staff/{staff}",
            f"{tr}/staff/{staff}/ledger?year={w.year}",
            f"{tr}/records/{w.id('record', t)}",
            f"{tr}/self-reports/{w.id('self_report', t)}",
            f"{pl}/tasks/{w.id('task', t)}",
            f"{pl}/tasks/{w.id('task', t)}/progress?limit=500",
            f"{pl}/letters/{w.id('letter', t)}",
            f"{ev}/nominations/{w.id('nomination', t)}",
        ]
    for t in ("own", "sibling", "other", "province"):
        urls += [f"{tr}/courses/{w.id('course', t)}", f"{tr}/courses/{w.id('course', t)}/enrolments"]
    for t in ("own", "other"):
        urls += [
            f"{pl}/plans/{w.id('plan', t)}/tasks?limit=500",
            f"{pl}/plans/{w.id('spare_plan', t)}/tasks?limit=500",
            f"{pl}/change-requests/{w.id('change_request', t)}",
            f"{ev}/nominations/{w.id('reviewed_nomination', t)}/scores",
        ]
    return urls


def read_back(w: World) -> dict[str, Any]:
    with w.as_("province_admin") as admin:
        out = {}
        for url in _readback_urls(w):
            r = admin.get(url)
            assert r.status_code == 200, f"read back {url}: {r.status_code} {r.text[:200]}"
            out[url] = r.json()
        return out


def _changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [f"{url} changed:\n  before {str(before[url])[:600]}\n  after  {str(after[url])[:600]}" for url in before if before[url] != after[url]]


# -- the matrix -----------------------------------------------------------------------------------------------------
def test_authorization_matrix(world: World) -> None:
    w = world
    before = read_back(w)
    failures: list[str] = []
    leaks: list[str] = []
    sent = 0
    clients = {role: httpx.Client(base_url=w.stack.url, headers=w.headers(role), timeout=60) for role in ROLES}
    try:
        for row in MATRIX:
            for role, cell in row.expected().items():
                if cell == "-":
                    continue
                r = _send(w, clients[role], row, cell)
                sent += 1
                expected = int(cell.lstrip("p"))
                if r.status_code != expected:
                    failures.append(
                        f"{role:18} {row.method:6} {row.path} target={row.target}: expected {cell}, got "
                        f"{r.status_code} {r.text[:160]}"
                    )
                elif role in TENANT_ROLES and row.method == "GET":
                    leaks += [f"{role} GET {r.request.url}: {leak}" for leak in _leaks(w, role, row, r)[:5]]
    finally:
        for c in clients.values():
            c.close()
    changes = _changes(before, read_back(w))
    assert sent > 1500
    assert not failures, f"{len(failures)} cells differ:\n" + "\n".join(failures)
    assert not leaks, "other tenants' items:\n" + "\n".join(leaks)
    assert not changes, "the matrix changed records:\n" + "\n".join(changes)


def test_foreign_records_answer_the_same_at_the_services_directly(world: World) -> None:
    """The services verify tokens and scope themselves: the rows aimed at a sibling department, another university
    or the province answer the same without the gateway in front."""
    w = world
    before = read_back(w)
    failures = []
    sent = 0
    clients = {role: httpx.Client(headers=w.headers(role), timeout=60) for role in ROLES}
    try:
        for row in MATRIX:
            if row.target not in ("sibling", "other", "province"):
                continue
            base = w.stack.service_url(service_of(row.path))
            for role, cell in row.expected().items():
                if cell == "-" or role == "anonymous":
                    continue
                r = _send(w, clients[role], row, cell, base=base)
                sent += 1
                if r.status_code != int(cell.lstrip("p")):
                    failures.append(
                        f"{role:18} {row.method:6} {base}{row.path} target={row.target}: {cell} != {r.status_code}"
                    )
    finally:
        for c in clients.values():
            c.close()
    assert sent > 500
    assert not failures, "\n".join(failures)
    assert not _changes(before, read_back(w))


def test_an_expert_sees_only_the_nominations_assigned_to_them(world: World) -> None:
    w = world
    campaign = w.id("review_campaign", "province")
    with w.as_("expert") as c:
        assigned = {a["nomination_id"] for a in c.get("/api/evaluation/assignments", params={"limit": 500}).json()["items"]}
        seen = c.get(f"/api/evaluation/campaigns/{campaign}/nominations", params={"limit": 500}).json()["items"]
        export = table_cells(c.get(f"/api/evaluation/campaigns/{campaign}/nominations/export"))
        spare = c.get(f"/api/evaluation/campaigns/{w.id('campaign', 'province')}/nominations").json()["items"]
    assert seen and {n["id"] for n in seen} <= assigned
    assert all(n["university_id"] != w.orgs["uni_a"] for n in seen), "an expert reviews no nomination of their own"
    assert export is not None and {int(row[0]) for row in export[1:]} <= assigned
    assert spare == []
