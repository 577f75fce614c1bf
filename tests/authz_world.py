"""The records the authorization matrix (``tests/authz_matrix.py``) aims at, resolved from the demo province at test
start, plus the few records the demo lacks (made here once, in a year of their own so no demo figure moves).

Callers are university 1's people (中原理工大学, code 4141010001) and the province:

- ``own``: university 1, department 1 (饮食服务中心) — the department of ``u1_d1_mgr`` and ``u1_d1_staff1``; for a
  person-owned record, ``u1_d1_staff1``'s own;
- ``sibling``: university 1, department 2 (学生公寓管理中心);
- ``other``: university 2 (嵩山师范学院), department 1;
- ``peer`` (the hall, #20): a request of university 1, department 1, reported by another student than the
  matrix's ``student`` (who reported ``own`` and ``sibling``);
- ``province``: a province-level record (a campaign, a province course, a year's rule or framework);
- ``missing``: an id nothing has (where the demo has no record of the kind).
"""

from __future__ import annotations

import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx

from sanquan_kernel import clock
from tests.harness import KEPT_ALIVE, Stack

ROLES = (
    "anonymous",
    "province_admin",
    "inspector",
    "expert",
    "university_admin",
    "department_manager",
    "staff",
    "integration",
    "disabled",
)
#: The account behind each person role (the integration client and the disabled account are made at start).
USERS = {
    "province_admin": "admin",
    "inspector": "inspector1",  # 督导 (issue #19): reads what the province reads, writes only supervision
    "expert": "expert2",  # an expert who belongs to university 1: conflicts of interest apply
    "university_admin": "u1_admin",
    "department_manager": "u1_d1_mgr",
    "staff": "u1_d1_staff1",
}
TARGETS = ("own", "sibling", "other", "province", "missing")
INTEGRATION_SCOPES = ["training:read", "training:write", "plans:read", "plans:write"]
MISSING = 987654


def ok(r: httpx.Response, *expected: int) -> Any:
    if r.status_code not in (expected or (200, 201)):
        raise AssertionError(f"setup: {r.request.method} {r.request.url} -> {r.status_code} {r.text[:400]}")
    return r.json() if r.headers.get("content-type", "").startswith("application/json") else r.content


@dataclass
class World:
    stack: Stack
    year: int  # the demo year
    spare_year: int  # the year of the records made here
    tokens: dict[str, str] = field(default_factory=dict)  # role (and extra names) -> access token
    orgs: dict[str, int] = field(default_factory=dict)  # province, uni_a, a1, a2, uni_b, b1
    university_names: dict[int, str] = field(default_factory=dict)
    university_orgs: dict[int, set[int]] = field(default_factory=dict)  # university -> itself and its departments
    accounts: dict[str, int] = field(default_factory=dict)  # username -> account id
    ids: dict[tuple[str, str], Any] = field(default_factory=dict)  # (kind, target) -> id
    clients: dict[str, dict[str, Any]] = field(default_factory=dict)  # integration clients made here
    disabled_at: float = 0.0  # when the disabled account was switched off (time.monotonic)
    _http: dict[tuple[str, str], httpx.Client] = field(default_factory=dict)

    def headers(self, who: str) -> dict[str, str]:
        tok = self.tokens.get(who)
        return {"Authorization": f"Bearer {tok}"} if tok else {}

    def client(self, who: str, base: str | None = None) -> httpx.Client:
        """A kept-alive client on the gateway (or ``base``) signed in as ``who`` (a role, a username or a client
        name; ``anonymous`` has no token)."""
        key = (who, base or self.stack.url)
        if key not in self._http:
            if who not in self.tokens and who != "anonymous":
                self.tokens[who] = self.stack.token(who)
            self._http[key] = httpx.Client(base_url=key[1], headers=self.headers(who), timeout=60, limits=KEPT_ALIVE)
        return self._http[key]

    def as_(self, who: str, base: str | None = None) -> AbstractContextManager[httpx.Client]:
        """``with w.as_(who) as c``: the kept-alive client of ``who``."""
        return nullcontext(self.client(who, base))

    def close(self) -> None:
        for c in self._http.values():
            c.close()
        self._http.clear()

    def id(self, kind: str, target: str) -> Any:
        if target == "missing":
            return MISSING
        return self.ids[(kind, target)]


