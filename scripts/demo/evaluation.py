"""Demo data for the evaluation service, created through the gateway's HTTP API (run after training and plans).

- A pilot-university selection (试点高校) of the year, already final: every demo university applied, the experts
  scored, the decision was published for a publicity period that has ended, and the first two universities are
  pilots for this year and the next (E1).
- An outstanding-logistics-people campaign (出彩后勤人) in expert review: each university nominated people from
  its training register, a department proposed one more (left un-submitted), expert1..3 form the panel, every
  nomination has two experts and some sheets are scored (E2).
- The year's indicator framework from the seed's defaults, with scorecards computed when plans and training
  answer (E3).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx

from sanquan_kernel import clock
from scripts.demo.context import DemoContext, DemoUniversity

API = "/api/evaluation"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
RUBRIC_PILOT = [
    {
        "code": "foundation",
        "name": "“三全育人”工作基础",
        "weight": 40,
        "max_score": 10,
        "levels": [
            {"score": 10, "description": "机制健全、成效显著"},
            {"score": 6, "description": "已有基础"},
            {"score": 2, "description": "尚未起步"},
        ],
    },
    {
        "code": "initiative",
        "name": "改革主动性与方案可行性",
        "weight": 35,
        "max_score": 10,
        "levels": [{"score": 10, "description": "方案具体、路线清晰"}, {"score": 5, "description": "方案较笼统"}],
    },
    {
        "code": "support",
        "name": "组织与经费保障",
        "weight": 25,
        "max_score": 10,
        "levels": [{"score": 10, "description": "设立专项经费并有专人负责"}, {"score": 4, "description": "保障不足"}],
    },
]
RUBRIC_PERSON = [
    {
        "code": "service",
        "name": "服务育人实绩",
        "weight": 40,
        "max_score": 20,
        "levels": [{"score": 20, "description": "事迹突出、师生公认"}, {"score": 10, "description": "表现良好"}],
    },
    {
        "code": "ethics",
        "name": "职业道德与敬业精神",
        "weight": 30,
        "max_score": 10,
        "levels": [{"score": 10, "description": "堪称表率"}, {"score": 5, "description": "符合要求"}],
    },
    {
        "code": "influence",
        "name": "示范带动作用",
        "weight": 30,
        "max_score": 10,
        "levels": [{"score": 10, "description": "在全省有影响"}, {"score": 5, "description": "在校内有影响"}],
    },
]


def _ok(r: httpx.Response) -> Any:
    if r.status_code >= 400:
        raise RuntimeError(f"{r.request.method} {r.request.url} -> {r.status_code}: {r.text[:300]}")
    return r.json() if r.content and r.headers.get("content-type", "").startswith("application/json") else None


def _experts(ctx: DemoContext, admin: httpx.Client) -> list[dict[str, Any]]:
    """The panel: expert1..3 with their own university (null for province-level experts)."""
    out = []
    for username in ctx.experts:
        acc = ctx.accounts.get(username)
        if acc is None:
            found = _ok(admin.get("/api/users", params={"q": username, "role": "expert"}))["items"]
            acc = next((a for a in found if a["username"] == username), None)
        if acc is not None:
            out.append(
                {
                    "expert_id": int(acc["id"]),
                    "university_id": acc.get("university_id"),
                    "name": acc.get("display_name") or username,
                    "username": username,
                }
            )
    return out


def _phases(today: date, offsets: list[tuple[int, int]]) -> list[dict[str, str]]:
    """The six dated phases, as day offsets from today."""
    names = ("nomination", "preselection", "review", "decision", "publicity", "final")
    return [
        {"phase": p, "starts_on": str(today + timedelta(days=a)), "ends_on": str(today + timedelta(days=b))}
        for p, (a, b) in zip(names, offsets, strict=True)
    ]


def _campaign(admin: httpx.Client, body: dict[str, Any], rubric: list[dict[str, Any]]) -> int:
    cid = int(_ok(admin.post(f"{API}/campaigns", json=body))["id"])
    _ok(admin.put(f"{API}/campaigns/{cid}/rubric", json={"criteria": rubric}))
    return cid


def _advance(admin: httpx.Client, cid: int, *phases: str) -> None:
    for p in phases:
        _ok(admin.post(f"{API}/campaigns/{cid}/advance", json={"to": p}))


def _panel(admin: httpx.Client, cid: int, experts: list[dict[str, Any]]) -> None:
    _ok(
        admin.put(
            f"{API}/campaigns/{cid}/experts",
            json={"experts": [{k: e[k] for k in ("expert_id", "university_id", "name")} for e in experts]},
        )
    )


def _staff(client: httpx.Client, uni: DemoUniversity) -> list[dict[str, Any]]:
    """Three people of the university's training register; when the register is still empty (no training demo
    data), two are registered through the contract's staff endpoint so that people can be nominated."""
    staff = list(_ok(client.get("/api/training/staff", params={"limit": 3, "active": "true"}))["items"])
    if not staff and uni.departments:
        for k, (name, position) in enumerate(
            (("李秀英", "食堂厨师长"), ("张建国", "公寓管理员"), ("王芳", "保洁班长"))
        ):
            dept = uni.departments[k % len(uni.departments)]
            body = {
                "name": name,
                "department_id": dept.id,
                "position": position,
                "employment_type": "contract",
                "active": True,
            }
            staff.append(_ok(client.put(f"/api/training/staff/by-employee-no/EV{uni.id:03d}{k + 1:02d}", json=body)))
    return staff


