"""The services' authorization matrix (``tests/authz_matrix.py``) against the real processes with the demo province:
every operation × every role × own / sibling department / other university / province records, through the gateway
and, for the foreign targets, at each service directly. A write the caller may not make changes nothing: the
records the matrix aims at are read back by the province administrator before and after.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlencode

import httpx

from tests.authz_leaks import Tenancy, table_cells
from tests.authz_matrix import MATRIX, PUBLIC, Row
from tests.authz_requests import _uni_of, record_params, request, service_of
from tests.authz_world import World, ok
from tests.harness import SERVICES, Stack

METHODS = ("get", "post", "put", "patch", "delete")
#: University-1 callers whose reads are searched for other tenants' items.
TENANT_ROLES = ("expert", "university_admin", "department_manager", "staff", "integration", "student")


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


def _send(w: World, client: httpx.Client, row: Row, cell: str) -> httpx.Response:
    query = row.query(w, row.target) if row.query else None
    return request(
        w, client, row.method, row.path, row.target, probe=cell.startswith("p"), year=_year(w, row), query=query
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
        return tenancy.json_leaks(r.json(), department_level=not row.university_wide)
    return []


# -- read back ------------------------------------------------------------------------------------------------------
def _readback_urls(w: World) -> list[str]:
    tr, pl, ev, hall = "/api/training", "/api/plans", "/api/evaluation", "/api/hall"
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
        f"{pl}/supervision-visits?limit=500",
        f"{pl}/supervision-visits/{w.id('visit', 'province')}",
        f"{pl}/rectifications?limit=500",
        f"{hall}/requests?limit=200",
        f"{ev}/events?limit=500",
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
    for t in ("own", "other", "province"):
        urls += [f"{ev}/events/{w.id('event', t)}", f"{ev}/events/{w.id('event', t)}/attachments"]
    for t in ("own", "sibling", "peer", "other"):
        urls += [f"{hall}/requests/{w.id('hall_request', t)}", f"{hall}/attachments/{w.id('hall_attachment', t)}"]
    for t in ("own", "other"):
        uni = {"university_id": _uni_of(w, t)}
        urls += [f"{hall}/{what}?{urlencode(uni)}" for what in ("places", "routing", "promises")]
        urls += [
            f"{pl}/plans/{w.id('plan', t)}/tasks?limit=500",
            f"{pl}/plans/{w.id('spare_plan', t)}/tasks?limit=500",
            f"{pl}/change-requests/{w.id('change_request', t)}",
            f"{ev}/nominations/{w.id('reviewed_nomination', t)}/scores",
        ]
    return urls


def read_back(w: World) -> dict[str, Any]:
    admin = w.client("province_admin")
    out = {}
    for url in _readback_urls(w):
        r = admin.get(url)
        assert r.status_code == 200, f"read back {url}: {r.status_code} {r.text[:200]}"
        out[url] = r.json()
    return out


def _changes(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return [
        f"{url} changed:\n  before {str(before[url])[:600]}\n  after  {str(after[url])[:600]}"
        for url in before
        if before[url] != after[url]
    ]


def _not_problem_details(r: httpx.Response) -> str | None:
    """Why an error answer is not RFC 9457 problem details (its media type, ``status`` and ``title``), or None. The
    refusals are what the fuzz tests leave to the matrix for the roles refused an operation (tests/test_fuzz.py)."""
    if r.status_code < 400:
        return None
    ctype = r.headers.get("content-type", "")
    if not ctype.startswith("application/problem+json"):
        return f"{r.status_code} answered as {ctype or 'no content type'}, not problem+json"
    try:
        body = r.json()
    except ValueError:
        return f"{r.status_code} problem+json body is not JSON"
    if not isinstance(body, dict) or body.get("status") != r.status_code or not body.get("title"):
        return f"{r.status_code} problem body lacks status/title: {r.text[:160]}"
    return None


# -- the matrix -----------------------------------------------------------------------------------------------------
#: The cells are independent (reads, refusals and probes that change nothing): they run a few at a time.
WORKERS = 4


def _run(w: World, cells: list[tuple[Row, str, str]], base_of: Any, check_leaks: bool) -> tuple[list[str], list[str]]:
    def one(item: tuple[Row, str, str]) -> tuple[str | None, list[str]]:
        row, role, cell = item
        base = base_of(row)
        r = _send(w, w.client(role, base), row, cell)
        if r.status_code != int(cell.lstrip("p")):
            return (
                f"{role:18} {row.method:6} {base or ''}{row.path} target={row.target}: expected {cell}, got "
                f"{r.status_code} {r.text[:160]}",
                [],
            )
        if (why := _not_problem_details(r)) is not None:
            return f"{role:18} {row.method:6} {base or ''}{row.path} target={row.target}: {why}", []
        if check_leaks and role in TENANT_ROLES and row.method == "GET":
            return None, [f"{role} GET {r.request.url}: {leak}" for leak in _leaks(w, role, row, r)[:5]]
        return None, []

    with ThreadPoolExecutor(WORKERS) as pool:
        results = list(pool.map(one, cells))
    return [f for f, _ in results if f], [leak for _, found in results for leak in found]


def test_authorization_matrix(world: World) -> None:
    w = world
    before = read_back(w)
    cells = [(row, role, cell) for row in MATRIX for role, cell in row.expected().items() if cell != "-"]
    failures, leaks = _run(w, cells, lambda row: None, check_leaks=True)
    changes = _changes(before, read_back(w))
    assert len(cells) > 1500
    assert not failures, f"{len(failures)} cells differ:\n" + "\n".join(sorted(failures))
    assert not leaks, "other tenants' items:\n" + "\n".join(leaks)
    assert not changes, "the matrix changed records:\n" + "\n".join(changes)


def test_foreign_records_answer_the_same_at_the_services_directly(world: World) -> None:
    """The services verify tokens and scope themselves: the university-1 callers' rows aimed at a sibling
    department or another university answer the same without the gateway in front."""
    w = world
    before = read_back(w)
    roles = ("university_admin", "department_manager", "staff", "integration", "disabled", "student")
    cells = [
        (row, role, cell)
        for row in MATRIX
        if row.target in ("sibling", "other")
        for role, cell in row.expected().items()
        if role in roles and cell != "-"
    ]
    failures, _ = _run(w, cells, lambda row: w.stack.service_url(service_of(row.path)), check_leaks=False)
    assert len(cells) > 400
    assert not failures, "\n".join(sorted(failures))
    assert not _changes(before, read_back(w))


def test_an_expert_sees_only_the_nominations_assigned_to_them(world: World) -> None:
    w = world
    campaign = w.id("review_campaign", "province")
    with w.as_("expert") as c:
        assigned = {
            a["nomination_id"] for a in c.get("/api/evaluation/assignments", params={"limit": 500}).json()["items"]
        }
        seen = c.get(f"/api/evaluation/campaigns/{campaign}/nominations", params={"limit": 500}).json()["items"]
        export = table_cells(c.get(f"/api/evaluation/campaigns/{campaign}/nominations/export"))
        spare = c.get(f"/api/evaluation/campaigns/{w.id('campaign', 'province')}/nominations").json()["items"]
    assert seen and {n["id"] for n in seen} <= assigned
    assert all(n["university_id"] != w.orgs["uni_a"] for n in seen), "an expert reviews no nomination of their own"
    assert export is not None and {int(row[0]) for row in export[1:]} <= assigned
    assert spare == []


def test_a_deactivated_universitys_people_and_clients_are_refused_every_operation(world: World) -> None:
    """Issue #13: the tokens a deactivated university's people and integration client got while it was active answer
    401 to every operation, like the disabled column, through the gateway and at each service directly, and
    change nothing. The demo's fourth university is deactivated for the test and reactivated after it."""
    w = world
    callers = ("deactivated_admin", "deactivated_manager", "deactivated_client")
    with w.as_("province_admin") as admin:
        uni = ok(admin.get("/api/orgs", params={"level": "university", "q": "4141010004"}))["items"][0]
        w.tokens["deactivated_admin"] = w.stack.token("u4_admin")
        w.tokens["deactivated_manager"] = w.stack.token("u4_d1_mgr")
        with w.as_("deactivated_admin") as u4:
            client = ok(
                u4.post(
                    "/api/clients",
                    json={
                        "name": f"authz deactivated {time.time_ns()}",
                        "org_id": uni["id"],
                        "scopes": ["training:read"],
                    },
                ),
                201,
            )
        w.tokens["deactivated_client"] = w.stack.client_token(client["client_id"], client["client_secret"])
        for who in callers:
            assert w.client(who).get("/api/auth/me").status_code == 200, who
        before = read_back(w)
        try:
            ok(admin.patch(f"/api/orgs/{uni['id']}", json={"active": False}))
            # the services poll the gateway's deny list every 2 s
            probes = [
                w.stack.service_url(s) + p
                for s, p in (
                    ("plans", "/api/plans/plans"),
                    ("training", "/api/training/courses"),
                    ("evaluation", "/api/evaluation/campaigns"),
                    ("hall", "/api/hall/requests"),
                )
            ]
            deadline = time.time() + 10
            while time.time() < deadline and any(
                httpx.get(url, headers=w.headers(who)).status_code != 401 for url in probes for who in callers
            ):
                time.sleep(0.25)
            # the public pages (#19) take no identity at all: nobody's token is refused there, nor needed
            cells = [(row, who, "401") for row in MATRIX if not row.public for who in callers]
            failures, _ = _run(w, cells, lambda row: None, check_leaks=False)
            direct, _ = _run(w, cells, lambda row: w.stack.service_url(service_of(row.path)), check_leaks=False)
        finally:
            ok(admin.patch(f"/api/orgs/{uni['id']}", json={"active": True}))
    assert not failures + direct, f"{len(failures + direct)} cells differ:\n" + "\n".join(sorted(failures + direct))
    assert not _changes(before, read_back(w))