def client_token(stack: Stack, client: dict[str, Any]) -> str:
    return stack.client_token(client["client_id"], client["client_secret"])


def build_world(stack: Stack) -> World:
    year = clock.today().year
    w = World(stack=stack, year=year, spare_year=year + 7)
    for role, username in USERS.items():
        w.tokens[role] = w.tokens[username] = stack.token(username)
    with w.as_("admin") as admin:
        _orgs_and_accounts(w, admin)
        _integration_and_disabled(w, admin)
        _training(w, admin)
        _plans(w, admin)
        _supervision(w, admin)
        _evaluation(w, admin)
        _annual(w)
        _attachments(w, admin)
        _hall(w, admin)
        _events(w, admin)
    return w


def _orgs_and_accounts(w: World, admin: httpx.Client) -> None:
    orgs = ok(admin.get("/api/orgs", params={"limit": 500}))["items"]
    unis = {o["code"]: o["id"] for o in orgs if o["level"] == "university"}
    w.university_names = {o["id"]: o["name"] for o in orgs if o["level"] == "university"}
    w.university_orgs = {u: {o["id"] for o in orgs if o["university_id"] == u} for u in w.university_names}
    w.orgs["province"] = next(o["id"] for o in orgs if o["level"] == "province")
    w.orgs["uni_a"], w.orgs["uni_b"] = unis["4141010001"], unis["4141010002"]
    depts = {
        u: sorted(o["id"] for o in orgs if o["level"] == "department" and o["parent_id"] == w.orgs[u])
        for u in ("uni_a", "uni_b")
    }
    w.orgs["a1"], w.orgs["a2"], w.orgs["b1"] = depts["uni_a"][0], depts["uni_a"][1], depts["uni_b"][0]
    users = ok(admin.get("/api/users", params={"limit": 500}))["items"]
    w.accounts = {u["username"]: u["id"] for u in users}
    w.ids[("university", "own")], w.ids[("university", "other")] = w.orgs["uni_a"], w.orgs["uni_b"]
    w.ids[("org", "own")], w.ids[("org", "sibling")] = w.orgs["a1"], w.orgs["a2"]
    w.ids[("org", "other")], w.ids[("org", "province")] = w.orgs["b1"], w.orgs["province"]


def _integration_and_disabled(w: World, admin: httpx.Client) -> None:
    tag = time.time_ns()
    with w.as_("u1_admin") as u1:
        for name, scopes in (("integration", INTEGRATION_SCOPES), ("integration_read", ["training:read"])):
            client = ok(
                u1.post(
                    "/api/clients", json={"name": f"authz {name} {tag}", "org_id": w.orgs["uni_a"], "scopes": scopes}
                ),
                201,
            )
            w.clients[name] = client
            w.tokens[name] = client_token(w.stack, client)
    # The disabled account's token was issued while it was active; the services learn of the switch-off from the
    # gateway's deny list (polled every 2 s), so the matrix runs after that delay.
    name = f"authz_gone_{tag}"
    user = ok(
        admin.post(
            "/api/users",
            json={
                "username": name,
                "password": "Passw0rd-gone1",
                "must_change_password": False,
                "display_name": "已停用",
                "role": "university_admin",
                "org_id": w.orgs["uni_a"],
            },
        ),
        201,
    )
    w.tokens["disabled"] = w.stack.token(name, "Passw0rd-gone1")
    ok(admin.patch(f"/api/users/{user['id']}", json={"active": False}))
    w.accounts[name] = user["id"]
    w.disabled_at = time.monotonic()


