"""Authorization across every endpoint of every service, read from their OpenAPI documents, against the real
processes with the demo province. An endpoint added to a service is swept automatically.

- anonymous and a disabled account get 401 on every operation (only the public API description is open);
- no list, search, report or export of university 1's administrator, department manager or staff member holds an
  item of another university;
- a detail path naming another university's record answers 404 (or 403), never 2xx, for university 1's roles.
"""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.harness import KEPT_ALIVE, SERVICES, Stack

METHODS = ("get", "post", "put", "patch", "delete")
PUBLIC = {"/api/plans/openapi.json", "/api/training/openapi.json", "/api/evaluation/openapi.json"}
#: The public pages (#19): anonymous by design, the gateway forwards no identity there (their own rows in the matrix).
PUBLIC_PREFIX = "/api/public/"
PARAM = re.compile(r"\{[^}]+\}")
#: Lists that are public to every signed-in user by design (E1/E2: final results are published province-wide).
PUBLIC_LISTS = {"/api/evaluation/pilots": "pilot universities are published results"}


def operations(stack: Stack) -> list[tuple[str, str, dict[str, Any]]]:
    ops = []
    for service in SERVICES:
        doc = httpx.get(f"{stack.url}/api/{service}/openapi.json", timeout=60).json()
        for path, item in doc["paths"].items():
            for method, op in item.items():
                if method in METHODS:
                    ops.append((method.upper(), path, op))
    return ops


def _fill(path: str) -> str:
    return PARAM.sub("1", path)


def _query_for(op: dict[str, Any]) -> dict[str, Any]:
    """Required query parameters with plausible values (so a request is not refused for its shape first)."""
    q: dict[str, Any] = {}
    for p in op.get("parameters", []):
        if p.get("in") == "query" and p.get("required"):
            schema = p.get("schema", {})
            q[p["name"]] = (
                time.localtime().tm_year if p["name"] == "year" else (1 if schema.get("type") == "integer" else "x")
            )
    return q


#: The sweeps' requests are independent refusals: sent a few at a time on kept-alive connections (a new client per
#: request cost a TLS context and a connection each: 132 s for 232 requests at load 40).
WORKERS = 4


def _sweep(requests: list[tuple[str, str, str]], headers: dict[str, str]) -> list[tuple[str, str, str, int]]:
    """Each (method, base URL, path) sent with its path parameters filled and an empty JSON body for writes:
    (method, base, path, status) of every answer, in order."""
    clients = {
        base: httpx.Client(base_url=base, headers=headers, timeout=60, limits=KEPT_ALIVE) for _, base, _ in requests
    }

    def one(item: tuple[str, str, str]) -> tuple[str, str, str, int]:
        method, base, path = item
        body = {} if method in ("POST", "PUT", "PATCH") else None
        return method, base, path, clients[base].request(method, _fill(path), json=body).status_code

    try:
        with ThreadPoolExecutor(WORKERS) as pool:
            return list(pool.map(one, requests))
    finally:
        for c in clients.values():
            c.close()


def _guarded(ops: list[tuple[str, str, dict[str, Any]]]) -> list[tuple[str, str]]:
    """The operations that take an identity (all but the API descriptions and the public pages)."""
    return [(m, p) for m, p, _ in ops if p not in PUBLIC and not p.startswith(PUBLIC_PREFIX)]


def test_every_service_operation_refuses_anonymous_callers(stack: Stack) -> None:
    ops = operations(stack)
    assert len(ops) > 30
    answers = _sweep([(m, stack.url, p) for m, p in _guarded(ops)], {})
    failures = [f"{method} {path}: {status}" for method, _, path, status in answers if status != 401]
    assert not failures, "\n".join(failures)


def test_every_service_operation_refuses_a_disabled_account(stack: Stack) -> None:
    with stack.client("admin") as admin:
        uni = admin.get("/api/orgs", params={"level": "university"}).json()["items"][0]
        name = f"gone{time.time_ns()}"
        user = admin.post(
            "/api/users",
            json={
                "username": name,
                "password": "Passw0rd-gone1",
                "must_change_password": False,
                "display_name": "停用",
                "role": "university_admin",
                "org_id": uni["id"],
            },
        ).json()
        tok = stack.token(name, "Passw0rd-gone1")
        assert admin.patch(f"/api/users/{user['id']}", json={"active": False}).status_code == 200
    time.sleep(3)  # services poll the deny list every 2 s
    requests = [
        (method, base, path)
        for method, path in _guarded(operations(stack))
        for base in (stack.url, stack.service_url(path.split("/")[2]))
    ]
    answers = _sweep(requests, {"Authorization": f"Bearer {tok}"})
    failures = [f"{method} {base}{path}: {status}" for method, base, path, status in answers if status != 401]
    assert not failures, "\n".join(failures)