#: The inspector's evidence: uploads to plans (then attached to a finding).
EVIDENCE = ("/api/plans/attachments", "/findings/{finding_id}/attachments")
#: The province's publicity drafts (typical cases, the public fields of a campaign): what the public pages show once
#: published is public; the drafts are the province administrator's work.
PROVINCE_DRAFTS = ("/api/evaluation/cases", "/public-fields")
#: Reads that belong to a write (an import's template, an import job of the account that started it): not the
#: inspector's, as not the province's readers'.
WRITERS_READS = ("/import-template", "/import-jobs/")


def test_the_inspector_reads_what_the_province_reads_and_writes_only_supervision() -> None:
    """Issue #19, checked on the matrix itself (which the tests above run against the processes): every read the
    province makes, the inspector makes with the same answer; every write outside supervision is refused."""
    wrong = []
    for r in MATRIX:
        cells = r.expected()
        insp, prov = cells["inspector"], cells["province_admin"]
        if r.path.startswith("/api/public/"):
            continue  # the public's pages: no role at all
        if r.method == "GET":
            if insp != prov and not any(p in r.path for p in (*WRITERS_READS, *PROVINCE_DRAFTS)):
                wrong.append(f"GET {r.path} {r.target}: inspector {insp}, province {prov}")
        elif "/supervision-visits" in r.path or (
            r.path.endswith(("/close", "/return")) and "/rectifications/" in r.path
        ):
            if not insp.startswith("p"):
                wrong.append(f"{r.method} {r.path} {r.target}: the inspector's supervision write is {insp}")
        elif r.path.endswith(EVIDENCE):
            if not insp.startswith("p"):
                wrong.append(f"{r.method} {r.path} {r.target}: evidence is the inspector's to attach ({insp})")
        elif insp != "403":
            wrong.append(f"{r.method} {r.path} {r.target}: the inspector's write answers {insp}, not 403")
    assert not wrong, "\n".join(wrong)


def test_a_student_lists_only_the_requests_they_reported(world: World) -> None:
    """The hall (#20): the matrix's student reported the ``own`` and ``sibling`` requests; another student's of the
    same university (``peer``) and university 2's (``other``) are neither listed nor counted."""
    w = world
    with w.as_("student") as c:
        items = ok(c.get("/api/hall/requests", params={"limit": 200}))["items"]
    ids = {r["id"] for r in items}
    assert {w.id("hall_request", "own"), w.id("hall_request", "sibling")} <= ids
    assert not ids & {w.id("hall_request", "peer"), w.id("hall_request", "other")}
    assert all(r["university_id"] == w.orgs["uni_a"] for r in items)