def _training(w: World, admin: httpx.Client) -> None:
    staff = ok(admin.get("/api/training/staff", params={"limit": 500}))["items"]
    by_no = {s["employee_no"]: s for s in staff}
    for target, no in (("own", "U1D1A01"), ("sibling", "U1D2A01"), ("other", "U2D1A01")):
        s = by_no[no]
        w.ids[("staff", target)], w.ids[("employee_no", target)] = s["id"], no
        records = ok(admin.get("/api/training/records", params={"staff_id": s["id"], "limit": 1}))["items"]
        w.ids[("record", target)] = records[0]["id"]
    assert by_no["U1D1A01"]["account_id"] == w.accounts["u1_d1_staff1"]
    reports = ok(admin.get("/api/training/self-reports", params={"limit": 500}))["items"]
    w.ids[("self_report", "own")] = next(r["id"] for r in reports if r["staff_id"] == w.ids[("staff", "own")])
    last = clock.today() - timedelta(days=3)
    body = {
        "title": "授权矩阵自报培训",
        "taken_on": str(last),
        "hours": 2,
        "days": 0.5,
        "themes": ["law"],
        "organizer_level": "external",
    }
    for target, who in (("sibling", "u1_d2_staff1"), ("other", "u2_d1_staff1")):
        with w.as_(who) as c:
            w.ids[("self_report", target)] = ok(c.post("/api/training/self-reports", json=body), 201)["id"]
    courses = ok(admin.get("/api/training/courses", params={"limit": 500}))["items"]
    w.ids[("course", "own")] = next(c["id"] for c in courses if c["university_id"] == w.orgs["uni_a"])
    course = {
        "title": "授权矩阵课程",
        "themes": ["law"],
        "starts_on": str(last),
        "ends_on": str(last),
        "hours": 2,
        "days": 0.5,
        "capacity": 5,
    }
    for target, who in (("sibling", "u1_d2_mgr"), ("other", "u2_admin"), ("province", "admin")):
        with w.as_(who) as c:
            w.ids[("course", target)] = ok(c.post("/api/training/courses", json=course), 201)["id"]
    csv = b"employee_no,title,taken_on,hours,days,themes,organizer_level,external_id\n"
    for target, who in (("own", "u1_admin"), ("sibling", "u1_d2_mgr"), ("other", "u2_admin")):
        with w.as_(who) as c:
            job = c.post(
                "/api/training/records/import-jobs",
                params={"dry_run": "true"},
                files={"file": ("authz.csv", csv, "text/csv")},
            )
            w.ids[("import_job", target)] = ok(job, 202)["id"]


def _plans(w: World, admin: httpx.Client) -> None:
    plans = ok(admin.get("/api/plans/plans", params={"year": w.year, "limit": 500}))["items"]
    by_uni = {p["university_id"]: p for p in plans}
    for target, uni in (("own", "uni_a"), ("other", "uni_b")):
        plan = by_uni[w.orgs[uni]]
        w.ids[("plan", target)] = plan["id"]
        tasks = ok(admin.get(f"/api/plans/plans/{plan['id']}/tasks", params={"limit": 500}))["items"]
        depts = (("own", "a1"), ("sibling", "a2")) if target == "own" else (("other", "b1"),)
        for t, dept in depts:
            task = next(x for x in tasks if x["department_id"] == w.orgs[dept])
            w.ids[("task", t)] = task["id"]
            detail = ok(admin.get(f"/api/plans/tasks/{task['id']}"))
            w.ids[("milestone", t)] = detail["milestones"][0]["id"]
        lines = ok(admin.get("/api/plans/funding-lines", params={"university_id": w.orgs[uni], "limit": 500}))
        w.ids[("funding_line", target)] = lines["items"][0]["id"]
    letters = ok(admin.get("/api/plans/letters", params={"limit": 500}))["items"]
    for target, dept in (("own", "a1"), ("sibling", "a2"), ("other", "b1")):
        w.ids[("letter", target)] = next(x["id"] for x in letters if x["department_id"] == w.orgs[dept])
    # Change requests need an approved plan: one per university in the spare year.
    for target, who, dept in (("own", "u1_admin", "a1"), ("other", "u2_admin", "b1")):
        with w.as_(who) as c:
            plan = ok(c.post("/api/plans/plans", json={"year": w.spare_year, "title": "授权矩阵方案"}), 201)
            task = ok(
                c.post(
                    f"/api/plans/plans/{plan['id']}/tasks",
                    json={
                        "category": "service",
                        "title": "授权矩阵任务",
                        "department_id": w.orgs[dept],
                        "responsible_name": "张三",
                        "due_on": f"{w.spare_year}-06-30",  # within the plan's year (plans.tasks.rules)
                    },
                ),
                201,
            )
            ok(c.post(f"/api/plans/plans/{plan['id']}/submit"))
            ok(admin.post(f"/api/plans/plans/{plan['id']}/approve", json={"comment": "同意"}))
            cr = c.post(
                f"/api/plans/plans/{plan['id']}/change-requests",
                json={
                    "kind": "update_task",
                    "task_id": task["id"],
                    "changes": {"title": "改名"},
                    "reason": "授权矩阵",
                },
            )
            w.ids[("change_request", target)] = ok(cr, 201)["id"]
            w.ids[("spare_plan", target)] = plan["id"]
    # The year's notice (issue #18): one issued for the spare year (``province``), acknowledged by university 1, and
    # a draft for the year after (``draft``: the province's only).
    issued = ok(
        admin.post(
            "/api/plans/notices",
            json={"year": w.spare_year, "title": "授权矩阵通知", "plan_due_on": f"{w.spare_year}-03-31"},
        ),
        201,
    )
    ok(admin.post(f"/api/plans/notices/{issued['id']}/issue"))
    w.ids[("notice", "province")] = issued["id"]
    with w.as_("u1_admin") as c:
        ok(c.post(f"/api/plans/notices/{issued['id']}/acknowledgement"), 201)
    draft = {"year": w.spare_year + 1, "title": "授权矩阵通知草稿", "plan_due_on": f"{w.spare_year + 1}-03-31"}
    w.ids[("notice", "draft")] = ok(admin.post("/api/plans/notices", json=draft), 201)["id"]


