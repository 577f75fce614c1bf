"""Authorization attacks beyond the matrix, against the real processes with the demo province (OWASP API Top 10):

- API1/API5: method swaps on list and detail paths, province-only actions by a university admin, guessed admin and
  internal paths, forged identity headers, odd ids and repeated filters;
- API3 (mass assignment): fields a role may not set — its own role, another organisation or university, states,
  scores, ids, authors — are refused or ignored, never applied: each is read back by an authorised user;
- integration clients: a client of university 1 reads and writes nothing of university 2 and nothing outside its
  scopes.
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import httpx

from sanquan_kernel import clock
from tests.authz_leaks import Tenancy, table_cells
from tests.authz_world import World, client_token

TR, PL, EV = "/api/training", "/api/plans", "/api/evaluation"


def _get(w: World, who: str, url: str, **params: Any) -> Any:
    with w.as_(who) as c:
        r = c.get(url, params=params or None)
        assert r.status_code == 200, f"{who} GET {url}: {r.status_code} {r.text[:200]}"
        return r.json()


# -- API1/API5: method swaps, province-only actions, guessed paths --------------------------------------------------
def test_method_swaps_on_lists_and_details_change_nothing(world: World) -> None:
    w = world
    lists = [
        f"{TR}/records",
        f"{TR}/staff",
        f"{TR}/self-reports",
        f"{TR}/courses",
        f"{TR}/compliance",
        f"{PL}/plans",
        f"{PL}/funding-lines",
        f"{PL}/letters",
        f"{PL}/work-study-posts",
        f"{EV}/campaigns",
        f"{EV}/pilots",
        f"{EV}/assignments",
    ]
    # each detail path with methods it does not have
    details = [
        (f"{TR}/staff/{w.id('staff', 'own')}", ("PUT", "PATCH", "POST", "DELETE")),
        (f"{TR}/records/{w.id('record', 'own')}", ("PUT", "POST")),
        (f"{TR}/self-reports/{w.id('self_report', 'own')}", ("PUT", "PATCH", "POST", "DELETE")),
        (f"{TR}/courses/{w.id('course', 'own')}", ("PUT", "PATCH", "POST", "DELETE")),
        (f"{TR}/rules/{w.year}", ("POST", "PATCH", "DELETE")),
        (f"{PL}/plans/{w.id('plan', 'own')}/approve", ("GET", "PUT", "DELETE")),
        (f"{PL}/letters/{w.id('letter', 'own')}", ("PUT", "PATCH", "POST", "DELETE")),
        (f"{EV}/campaigns/{w.id('campaign', 'province')}", ("PUT", "POST", "DELETE")),
        (f"{EV}/nominations/{w.id('nomination', 'own')}", ("PUT", "POST", "DELETE")),
        (f"{EV}/assessment/frameworks/{w.spare_year}", ("POST", "PATCH", "DELETE")),
    ]
    totals = {u: _get(w, "province_admin", u, limit=1)["total"] for u in lists if u != f"{TR}/compliance"}
    records = _get(w, "province_admin", f"{TR}/staff/{w.id('staff', 'own')}/ledger", year=w.year)
    failures = []
    body = {"title": "x", "status": "approved", "min_hours": 0, "min_days": 0, "university_id": w.orgs["uni_b"]}
    for who in ("staff", "department_manager", "university_admin", "integration", "expert"):
        with w.as_(who) as c:
            calls = [(m, u) for u in lists for m in ("PUT", "PATCH", "DELETE")]
            calls += [(m, u) for u, methods in details for m in methods]
            for method, url in calls:
                r = c.request(method, url, json=body)
                if r.status_code != 405:
                    failures.append(f"{who} {method} {url}: {r.status_code} {r.text[:120]}")
    assert not failures, "\n".join(failures)
    assert {u: _get(w, "province_admin", u, limit=1)["total"] for u in totals} == totals
    assert _get(w, "province_admin", f"{TR}/staff/{w.id('staff', 'own')}/ledger", year=w.year) == records


def test_a_university_admin_cannot_take_the_provinces_actions(world: World) -> None:
    """Approve plans, publish campaigns, set the training rule or the indicators: 403 through the gateway and at
    each service directly, with valid bodies, and nothing changes."""
    w = world
    review = w.id("review_campaign", "province")
    actions = [
        ("POST", f"{PL}/plans/{w.id('plan', 'own')}/approve", {"comment": "自己批准"}),
        ("POST", f"{PL}/plans/{w.id('plan', 'own')}/return", {"comment": "退回"}),
        ("POST", f"{PL}/change-requests/{w.id('change_request', 'own')}/approve", {"comment": "自己批准"}),
        ("PUT", f"{TR}/rules/{w.year}", {"min_hours": 1, "min_days": 1}),
        ("POST", f"{EV}/campaigns/{review}/decision", {}),
        (
            "POST",
            f"{EV}/campaigns/{review}/publish",
            {"publicity_starts_on": str(clock.today()), "publicity_ends_on": str(clock.today() + timedelta(days=7))},
        ),
        ("POST", f"{EV}/campaigns/{review}/advance", {"to": "decision"}),
        (
            "PUT",
            f"{EV}/assessment/frameworks/{w.spare_year}",
            {"indicators": [{"code": "x", "name": "自定指标", "metric": "self_reported", "target": 0, "weight": 1}]},
        ),
        ("POST", f"{EV}/assessment/{w.year}/scorecards/compute", None),
        ("POST", f"{EV}/assessment/{w.year}/publish", None),
        ("POST", f"{EV}/assessment/self-reports/{w.id('assessment_report', 'own')}/verify", {"accepted": True}),
        (
            "POST",
            f"{EV}/campaigns",
            {"type": "pilot", "year": w.spare_year, "title": "自办评选", "quota_per_university": 9, "awards_count": 9},
        ),
        ("GET", f"{EV}/campaigns/{review}/ranking", None),
        ("GET", f"{PL}/overview/export", None),
        ("GET", f"{TR}/indicators", None),
    ]
    checks = [
        f"{PL}/plans/{w.id('plan', 'own')}",
        f"{PL}/change-requests/{w.id('change_request', 'own')}",
        f"{TR}/rules/{w.year}",
        f"{EV}/campaigns/{review}",
        f"{EV}/assessment/frameworks/{w.spare_year}",
        f"{EV}/assessment/{w.year}/scorecards",
        f"{EV}/assessment/{w.spare_year}/self-reports",
    ]
    before = {u: _get(w, "province_admin", u) for u in checks}
    campaigns = _get(w, "province_admin", f"{EV}/campaigns", limit=1)["total"]
    failures = []
    for base in (None, "direct"):
        for method, url, body in actions:
            root = w.stack.service_url(url.split("/")[2]) if base else w.stack.url
            r = w.client("university_admin", root).request(method, url, json=body)
            if r.status_code != 403:
                failures.append(f"{method} {root}{url}: {r.status_code} {r.text[:160]}")
    assert not failures, "\n".join(failures)
    assert {u: _get(w, "province_admin", u) for u in checks} == before
    assert _get(w, "province_admin", f"{EV}/campaigns", limit=1)["total"] == campaigns


def test_guessed_admin_and_internal_paths_are_not_found_or_refused(world: World) -> None:
    w = world
    guesses = [
        "/api/training/admin",
        "/api/training/admin/rules",
        "/api/training/internal/indicators",
        "/api/training/metrics",
        "/api/plans/internal/indicators",
        "/api/plans/internal/plans",
        "/api/plans/admin/plans",
        "/api/plans/plans/all",
        "/api/evaluation/internal/scorecards",
        "/api/evaluation/admin/campaigns",
        "/api/evaluation/audit/export",
        "/api/internal/orgs",
        "/api/admin",
        "/api/users/all",
        "/internal/orgs",
        "/internal/revocations",
        "/internal/users",
        "/api/training/%2e%2e/%2e%2e/internal/orgs",
        "/api/plans/%2e%2e/%2e%2e/internal/revocations",
    ]
    failures = []
    for who in ("anonymous", "staff", "department_manager", "university_admin", "integration", "expert"):
        c = w.client(who)
        for path in guesses:
            for method in ("GET", "POST"):
                r = c.request(method, path, json={})
                html = r.headers.get("content-type", "").startswith("text/html")  # the SPA's page, no data
                if r.status_code not in (401, 403, 404, 405, 422) and not (r.status_code == 200 and html):
                    failures.append(f"{who} {method} {path}: {r.status_code} {r.text[:160]}")
    assert not failures, "\n".join(failures)


def test_forged_identity_headers_odd_ids_and_repeated_filters_widen_nothing(world: World) -> None:
    w = world
    forged = {
        "X-User-Id": str(w.accounts["admin"]),
        "X-User-Role": "province_admin",
        "X-Role": "province_admin",
        "X-University-Id": str(w.orgs["uni_b"]),
        "X-Org-Id": str(w.orgs["province"]),
        "X-Scope": "all",
        "X-Forwarded-User": "admin",
        "X-Service-Client": "svc-evaluation",
    }
    failures = []
    for who in ("staff", "department_manager", "university_admin", "integration"):
        tenancy = Tenancy(w, who)
        for base in (w.stack.url, None):
            for url in (f"{TR}/records", f"{TR}/staff", f"{PL}/plans", f"{TR}/self-reports"):
                root = base or w.stack.service_url(url.split("/")[2])
                c = w.client(who, root)
                plain = c.get(url, params={"limit": 500})
                spoofed = c.get(url, params={"limit": 500}, headers=forged)
                if plain.status_code != spoofed.status_code or (
                    plain.status_code == 200 and plain.json()["total"] != spoofed.json()["total"]
                ):
                    failures.append(f"{who} {root}{url}: forged headers changed the answer")
                if spoofed.status_code == 200:
                    failures += [f"{who} {url}: {leak}" for leak in tenancy.json_leaks(spoofed.json())[:3]]
    with w.as_("university_admin") as c:
        for odd in ("-1", "0", "1e3", "99999999999999999999", f"{w.id('record', 'other')}.json", "%20"):
            r = c.get(f"{TR}/records/{odd}")
            if r.status_code not in (404, 422):
                failures.append(f"GET records/{odd}: {r.status_code}")
        # a filter repeated with another university's id, and a page past the end, hold nothing of it
        for url, key in (
            (f"{PL}/plans", "university_id"),
            (f"{PL}/funding-lines", "university_id"),
            (f"{TR}/staff", "department_id"),
        ):
            own = w.orgs["uni_a"] if key == "university_id" else w.orgs["a1"]
            foreign = w.orgs["uni_b"] if key == "university_id" else w.orgs["b1"]
            r = c.get(f"{url}?{key}={own}&{key}={foreign}&limit=500")
            if r.status_code == 200:
                failures += [
                    f"{url} repeated {key}: {leak}" for leak in Tenancy(w, "university_admin").json_leaks(r.json())[:3]
                ]
            elif r.status_code not in (404, 422):  # 404: the foreign id is out of scope (#14), as alone
                failures.append(f"{url} repeated {key}: {r.status_code}")
    assert not failures, "\n".join(failures)


# -- API3: mass assignment ------------------------------------------------------------------------------------------
def _account(w: World, role: str, org: str, tag: str) -> tuple[int, str]:
    """A throwaway account (a hole would revoke its tokens, not the matrix's)."""
    name = f"authz_{tag}_{time.time_ns()}"
    with w.as_("province_admin") as admin:
        r = admin.post(
            "/api/users",
            json={
                "username": name,
                "password": "Passw0rd-mass1",
                "must_change_password": False,
                "display_name": "批量赋值",
                "role": role,
                "org_id": w.orgs[org],
            },
        )
        assert r.status_code == 201, r.text
    w.tokens[name] = w.stack.token(name, "Passw0rd-mass1")
    return int(r.json()["id"]), name


def test_gateway_accounts_refuse_roles_and_organisations_a_caller_may_not_grant(world: World) -> None:
    w = world
    # a staff member of department 1: the university admin's target, and itself trying to climb
    victim, staff = _account(w, "staff", "a1", "victim")
    ua_id, ua = _account(w, "university_admin", "uni_a", "uadmin")

    def user(uid: int) -> dict[str, Any]:
        u = _get(w, "province_admin", f"/api/users/{uid}")
        return {k: u[k] for k in ("role", "org_id", "university_id", "department_id", "active")}

    before = {uid: user(uid) for uid in (victim, ua_id)}
    attempts = [
        (ua, "PATCH", f"/api/users/{victim}", {"role": "province_admin"}),
        (ua, "PATCH", f"/api/users/{victim}", {"role": "expert", "org_id": w.orgs["province"]}),
        (ua, "PATCH", f"/api/users/{victim}", {"org_id": w.orgs["b1"]}),
        (ua, "PATCH", f"/api/users/{victim}", {"role": "university_admin", "org_id": w.orgs["uni_b"]}),
        (ua, "PATCH", f"/api/users/{victim}", {"university_id": w.orgs["uni_b"], "department_id": w.orgs["b1"]}),
        (ua, "PATCH", f"/api/users/{ua_id}", {"role": "province_admin"}),
        (ua, "PATCH", f"/api/users/{ua_id}", {"org_id": w.orgs["province"]}),
        (ua, "PATCH", f"/api/users/{ua_id}", {"org_id": w.orgs["uni_b"]}),
        (staff, "PATCH", f"/api/users/{victim}", {"role": "university_admin"}),
        (staff, "PATCH", f"/api/users/{victim}", {"org_id": w.orgs["a2"]}),
        ("department_manager", "PATCH", f"/api/users/{victim}", {"role": "department_manager"}),
    ]
    created = [
        (ua, {"role": "province_admin", "org_id": w.orgs["province"]}),
        (ua, {"role": "province_admin", "org_id": w.orgs["uni_a"]}),
        (ua, {"role": "university_admin", "org_id": w.orgs["uni_b"]}),
        (ua, {"role": "staff", "org_id": w.orgs["b1"]}),
        (ua, {"role": "staff", "org_id": w.orgs["a1"], "university_id": w.orgs["uni_b"]}),
        ("department_manager", {"role": "staff", "org_id": w.orgs["a1"]}),
    ]
    failures = []
    for who, method, url, body in attempts:
        with w.as_(who) as c:
            r = c.request(method, url, json=body)
        if r.status_code < 300 or r.status_code not in (403, 404, 422):
            failures.append(f"{who} {method} {url} {body}: {r.status_code} {r.text[:160]}")
    names = []
    for who, body in created:
        name = f"authz_new_{time.time_ns()}"
        names.append(name)
        with w.as_(who) as c:
            r = c.post(
                "/api/users", json={"username": name, "password": "Passw0rd-new11", "display_name": "新", **body}
            )
        if r.status_code not in (403, 404, 422):
            failures.append(f"{who} POST /api/users {body}: {r.status_code} {r.text[:160]}")
    # clients: another university, a scope integration clients cannot hold, a role
    with w.as_(ua) as c:
        for body in (
            {"name": "越权", "org_id": w.orgs["uni_b"], "scopes": ["training:read"]},
            {"name": "越权", "org_id": w.orgs["uni_a"], "scopes": ["internal:read"]},
            {"name": "越权", "org_id": w.orgs["uni_a"], "scopes": ["plans:indicators", "training:indicators"]},
            {"name": "越权", "org_id": w.orgs["uni_a"], "scopes": ["training:read"], "role": "service"},
        ):
            r = c.post("/api/clients", json=body)
            if r.status_code not in (403, 404, 422):
                failures.append(f"{ua} POST /api/clients {body}: {r.status_code} {r.text[:160]}")
        pk = next(
            x["id"]
            for x in c.get("/api/clients").json()["items"]
            if x["client_id"] == w.clients["integration"]["client_id"]
        )
        for body in ({"org_id": w.orgs["uni_b"]}, {"scopes": ["internal:read"]}, {"role": "service"}):
            r = c.patch(f"/api/clients/{pk}", json=body)
            if r.status_code not in (403, 404, 422):
                failures.append(f"{ua} PATCH /api/clients/{pk} {body}: {r.status_code}")
        for body in ({"parent_id": w.orgs["uni_b"]}, {"level": "university"}, {"university_id": w.orgs["uni_b"]}):
            r = c.patch(f"/api/orgs/{w.orgs['a1']}", json=body)
            if r.status_code not in (403, 404, 422):
                failures.append(f"{ua} PATCH /api/orgs/a1 {body}: {r.status_code}")
    assert not failures, "\n".join(failures)
    assert {uid: user(uid) for uid in before} == before
    for name in names:
        assert _get(w, "province_admin", "/api/users", q=name)["total"] == 0, name
    me = w.client("integration").get("/api/auth/me").json()
    assert (me["university_id"], me["role"]) == (w.orgs["uni_a"], "integration")
    org = _get(w, "province_admin", f"/api/orgs/{w.orgs['a1']}")
    assert (org["parent_id"], org["university_id"], org["level"]) == (w.orgs["uni_a"], w.orgs["uni_a"], "department")


def test_service_bodies_cannot_set_tenancy_status_or_authorship(world: World) -> None:
    w = world
    failures: list[str] = []
    uni_a, uni_b, a1, a2, b1 = (w.orgs[k] for k in ("uni_a", "uni_b", "a1", "a2", "b1"))
    past = str(clock.today() - timedelta(days=5))

    def expect(who: str, method: str, url: str, body: Any, allowed: tuple[int, ...], **kw: Any) -> httpx.Response:
        with w.as_(who) as c:
            r = c.request(method, url, json=body, **kw)
        if r.status_code not in allowed:
            failures.append(f"{who} {method} {url} {str(body)[:120]}: {r.status_code} {r.text[:200]}")
        return r

    # training: a record's university, department, source, author and id come from the staff member and the caller
    own_staff = w.id("staff", "own")
    record = {
        "title": "批量赋值",
        "taken_on": past,
        "hours": 1,
        "days": 0,
        "themes": ["law"],
        "organizer_level": "university",
    }
    for extra in (
        {"university_id": uni_b},
        {"department_id": b1},
        {"source": "import", "created_by": str(w.accounts["admin"])},
        {"id": w.id("record", "other"), "year": 1999},
    ):
        r = expect("university_admin", "POST", f"{TR}/records", {**record, "staff_id": own_staff, **extra}, (201, 422))
        if r.status_code == 201:
            got = r.json()
            if (got["university_id"], got["department_id"], got["source"]) != (uni_a, a1, "manual") or got[
                "id"
            ] == w.id("record", "other"):
                failures.append(f"record stored with {extra}: {got}")
            expect("university_admin", "DELETE", f"{TR}/records/{got['id']}", None, (204,))
    # another university's person, by id or by number, even naming that university
    expect("university_admin", "POST", f"{TR}/records", {**record, "staff_id": w.id("staff", "other")}, (404, 422))
    expect(
        "university_admin", "POST", f"{TR}/records", {**record, "employee_no": w.id("employee_no", "other")}, (404, 422)
    )
    expect(
        "university_admin",
        "POST",
        f"{TR}/records",
        {**record, "employee_no": w.id("employee_no", "other"), "university_id": uni_b},
        (404, 422),
    )
    expect("department_manager", "POST", f"{TR}/records", {**record, "staff_id": w.id("staff", "sibling")}, (404, 422))
    rec = w.id("record", "own")
    before_rec = _get(w, "province_admin", f"{TR}/records/{rec}")
    for body in (
        {"staff_id": w.id("staff", "other")},
        {"university_id": uni_b},
        {"source": "import"},
        {"year": 1999},
        {"created_by": "1"},
    ):
        expect("university_admin", "PATCH", f"{TR}/records/{rec}", body, (422,))
    assert _get(w, "province_admin", f"{TR}/records/{rec}") == before_rec
    # staff: another university or department; linking a person to another university's account grants that
    # account nothing (the link is data this university wrote)
    no = f"AUTHZ{time.time_ns() % 10**9}"
    base = {"name": "批量赋值", "department_id": a1, "employment_type": "contract", "active": False}
    expect("university_admin", "PUT", f"{TR}/staff/by-employee-no/{no}", {**base, "university_id": uni_b}, (422,))
    expect("university_admin", "PUT", f"{TR}/staff/by-employee-no/{no}", {**base, "department_id": b1}, (422,))
    expect(
        "integration",
        "PUT",
        f"{TR}/staff/by-employee-no/{no}",
        {**base, "department_id": b1, "university_id": uni_b},
        (422,),
    )
    foreign_account = w.accounts["u2_d1_staff1"]
    r = expect(
        "university_admin",
        "PUT",
        f"{TR}/staff/by-employee-no/{no}",
        {**base, "account_id": foreign_account},
        (201, 422),
    )
    if r.status_code == 201:
        linked = r.json()
        assert linked["university_id"] == uni_a
        with w.as_("u2_d1_staff1") as c:
            mine = c.get(f"{TR}/staff", params={"limit": 500}).json()["items"]
            if any(s["id"] == linked["id"] for s in mine) or c.get(f"{TR}/staff/{linked['id']}").status_code != 404:
                failures.append("another university's staff member sees a person this university linked to them")
            if c.get(f"{TR}/staff/{linked['id']}/ledger").status_code != 404:
                failures.append("another university's staff member reads the ledger of a person linked to them")
    # self-reports: the staff member's own entry, pending, whatever the body says
    r = expect(
        "staff",
        "POST",
        f"{TR}/self-reports",
        {
            **record,
            "organizer_level": "external",
            "staff_id": w.id("staff", "other"),
            "status": "approved",
            "record_id": 1,
        },
        (422,),
    )
    # courses: organised at the caller's own level
    expect(
        "department_manager",
        "POST",
        f"{TR}/courses",
        {
            "title": "批量赋值",
            "themes": ["law"],
            "starts_on": past,
            "ends_on": past,
            "hours": 1,
            "days": 1,
            "university_id": uni_b,
            "organizer_level": "province",
        },
        (422,),
    )
    # enrolling another university's or department's people in one's own course
    expect(
        "university_admin",
        "POST",
        f"{TR}/courses/{w.id('course', 'own')}/enrolments",
        {"staff_ids": [w.id("staff", "other")]},
        (404, 422),
    )
    expect(
        "department_manager",
        "POST",
        f"{TR}/courses/{w.id('course', 'own')}/enrolments",
        {"staff_ids": [w.id("staff", "sibling")]},
        (404, 422),
    )
    expect(
        "department_manager",
        "POST",
        f"{TR}/courses/{w.id('course', 'own')}/attendance",
        {"staff_ids": [w.id("staff", "sibling")]},
        (404, 422),
    )

    # plans: a body naming another university's records, states or ids
    plan = w.id("plan", "own")
    for body in (
        {"year": w.spare_year + 1, "title": "批量赋值", "university_id": uni_b},
        {"year": w.spare_year + 1, "title": "批量赋值", "status": "approved"},
        {"year": w.spare_year + 1, "title": "批量赋值", "created_by": "1", "id": w.id("plan", "other")},
    ):
        expect("university_admin", "POST", f"{PL}/plans", body, (422,))
    expect("university_admin", "PATCH", f"{PL}/plans/{plan}", {"status": "draft"}, (409, 422))
    expect("university_admin", "PATCH", f"{PL}/plans/{plan}", {"university_id": uni_b}, (409, 422))
    line = {"year": w.spare_year, "kind": "other", "title": "批量赋值", "planned_amount": 1}
    expect("university_admin", "POST", f"{PL}/funding-lines", {**line, "university_id": uni_b}, (422,))
    expect(
        "university_admin",
        "PATCH",
        f"{PL}/funding-lines/{w.id('funding_line', 'own')}",
        {"university_id": uni_b},
        (422,),
    )
    expect(
        "university_admin",
        "PUT",
        f"{PL}/work-study-posts/{w.spare_year}",
        {"total_posts": 10, "work_study_posts": 1, "university_id": uni_b},
        (422,),
    )
    # progress on one's task naming a sibling department's or another university's milestone; change requests
    # naming another university's task or milestone
    for target in ("sibling", "other"):
        expect(
            "department_manager",
            "POST",
            f"{PL}/tasks/{w.id('task', 'own')}/progress",
            {"milestone_id": w.id("milestone", target), "status": "done", "percent": 100},
            (404, 422),
        )
    cr_plan = w.id("spare_plan", "own")
    other_task = w.id("task", "other")
    expect(
        "university_admin",
        "POST",
        f"{PL}/plans/{cr_plan}/change-requests",
        {"kind": "update_task", "task_id": other_task, "changes": {"title": "改"}, "reason": "r"},
        (404, 422),
    )
    expect(
        "university_admin",
        "POST",
        f"{PL}/plans/{cr_plan}/change-requests",
        {
            "kind": "update_milestone",
            "task_id": other_task,
            "milestone_id": w.id("milestone", "other"),
            "changes": {"title": "改"},
            "reason": "r",
        },
        (404, 422),
    )
    expect(
        "university_admin",
        "POST",
        f"{PL}/plans/{cr_plan}/change-requests",
        {
            "kind": "add_task",
            "changes": {
                "category": "service",
                "title": "别校部门",
                "department_id": b1,
                "responsible_name": "某",
                "due_on": str(clock.today() + timedelta(days=30)),
            },
            "reason": "r",
        },
        (404, 422),
    )
    expect(
        "university_admin",
        "POST",
        f"{PL}/plans/{plan}/letters",
        {"target": "department", "department_id": b1},
        (404, 422),
    )

    # evaluation: a nomination's university, department, status and author come from the caller
    spare = w.id("campaign", "province")
    nom = {"title": "批量赋值推荐", "text": "事迹"}
    expect("university_admin", "POST", f"{EV}/campaigns/{spare}/nominations", {**nom, "department_id": b1}, (422,))
    ua_subject = str(w.accounts["u1_admin"])
    for extra in (
        {"university_id": uni_b},
        {"status": "submitted", "id": w.id("nomination", "other")},
        {"proposed_by": "1"},
    ):
        r = expect(
            "university_admin",
            "POST",
            f"{EV}/campaigns/{spare}/nominations",
            {**nom, "department_id": a1, **extra},
            (201, 422),
        )
        got = r.json() if r.status_code == 201 else None
        if got and (got["university_id"], got["status"], got["proposed_by"]) != (uni_a, "proposed", ua_subject):
            failures.append(f"a nomination stored {extra}: {got}")
        if got and got["id"] == w.id("nomination", "other"):
            failures.append(f"a nomination took another's id: {got}")
    r = expect(
        "department_manager", "POST", f"{EV}/campaigns/{spare}/nominations", {**nom, "department_id": a2}, (201, 422)
    )
    if r.status_code == 201 and r.json()["department_id"] != a1:
        failures.append(f"a department manager nominated for a sibling department: {r.json()}")
    own_nom = w.id("nomination", "own")
    before_nom = _get(w, "province_admin", f"{EV}/nominations/{own_nom}")
    r = expect(
        "university_admin",
        "PATCH",
        f"{EV}/nominations/{own_nom}",
        {
            "title": before_nom["title"],
            "status": "awarded",
            "university_id": uni_b,
            "department_id": b1,
            "proposed_by": "1",
        },
        (200, 422),
    )
    after_nom = _get(w, "province_admin", f"{EV}/nominations/{own_nom}")
    for k in ("status", "university_id", "department_id", "proposed_by", "title"):
        if after_nom[k] != before_nom[k]:
            failures.append(f"PATCH nomination changed {k}: {before_nom[k]} -> {after_nom[k]}")
    # scores for a criterion of another campaign's rubric
    reviewed = w.id("reviewed_nomination", "other")
    before_scores = _get(w, "province_admin", f"{EV}/nominations/{reviewed}/scores")
    final = w.id("final_campaign", "province")
    foreign_criterion = _get(w, "province_admin", f"{EV}/campaigns/{final}/rubric")["criteria"][0]["id"]
    expect(
        "expert",
        "PUT",
        f"{EV}/nominations/{reviewed}/scores",
        {"items": [{"criterion_id": foreign_criterion, "score": 1}]},
        (404, 409, 422),
    )
    assert _get(w, "province_admin", f"{EV}/nominations/{reviewed}/scores") == before_scores
    # a university's self-reported value lands in its own university whatever the body names
    other_report = _get(w, "province_admin", f"{EV}/assessment/{w.spare_year}/self-reports")["items"]
    r = expect(
        "university_admin",
        "PUT",
        f"{EV}/assessment/{w.spare_year}/self-reports/hall",
        {"value": 0.5, "evidence": "批量赋值", "university_id": uni_b},
        (200, 403, 422),
    )
    if r.status_code == 200 and r.json()["university_id"] != uni_a:
        failures.append(f"a self-reported value landed in another university: {r.json()}")
    after = _get(w, "province_admin", f"{EV}/assessment/{w.spare_year}/self-reports")["items"]
    assert [x for x in after if x["university_id"] == uni_b] == [x for x in other_report if x["university_id"] == uni_b]
    expect(
        "university_admin",
        "PUT",
        f"{EV}/assessment/{w.spare_year}/self-reports/hall",
        {"value": 0.5, "evidence": "批量赋值", "status": "verified"},
        (200, 422),
    )
    mine = [
        x
        for x in _get(w, "province_admin", f"{EV}/assessment/{w.spare_year}/self-reports")["items"]
        if x["university_id"] == uni_a
    ]
    assert mine and all(x["status"] == "reported" for x in mine), mine
    assert not failures, "\n".join(failures)


# -- integration clients --------------------------------------------------------------------------------------------
def _client(w: World, name: str, scopes: list[str]) -> dict[str, str]:
    if name not in w.tokens:
        with w.as_("university_admin") as c:
            r = c.post(
                "/api/clients",
                json={"name": f"authz {name} {time.time_ns()}", "org_id": w.orgs["uni_a"], "scopes": scopes},
            )
            assert r.status_code == 201, r.text
            w.clients[name] = r.json()
        w.tokens[name] = client_token(w.stack, w.clients[name])
    return w.headers(name)


def test_an_integration_client_acts_only_for_its_university_and_within_its_scopes(world: World) -> None:
    w = world
    full = w.headers("integration")
    read_only = w.headers("integration_read")
    plans_read = _client(w, "integration_plans_read", ["plans:read"])
    past = str(clock.today() - timedelta(days=2))
    record = {
        "title": "推送",
        "taken_on": past,
        "hours": 2,
        "days": 0,
        "themes": ["law"],
        "organizer_level": "external",
    }
    ledger_before = {
        t: _get(w, "province_admin", f"{TR}/staff/{w.id('staff', t)}/ledger", year=w.year) for t in ("own", "other")
    }
    totals = {
        u: _get(w, "province_admin", u, limit=1)["total"]
        for u in (f"{TR}/records", f"{TR}/staff", f"{PL}/funding-lines", f"{PL}/plans")
    }
    cases: list[tuple[dict[str, str], str, str, Any, tuple[int, ...]]] = [
        # university 2's records and people, through any door
        (full, "GET", f"{TR}/staff/{w.id('staff', 'other')}", None, (404,)),
        (full, "GET", f"{TR}/records/{w.id('record', 'other')}", None, (404,)),
        (full, "GET", f"{TR}/staff/{w.id('staff', 'other')}/ledger/export", None, (404,)),
        (full, "GET", f"{TR}/compliance?org_id={w.orgs['uni_b']}", None, (404,)),
        (full, "GET", f"{PL}/plans/{w.id('plan', 'other')}", None, (404,)),
        (full, "GET", f"{PL}/plans/{w.id('plan', 'other')}/export", None, (404,)),
        (full, "POST", f"{TR}/records", {**record, "staff_id": w.id("staff", "other")}, (404, 422)),
        (
            full,
            "POST",
            f"{TR}/records",
            {**record, "employee_no": w.id("employee_no", "other"), "university_id": w.orgs["uni_b"]},
            (404, 422),
        ),
        (full, "PATCH", f"{TR}/records/{w.id('record', 'other')}", {"title": "改"}, (404,)),
        (full, "DELETE", f"{TR}/records/{w.id('record', 'other')}", None, (404,)),
        (
            full,
            "PUT",
            f"{TR}/staff/by-employee-no/{w.id('employee_no', 'other')}",
            {
                "name": "改",
                "department_id": w.orgs["b1"],
                "employment_type": "contract",
                "university_id": w.orgs["uni_b"],
            },
            (422,),
        ),
        (full, "PATCH", f"{PL}/funding-lines/{w.id('funding_line', 'other')}", {"spent_amount": 1}, (404,)),
        (full, "POST", f"{PL}/tasks/{w.id('task', 'other')}/progress", {"status": "done", "percent": 100}, (404,)),
        # outside its scopes: a training:read client pushes nothing; a plans:read client writes no plan and reads
        # no ledger; no client reaches evaluation, accounts or the province's reports
        (read_only, "POST", f"{TR}/records", {**record, "staff_id": w.id("staff", "own")}, (403,)),
        (
            read_only,
            "PUT",
            f"{TR}/staff/by-employee-no/{w.id('employee_no', 'own')}",
            {"name": "改", "department_id": w.orgs["a1"], "employment_type": "contract"},
            (403,),
        ),
        (read_only, "DELETE", f"{TR}/records/{w.id('record', 'own')}", None, (403,)),
        (read_only, "PATCH", f"{TR}/records/{w.id('record', 'own')}", {"title": "改"}, (403,)),
        (read_only, "GET", f"{PL}/plans", None, (403,)),
        (
            read_only,
            "POST",
            f"{PL}/funding-lines",
            {"year": w.year, "kind": "other", "title": "推送", "planned_amount": 1},
            (403,),
        ),
        (
            plans_read,
            "POST",
            f"{PL}/funding-lines",
            {"year": w.year, "kind": "other", "title": "推送", "planned_amount": 1},
            (403,),
        ),
        (plans_read, "PATCH", f"{PL}/funding-lines/{w.id('funding_line', 'own')}", {"spent_amount": 1}, (403,)),
        (plans_read, "POST", f"{PL}/tasks/{w.id('task', 'own')}/progress", {"status": "done", "percent": 100}, (403,)),
        (plans_read, "GET", f"{TR}/records", None, (403,)),
        (plans_read, "POST", f"{TR}/records", {**record, "staff_id": w.id("staff", "own")}, (403,)),
        (full, "GET", f"{EV}/campaigns", None, (403,)),
        (
            full,
            "POST",
            f"{EV}/campaigns/{w.id('campaign', 'province')}/nominations",
            {"title": "推送", "department_id": w.orgs["a1"]},
            (403,),
        ),
        (full, "GET", f"{EV}/assessment/{w.year}/scorecards/{w.orgs['uni_a']}", None, (403,)),
        (full, "GET", f"{TR}/indicators", None, (403,)),
        (full, "GET", f"{PL}/indicators?year={w.year}", None, (403,)),
        (full, "GET", f"{PL}/overview?year={w.year}", None, (403,)),
        (full, "PUT", f"{TR}/rules/{w.year}", {"min_hours": 1, "min_days": 1}, (403,)),
        (full, "GET", "/api/users", None, (403,)),
        (
            full,
            "POST",
            "/api/clients",
            {"name": "自建", "org_id": w.orgs["uni_a"], "scopes": ["training:write"]},
            (403,),
        ),
        (full, "GET", "/internal/orgs", None, (403,)),
        (full, "POST", "/api/auth/password", {"current_password": "x", "new_password": "Another-pass1"}, (403,)),
    ]
    failures = []
    for base in (w.stack.url, None):
        for headers, method, url, body, allowed in cases:
            if base is None and not url.startswith(("/api/training", "/api/plans", "/api/evaluation")):
                continue
            root = base or w.stack.service_url(url.split("/")[2])
            r = w.client("anonymous", root).request(method, url, headers=headers, json=body)
            if r.status_code not in allowed:
                who = "read-only" if headers is read_only else "plans:read" if headers is plans_read else "full"
                failures.append(f"{method} {root}{url} ({who}): {r.status_code} {r.text[:160]}")
    # a client asking the token endpoint for more than it was given gets no more
    r = httpx.post(
        f"{w.stack.url}/api/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": w.clients["integration_read"]["client_id"],
            "client_secret": w.clients["integration_read"]["client_secret"],
            "scope": "training:read training:write plans:write",
        },
        timeout=30,
    )
    if r.status_code == 200:
        widened = {"Authorization": f"Bearer {r.json()['access_token']}"}
        assert set(r.json().get("scope", "").split()) <= {"training:read"}, r.json()
        push = w.client("anonymous").post(
            f"{TR}/records", headers=widened, json={**record, "staff_id": w.id("staff", "own")}
        )
        if push.status_code != 403:
            failures.append(f"a read-only client that asked for training:write pushed a record: {push.status_code}")
    elif r.status_code not in (400, 401):
        failures.append(f"token endpoint with a wider scope: {r.status_code}")
    # what a client reads of its own university holds nothing of university 2 — JSON and the spreadsheet
    tenancy = Tenancy(w, "integration")
    for url in (
        f"{TR}/records?limit=500",
        f"{TR}/staff?limit=500",
        f"{TR}/records/export",
        f"{TR}/compliance/export?group_by=staff",
        f"{PL}/plans",
        f"{PL}/change-requests/export",
    ):
        r = w.client("anonymous").get(url, headers=full)
        assert r.status_code == 200, f"{url}: {r.status_code}"
        cells = table_cells(r)
        failures += [
            f"{url}: {x}"
            for x in (tenancy.cell_leaks(cells) if cells is not None else tenancy.json_leaks(r.json()))[:3]
        ]
    assert not failures, "\n".join(failures)
    assert {
        t: _get(w, "province_admin", f"{TR}/staff/{w.id('staff', t)}/ledger", year=w.year) for t in ledger_before
    } == ledger_before
    assert {u: _get(w, "province_admin", u, limit=1)["total"] for u in totals} == totals