def _criteria(admin: httpx.Client, cid: int) -> list[dict[str, Any]]:
    return list(_ok(admin.get(f"{API}/campaigns/{cid}/rubric"))["criteria"])


def _score_assigned(
    ctx: DemoContext,
    cid: int,
    expert: dict[str, Any],
    criteria: list[dict[str, Any]],
    quality: dict[int, float],
    limit: int | None = None,
) -> None:
    """The expert scores their assigned nominations; ``quality`` (0–1) per nomination sets the level."""
    client = ctx.client_for(expert["username"])
    assigned = _ok(client.get(f"{API}/campaigns/{cid}/assignments", params={"limit": 500}))["items"]
    leniency = {0: 0.0, 1: -0.08, 2: 0.05}.get(ctx.experts.index(expert["username"]) % 3, 0.0)
    for a in assigned[:limit]:
        q = max(0.1, min(1.0, quality.get(a["nomination_id"], 0.6) + leniency))
        items = [
            {"criterion_id": c["id"], "score": round(c["max_score"] * q), "comment": "材料翔实" if q > 0.7 else ""}
            for c in criteria
        ]
        _ok(client.put(f"{API}/nominations/{a['nomination_id']}/scores", json={"items": items}))


def _pilot_selection(ctx: DemoContext, admin: httpx.Client, experts: list[dict[str, Any]], today: date) -> None:
    year = ctx.year
    cid = _campaign(
        admin,
        {
            "type": "pilot",
            "year": year,
            "title": f"{year}年高校后勤“三全育人”改革试点高校遴选",
            "description": "选拔一批在“三全育人”方面基础好、主动性强的高校开展后勤改革试点。",
            "quota_per_university": 1,
            "awards_count": 2,
            "aggregation": "mean",
            "experts_per_nomination": 2,
            "disagreement_threshold": 25,
            "pilot_years": [year, year + 1],
        },
        RUBRIC_PILOT,
    )
    _advance(admin, cid, "nomination")
    quality: dict[int, float] = {}
    for i, uni in enumerate(ctx.universities):
        client = ctx.client_for(uni.admin_username)
        n = _ok(
            client.post(
                f"{API}/campaigns/{cid}/nominations",
                json={
                    "title": f"{uni.name}后勤“三全育人”改革试点申报书",
                    "text": "学校已成立后勤“三全育人”领导小组，制定实施方案并纳入年度工作计划。",
                    "materials_text": "申报书、实施方案、经费预算表",
                    "files": [{"name": "申报书.pdf", "content_type": "application/pdf", "size": 524288}],
                },
            )
        )
        _ok(client.post(f"{API}/nominations/{n['id']}/submit"))
        quality[n["id"]] = 0.95 - 0.12 * i  # the first two universities are the strongest
    _advance(admin, cid, "preselection")
    _ok(
        admin.patch(
            f"{API}/campaigns/{cid}",
            json={"phases": _phases(today, [(-60, -45), (-44, -38), (-37, -25), (-24, -20), (-19, -13), (-12, -12)])},
        )
    )
    _panel(admin, cid, experts)
    _advance(admin, cid, "review")
    _ok(admin.post(f"{API}/campaigns/{cid}/assignments/auto"))
    criteria = _criteria(admin, cid)
    for e in experts:
        _score_assigned(ctx, cid, e, criteria, quality)
    _advance(admin, cid, "decision")
    _ok(admin.post(f"{API}/campaigns/{cid}/decision", json={}))
    past = {
        "publicity_starts_on": str(today - timedelta(days=19)),
        "publicity_ends_on": str(today - timedelta(days=13)),
    }
    r = admin.post(f"{API}/campaigns/{cid}/publish", json=past)
    if r.status_code == 422:
        # A publicity period starts on the day of publication unless the service records past campaigns
        # (EVALUATION_RECORD_PAST_PUBLICITY): the demo's campaign is then in its publicity period, not final.
        # (from tomorrow: the province's day may already be ahead of this machine's)
        start = today + timedelta(days=1)
        now = {"publicity_starts_on": str(start), "publicity_ends_on": str(start + timedelta(days=9))}
        _ok(admin.post(f"{API}/campaigns/{cid}/publish", json=now))
        return
    _ok(r)
    _ok(admin.post(f"{API}/campaigns/{cid}/finalize"))