def _supervision(w: World, admin: httpx.Client) -> None:
    """Issue #19: a visit of the province to universities 1 and 2 (``province``) with a finding at department 1
    (``own``), department 2 (``sibling``) and university 2 (``other``), each with its rectification."""
    api = "/api/plans"
    visit = {
        "visited_on": str(clock.today()),
        "title": "授权矩阵督导",
        "team": "督导组",
        "university_ids": [w.orgs["uni_a"], w.orgs["uni_b"]],
    }
    w.ids[("visit", "province")] = vid = ok(admin.post(f"{api}/supervision-visits", json=visit), 201)["id"]
    for target, uni, dept in (("own", "uni_a", "a1"), ("sibling", "uni_a", "a2"), ("other", "uni_b", "b1")):
        finding = {
            "university_id": w.orgs[uni],
            "department_id": w.orgs[dept],
            "category": "safety",
            "severity": "major",
            "description": f"授权矩阵发现问题 {target}",
            "due_on": str(clock.today() + timedelta(days=30)),
        }
        f = ok(admin.post(f"{api}/supervision-visits/{vid}/findings", json=finding), 201)
        w.ids[("finding", target)], w.ids[("rectification", target)] = f["id"], f["rectification"]["id"]


def _annual(w: World) -> None:
    """Issue #19: the annual summaries of the spare year of university 1 (``own``) and university 2 (``other``)."""
    for target, who in (("own", "u1_admin"), ("other", "u2_admin")):
        with w.as_(who) as c:
            s = ok(c.post("/api/evaluation/annual-summaries", json={"year": w.spare_year}), 201)
            w.ids[("annual_summary", target)] = s["id"]


def _events(w: World, admin: httpx.Client) -> None:
    """Issue #19 (E4): a province event (``province``), university 1's own (``own``) and university 2's that does
    not invite university 1 (``other``), in the spare year."""
    day = f"{w.spare_year}-05-20"
    body = {"kind": "seminar", "title": "授权矩阵活动", "starts_on": day, "ends_on": day, "place": "郑州"}
    province = ok(admin.post("/api/evaluation/events", json={**body, "organiser": "province"}), 201)
    w.ids[("event", "province")] = province["id"]
    for target, who in (("own", "u1_admin"), ("other", "u2_admin")):
        with w.as_(who) as c:
            e = ok(c.post("/api/evaluation/events", json={**body, "organiser": "university"}), 201)
            w.ids[("event", target)] = e["id"]