# -- files (#16): another university's attachment ids on every path ---------------------------------------------------
def test_another_universitys_attachments_answer_404_on_every_path_and_cannot_be_taken(world: World) -> None:
    """University 1's people and client aim university 2's attachment ids at every attachment path, through the
    gateway and at each service directly: metadata, download (inline too), thumbnail, delete (a stale and a fresh
    If-Match), and attaching them to their own records (422, the file stays where it is); an upload university 2
    has not attached yet is seen by its uploader alone — not even by the province."""
    w = world
    from sanquan_kernel.storage import samples

    owners = {
        "training": f"{TR}/records/{w.id('record', 'other')}/attachments",
        "plans": f"{PL}/milestones/{w.id('milestone', 'other')}/attachments",
        "evaluation": f"{EV}/nominations/{w.id('nomination', 'other')}/attachments",
    }
    own_owner = {
        "training": (f"{TR}/records/{w.id('record', 'own')}/attachments", "university_admin"),
        "plans": (f"{PL}/milestones/{w.id('milestone', 'own')}/attachments", "department_manager"),
        "evaluation": (f"{EV}/nominations/{w.id('nomination', 'own')}/attachments", "department_manager"),
    }
    callers = ("university_admin", "department_manager", "staff", "integration", "expert")
    failures: list[str] = []
    before = {s: _get(w, "province_admin", url) for s, url in owners.items()}
    for service in ("training", "plans", "evaluation"):
        theirs = w.id(f"{service}_attachment", "other")
        with w.as_("u2_admin") as u2:
            unattached = u2.post(
                f"/api/{service}/attachments", params={"filename": "乙校.pdf"}, content=samples.pdf(author="乙校")
            )
            assert unattached.status_code in (201, 403), unattached.text
        ids = [theirs] + ([unattached.json()["id"]] if unattached.status_code == 201 else [])
        for base in (None, w.stack.service_url(service)):
            for who in callers:
                c = w.client(who, base)
                for aid in ids:
                    a = f"/api/{service}/attachments/{aid}"
                    for method, url, kw in (
                        ("GET", a, {}),
                        ("GET", f"{a}/content", {}),
                        ("GET", f"{a}/content", {"params": {"disposition": "inline"}}),
                        ("GET", f"{a}/thumbnail", {}),
                        ("DELETE", a, {"headers": {"If-Match": 'W/"999"'}}),
                        ("DELETE", a, {"headers": {"If-Match": 'W/"1"'}}),
                        ("DELETE", a, {}),
                    ):
                        r = c.request(method, url, **kw)
                        if r.status_code not in (403, 404) or (r.status_code == 403 and who in ("university_admin",)):
                            failures.append(f"{who} {method} {base or ''}{url}: {r.status_code} {r.text[:120]}")
                        elif r.status_code == 404 and "No such" not in r.text and "Not Found" not in r.text:
                            failures.append(f"{who} {method} {url}: a 404 that says more: {r.text[:160]}")
                r = c.get(owners[service])
                if r.status_code not in (403, 404):
                    failures.append(f"{who} GET {base or ''}{owners[service]}: {r.status_code}")
            url, who = own_owner[service]
            r = w.client(who, base).post(url, json={"attachment_ids": ids})
            if r.status_code != 422:
                failures.append(f"{who} attached university 2's files {ids} to {url}: {r.status_code} {r.text[:160]}")
        if len(ids) > 1:  # the unattached upload: its uploader alone
            with w.as_("province_admin") as admin:
                if admin.get(f"/api/{service}/attachments/{ids[1]}").status_code != 404:
                    failures.append(f"the province read university 2's unattached {service} upload")
            with w.as_("u2_admin") as u2:
                assert u2.get(f"/api/{service}/attachments/{ids[1]}").status_code == 200
    assert not failures, "\n".join(failures)
    # nothing moved: university 2's files are where they were, and still downloadable by the province
    assert {s: _get(w, "province_admin", url) for s, url in owners.items()} == before
    for service in ("training", "plans", "evaluation"):
        with w.as_("province_admin") as admin:
            got = admin.get(f"/api/{service}/attachments/{w.id(f'{service}_attachment', 'other')}/content")
            assert got.status_code == 200 and got.content[:8] == b"\x89PNG\r\n\x1a\n", service