def _outstanding_people(ctx: DemoContext, admin: httpx.Client, experts: list[dict[str, Any]], today: date) -> None:
    year = ctx.year
    cid = _campaign(
        admin,
        {
            "type": "outstanding_person",
            "year": year,
            "title": f"{year}年度全省高校“出彩后勤人”评选",
            "description": "表彰在服务育人、管理育人、环境育人中事迹突出的后勤职工（含合同制、外包人员）。",
            "quota_per_university": 3,
            "awards_count": 5,
            "aggregation": "zscore",
            "experts_per_nomination": 2,
            "disagreement_threshold": 20,
        },
        RUBRIC_PERSON,
    )
    _advance(admin, cid, "nomination")
    quality: dict[int, float] = {}
    for i, uni in enumerate(ctx.universities):
        client = ctx.client_for(uni.admin_username)
        staff = _staff(client, uni)
        for j, person in enumerate(staff[:2]):
            n = _ok(
                client.post(
                    f"{API}/campaigns/{cid}/nominations",
                    json={
                        "staff_id": person["id"],
                        "department_id": person.get("department_id"),
                        "title": f"{person['name']}：扎根后勤一线的育人者",
                        "text": f"{person['name']}同志长期坚守岗位，把服务与育人结合，带领学生开展劳动教育实践。",
                        "materials_text": "事迹材料、学生评价摘录",
                        "files": [{"name": "事迹材料.docx", "size": 48213, "content_type": DOCX}],
                    },
                )
            )
            _ok(client.post(f"{API}/nominations/{n['id']}/submit"))
            quality[n["id"]] = 0.9 - 0.07 * (2 * i + j)
        # a department proposes one more person; the university has not pre-selected it yet
        if uni.departments and len(staff) > 2:
            mgr = ctx.client_for(uni.departments[0].manager_username)
            person = staff[2]
            r = mgr.post(
                f"{API}/campaigns/{cid}/nominations",
                json={
                    "staff_id": person["id"],
                    "title": f"{person['name']}：学生公寓里的“知心人”",
                    "text": "部门推荐，待学校遴选。",
                },
            )
            _ok(r)
    _advance(admin, cid, "preselection")
    _ok(
        admin.patch(
            f"{API}/campaigns/{cid}",
            json={"phases": _phases(today, [(-30, -10), (-9, -3), (-2, 14), (15, 18), (19, 25), (26, 26)])},
        )
    )
    _panel(admin, cid, experts)
    _advance(admin, cid, "review")
    _ok(admin.post(f"{API}/campaigns/{cid}/assignments/auto"))
    criteria = _criteria(admin, cid)
    # expert1 has scored everything, expert2 half of theirs, expert3 nothing yet
    for k, e in enumerate(experts):
        if k == 0:
            _score_assigned(ctx, cid, e, criteria, quality)
        elif k == 1:
            _score_assigned(ctx, cid, e, criteria, quality, limit=2)


def _assessment(ctx: DemoContext, admin: httpx.Client) -> None:
    r = admin.post(f"{API}/assessment/frameworks/{ctx.year}/default")
    if r.status_code != 409:
        _ok(r)
    # Scorecards from the plans and training services; an unavailable source only marks its indicators.
    _ok(admin.post(f"{API}/assessment/{ctx.year}/scorecards/compute"))


def seed(ctx: DemoContext) -> None:
    admin = ctx.client_for(ctx.province_admin)
    today = clock.today()  # the province's day, as the services count it
    experts = _experts(ctx, admin)
    if len(ctx.universities) >= 2 and experts:
        _pilot_selection(ctx, admin, experts, today)
        _outstanding_people(ctx, admin, experts, today)
    _assessment(ctx, admin)