def _evaluation(w: World, admin: httpx.Client) -> None:
    api = "/api/evaluation"
    campaigns = ok(admin.get(f"{api}/campaigns", params={"year": w.year, "limit": 500}))["items"]
    review = next(c for c in campaigns if c["phase"] == "review")
    w.ids[("final_campaign", "province")] = next(c["id"] for c in campaigns if c["phase"] == "final")
    w.ids[("review_campaign", "province")] = review["id"]
    noms = ok(admin.get(f"{api}/campaigns/{review['id']}/nominations", params={"limit": 500}))["items"]
    assignments = ok(admin.get(f"{api}/campaigns/{review['id']}/assignments", params={"limit": 500}))["items"]
    expert = w.accounts[USERS["expert"]]
    mine = {a["nomination_id"] for a in assignments if a["expert_id"] == expert}
    for target, uni in (("own", "uni_a"), ("other", "uni_b")):
        # university 2's nomination is one the expert (of university 1) reviews; university 1's cannot be theirs
        candidates = [n for n in noms if n["university_id"] == w.orgs[uni] and n["status"] == "submitted"]
        nom = next((n for n in candidates if n["id"] in mine), candidates[0])
        w.ids[("reviewed_nomination", target)] = nom["id"]
        w.ids[("assignment", target)] = next(a["id"] for a in assignments if a["nomination_id"] == nom["id"])
    # A campaign of the spare year in its nomination phase, with a nomination of each department.
    cid = ok(
        admin.post(
            f"{api}/campaigns",
            json={
                "type": "service_model_post",
                "year": w.spare_year,
                "title": "授权矩阵评选",
                "quota_per_university": 3,
                "awards_count": 1,
                "experts_per_nomination": 1,
            },
        ),
        201,
    )["id"]
    ok(
        admin.put(
            f"{api}/campaigns/{cid}/rubric",
            json={"criteria": [{"code": "c1", "name": "成效", "weight": 1, "max_score": 10}]},
        )
    )
    ok(admin.post(f"{api}/campaigns/{cid}/advance", json={"to": "nomination"}))
    w.ids[("campaign", "province")] = cid
    for target, who, dept in (("own", "u1_d1_mgr", "a1"), ("sibling", "u1_d2_mgr", "a2"), ("other", "u2_admin", "b1")):
        with w.as_(who) as c:
            n = c.post(
                f"{api}/campaigns/{cid}/nominations",
                json={"title": f"授权矩阵示范岗 {target}", "department_id": w.orgs[dept], "text": "事迹"},
            )
            w.ids[("nomination", target)] = ok(n, 201)["id"]
    # The spare year's framework has a self-reported indicator; universities 1 and 2 report a value.
    ok(
        admin.put(
            f"{api}/assessment/frameworks/{w.spare_year}",
            json={
                "indicators": [
                    {
                        "code": "hall",
                        "name": "网上后勤服务大厅响应率",
                        "metric": "self_reported",
                        "target": 1,
                        "weight": 100,
                    }
                ]
            },
        )
    )
    for target, who in (("own", "u1_admin"), ("other", "u2_admin")):
        with w.as_(who) as c:
            r = c.put(f"{api}/assessment/{w.spare_year}/self-reports/hall", json={"value": 0.9, "evidence": "台账"})
            w.ids[("assessment_report", target)] = ok(r)["id"]