def _university_ids(body: Any) -> set[int]:
    """Every ``university_id`` anywhere in a JSON document."""
    found: set[int] = set()
    if isinstance(body, dict):
        for k, v in body.items():
            if k == "university_id" and isinstance(v, int):
                found.add(v)
            else:
                found |= _university_ids(v)
    elif isinstance(body, list):
        for v in body:
            found |= _university_ids(v)
    return found


@pytest.mark.parametrize("username", ["u1_admin", "u1_d1_mgr", "u1_d1_staff1"])
def test_no_list_report_or_export_of_university_1_holds_another_universitys_items(stack: Stack, username: str) -> None:
    with stack.client("admin") as admin:
        uni1 = next(
            u
            for u in admin.get("/api/orgs", params={"level": "university"}).json()["items"]
            if u["code"] == "4141010001"
        )
    checked = 0
    leaks = []
    with stack.client(username) as c:
        for method, path, op in operations(stack):
            if method != "GET" or PARAM.search(path) or path in PUBLIC or path in PUBLIC_LISTS:
                continue
            r = c.get(path, params=_query_for(op))
            if r.status_code != 200 or not r.headers.get("content-type", "").startswith("application/json"):
                continue
            checked += 1
            foreign = _university_ids(r.json()) - {uni1["id"]}
            if foreign:
                leaks.append(f"{path}: university ids {sorted(foreign)}")
    assert checked >= 5, f"only {checked} list endpoints answered {username}"
    assert not leaks, "\n".join(leaks)


def test_detail_paths_never_show_university_1_another_universitys_record(stack: Stack) -> None:
    with stack.client("admin") as admin:
        unis = {u["code"]: u["id"] for u in admin.get("/api/orgs", params={"level": "university"}).json()["items"]}
        uni1 = unis["4141010001"]
        # For each detail path /collection/{id}[/...], find records of other universities in the collection.
        targets: list[tuple[str, str]] = []
        for method, path, _ in operations(stack):
            m = re.fullmatch(r"(/api/[^{}]+)/\{[^}]+\}(/[^{}]*)?", path)
            if method != "GET" or not m:
                continue
            collection = admin.get(m.group(1), params={"limit": 500})
            if collection.status_code != 200:
                continue
            body = collection.json()
            items = body.get("items", []) if isinstance(body, dict) else []
            foreign = [
                i for i in items if isinstance(i, dict) and i.get("university_id") not in (None, uni1) and "id" in i
            ]
            if foreign:
                targets.append((path, str(foreign[0]["id"])))
    assert len(targets) >= 3, targets
    failures = []
    for username in ("u1_admin", "u1_d1_mgr", "u1_d1_staff1"):
        with stack.client(username) as c:
            for path, ident in targets:
                url = PARAM.sub(ident, path, count=1)
                r = c.get(url)
                if r.status_code < 300 or r.status_code not in (403, 404):
                    failures.append(f"{username} GET {url}: {r.status_code}")
    assert not failures, "\n".join(failures)


def test_the_inspector_reads_every_list_report_and_export_the_province_reads(stack: Stack) -> None:
    """Issue #19: every list, report and export the province administrator may read (every GET without a path
    parameter), the inspector (督导) reads too, with the same answer; its writes are the matrix's rows."""
    differ = []
    checked = 0
    with stack.client("admin") as admin, stack.client("inspector1") as inspector:
        for method, path, op in operations(stack):
            if method != "GET" or PARAM.search(path) or path in PUBLIC or path.startswith("/api/public/"):
                continue
            if path.endswith(("/import-template",)) and "/records/" not in path:
                continue  # a template belongs to an import the inspector does not make
            if path == "/api/evaluation/cases":
                continue  # the province's publicity drafts (typical cases): its administrator's work
            params = _query_for(op)
            a, i = admin.get(path, params=params), inspector.get(path, params=params)
            if a.status_code == 200:
                checked += 1
            if a.status_code != i.status_code:
                differ.append(f"GET {path}: province {a.status_code}, inspector {i.status_code} {i.text[:120]}")
    assert checked >= 20, checked
    assert not differ, "\n".join(differ)