def _attachments(w: World, admin: httpx.Client) -> None:
    """Issue #16: a picture attached in each service to the own / sibling / other records, milestones and
    nominations (by people who may), and a progress report of each spare-year plan (own and other)."""
    from sanquan_kernel.storage import samples

    picture = samples.png((32, 24))

    def attach(who: str, service: str, owner_path: str) -> int:
        with w.as_(who) as c:
            up = ok(c.post(f"/api/{service}/attachments", params={"filename": "授权矩阵.png"}, content=picture), 201)
            ok(c.post(f"/api/{service}/{owner_path}/attachments", json={"attachment_ids": [up["id"]]}))
            return int(up["id"])

    for target, who in (("own", "u1_admin"), ("sibling", "u1_admin"), ("other", "u2_admin")):
        w.ids[("training_attachment", target)] = attach(who, "training", f"records/{w.id('record', target)}")
        w.ids[("plans_attachment", target)] = attach(who, "plans", f"milestones/{w.id('milestone', target)}")
    # progress reports on the spare year's approved plans (no demo figure moves)
    for target, who in (("own", "u1_admin"), ("other", "u2_admin")):
        with w.as_(who) as c:
            task = ok(c.get(f"/api/plans/plans/{w.id('spare_plan', target)}/tasks"))["items"][0]
            report = c.post(f"/api/plans/tasks/{task['id']}/progress", json={"status": "in_progress", "percent": 10})
            w.ids[("progress", target)] = ok(report, 201)["id"]
    for target, who in (("own", "u1_d1_mgr"), ("sibling", "u1_d2_mgr"), ("other", "u2_admin")):
        w.ids[("evaluation_attachment", target)] = attach(
            who, "evaluation", f"nominations/{w.id('nomination', target)}"
        )


#: The hall's requesters (#20): students whose tokens are signed with the platform's key as the gateway's hall
#: sign-in issues them (subject ``hall:<identity id>``): ``student`` (university 1) reports the ``own`` and
#: ``sibling`` requests, ``student_peer`` (university 1) the ``peer`` one, ``student_other`` (university 2) ``other``.
HALL_STUDENTS = {"student": ("uni_a", 910001), "student_peer": ("uni_a", 910002), "student_other": ("uni_b", 910003)}


def hall_token(stack: Stack, university_id: int, identity: int, role: str = "student") -> str:
    from sanquan_kernel.tokens import SigningKey, issue_access_token

    key = SigningKey.from_pem((stack.data_dir / "keys" / "signing-key.pem").read_bytes())
    tok, _ = issue_access_token(
        key,
        issuer="sanquan-gateway",
        audience="sanquan-api",
        subject=f"hall:{identity}",
        ttl_seconds=4 * 3600,
        claims={
            "role": role,
            "org_id": university_id,
            "university_id": university_id,
            "department_id": None,
            "scope": "",
        },
    )
    return str(tok)


def _hall(w: World, admin: httpx.Client) -> None:
    """Issue #20: a place of universities 1 and 2; requests of university 1's student routed to department 1
    (``own``, accepted by ``u1_d1_staff1``) and department 2 (``sibling``, new), of another student of university 1
    to department 1 (``peer``, new) and of university 2's student (``other``, new), each with a photo."""
    from sanquan_kernel.storage import samples

    for who, (uni, identity) in HALL_STUDENTS.items():
        w.tokens[who] = hall_token(w.stack, w.orgs[uni], identity)
    for target, uni in (("own", "uni_a"), ("other", "uni_b")):
        places = ok(admin.get("/api/hall/places", params={"university_id": w.orgs[uni], "kind": "room"}))["items"]
        w.ids[("hall_place", target)] = places[0]["id"]
    picture = samples.png((32, 24))
    for target, who, category in (
        ("own", "student", "canteen"),
        ("sibling", "student", "repair_dorm"),
        ("peer", "student_peer", "canteen"),
        ("other", "student_other", "canteen"),
    ):
        with w.as_(who) as c:
            up = ok(c.post("/api/hall/attachments", params={"filename": "授权矩阵.png"}, content=picture), 201)
            body = {
                "category": category,
                "place_id": w.id("hall_place", "other" if target == "other" else "own"),
                "description": f"授权矩阵报修 {target}",
                "attachment_ids": [up["id"]],
            }
            r = ok(c.post("/api/hall/requests", json=body), 201)
        dept = {"own": "a1", "sibling": "a2", "peer": "a1", "other": "b1"}[target]
        assert r["department_id"] == w.orgs[dept], (target, r["department_id"], w.orgs[dept])
        w.ids[("hall_request", target)], w.ids[("hall_attachment", target)] = r["id"], up["id"]
    with w.as_("u1_d1_staff1") as c:
        got = c.get(f"/api/hall/requests/{w.id('hall_request', 'own')}")
        ok(got)
        accepted = c.post(
            f"/api/hall/requests/{w.id('hall_request', 'own')}/accept", headers={"If-Match": got.headers["etag"]}
        )
        ok(accepted)
