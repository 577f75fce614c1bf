"""Demo data for the training service, created through the gateway's HTTP API (the first seeder to run).

Per demo university: a staff register for every department (the ``uN_dM_staffK`` accounts linked to their entries,
plus contract and outsourced workers without a login), about a year of ledger records imported as one CSV file —
a realistic mix of people already compliant (90 hours or 12 days, T1), people close to it and people at risk —
covering the six themes (T2) with rule-of-law education for most. The first university also runs a course whose
attendance is ticked by a department manager, and one staff member leaves a self-report pending for their manager.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import httpx

from sanquan_kernel import clock
from scripts.demo.context import DemoContext, DemoUniversity

WORKERS_PER_DEPARTMENT = 5  # people without a login, besides the department's staff accounts
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀兰",
    "霞",
    "平",
    "刚",
    "桂英",
    "建华",
    "志强",
    "海燕",
]
POSITIONS = ["厨师", "面点师", "宿管员", "保洁员", "维修电工", "水暖工", "保安", "绿化工", "库管员", "班组长"]
COURSES = [  # (title, themes, organiser level, hours, days)
    ("宪法宣传周专题学习", "law;ideals", "university", 4, 0.5),
    ("食品安全与卫生规范培训", "safety;ethics", "department", 8, 1),
    ("消防安全演练", "safety", "department", 4, 0.5),
    ("后勤职业道德与服务礼仪", "ethics;quality", "university", 6, 1),
    ("理想信念教育报告会", "ideals;ideology", "university", 3, 0.5),
    ("法治教育专题讲座", "law", "province", 6, 1),
    ("岗位技能提升培训班", "quality", "department", 16, 2),
    ("“三全育人”理念与后勤育人实践", "ideology;ideals", "province", 12, 2),
    ("校外职业资格培训", "quality;safety", "external", 24, 3),
]


def _ok(r: httpx.Response) -> Any:
    if r.status_code >= 400:
        raise RuntimeError(f"{r.request.method} {r.request.url} -> {r.status_code}: {r.text[:300]}")
    return r.json() if r.content and r.headers.get("content-type", "").startswith("application/json") else None


def _last_day(year: int) -> date:
    """Records are never dated in the future: the year's last day, or yesterday in the current year."""
    yesterday = clock.today() - timedelta(days=1)  # the province's day, as the services count it
    return min(date(year, 12, 31), yesterday)


def _name(rnd: random.Random) -> str:
    return rnd.choice(SURNAMES) + rnd.choice(GIVEN)


def _register(ctx: DemoContext, uni: DemoUniversity, u: int, rnd: random.Random) -> list[dict[str, Any]]:
    """Staff of every department; the staff accounts are linked by account id (what a staff login sees)."""
    admin = ctx.client_for(uni.admin_username)
    people: list[dict[str, Any]] = []
    for m, dept in enumerate(uni.departments, start=1):
        entries: list[tuple[str, dict[str, Any]]] = []
        for k, (username, account_id, dept_id) in enumerate(
            [a for a in uni.staff_accounts if a[2] == dept.id], start=1
        ):
            display = (ctx.accounts.get(username) or {}).get("display_name") or _name(rnd)
            entries.append(
                (
                    f"U{u}D{m}A{k:02d}",
                    {
                        "name": display,
                        "department_id": dept_id,
                        "account_id": account_id,
                        "employment_type": "permanent",
                    },
                )
            )
        for k in range(1, WORKERS_PER_DEPARTMENT + 1):
            kind = rnd.choice(["contract", "contract", "outsourced", "outsourced", "dispatched", "permanent"])
            entries.append(
                (f"U{u}D{m}W{k:02d}", {"name": _name(rnd), "department_id": dept.id, "employment_type": kind})
            )
        for employee_no, body in entries:
            body = {
                "position": rnd.choice(POSITIONS),
                "active": True,
                "joined_on": f"{ctx.year - rnd.randint(0, 12)}-0{rnd.randint(1, 9)}-01",
                **body,
            }
            people.append(_ok(admin.put(f"/api/training/staff/by-employee-no/{employee_no}", json=body)))
    return people


def _ledger_csv(people: list[dict[str, Any]], year: int, u: int, rnd: random.Random) -> bytes:
    """About a year of training per person: ~55% reach the minimum, ~25% are close, the rest are at risk."""
    last = _last_day(year)
    span = (last - date(year, 1, 1)).days
    lines = ["employee_no,title,taken_on,hours,days,themes,organizer_level,external_id"]
    n = 0
    for p in people:
        profile = rnd.random()
        target = (
            rnd.uniform(92, 130) if profile < 0.55 else rnd.uniform(70, 88) if profile < 0.8 else rnd.uniform(10, 50)
        )
        hours = 0.0
        if rnd.random() < 0.8:  # most people attend the rule-of-law lecture (T2 coverage)
            title, themes, level, h, d = COURSES[5]
            n += 1
            lines.append(
                f"{p['employee_no']},{title},{date(year, 3, 15) if span > 80 else last},{h},{d},{themes},"
                f"{level},demo-{u}-{n}"
            )
            hours += h
        while hours < target:
            title, themes, level, h, d = rnd.choice(COURSES)
            taken = date(year, 1, 1) + timedelta(days=rnd.randint(0, span))
            n += 1
            lines.append(f"{p['employee_no']},{title},{taken},{h},{d},{themes},{level},demo-{u}-{n}")
            hours += h
    return ("\n".join(lines) + "\n").encode()


def _course_and_self_report(ctx: DemoContext, uni: DemoUniversity, people: list[dict[str, Any]]) -> None:
    dept = uni.departments[0]
    admin = ctx.client_for(uni.admin_username)
    last = _last_day(ctx.year)
    course = _ok(
        admin.post(
            "/api/training/courses",
            json={
                "title": "后勤“三全育人”专题培训班",
                "themes": ["ideals", "ideology", "law"],
                "starts_on": (last - timedelta(days=1)).isoformat(),
                "ends_on": last.isoformat(),
                "hours": 12,
                "days": 2,
                "capacity": 60,
            },
        )
    )
    mine = [p["id"] for p in people if p["department_id"] == dept.id]
    manager = ctx.client_for(dept.manager_username)
    _ok(manager.post(f"/api/training/courses/{course['id']}/enrolments", json={"staff_ids": mine}))
    _ok(
        manager.post(
            f"/api/training/courses/{course['id']}/attendance", json={"staff_ids": mine[: max(1, len(mine) - 2)]}
        )
    )
    accounts = [a for a in uni.staff_accounts if a[2] == dept.id]
    if accounts:
        staff = ctx.client_for(accounts[0][0])
        _ok(
            staff.post(
                "/api/training/self-reports",
                json={
                    "title": "参加市红十字会应急救护培训",
                    "taken_on": (last - timedelta(days=10)).isoformat(),
                    "hours": 16,
                    "days": 2,
                    "themes": ["safety", "quality"],
                    "organizer_level": "external",
                    "evidence": "应急救护员证书（编号 HN-2026-0315）",
                },
            )
        )


def seed(ctx: DemoContext) -> None:
    rnd = random.Random(ctx.year)
    province = ctx.client_for(ctx.province_admin)
    _ok(province.put(f"/api/training/rules/{ctx.year}", json={"min_hours": 90, "min_days": 12}))
    for u, uni in enumerate(ctx.universities, start=1):
        people = _register(ctx, uni, u, rnd)
        admin = ctx.client_for(uni.admin_username)
        result = _ok(
            admin.post(
                "/api/training/records/import",
                files={"file": (f"培训台账-{uni.code}.csv", _ledger_csv(people, ctx.year, u, rnd), "text/csv")},
            )
        )
        if result["errors"]:
            raise RuntimeError(f"training demo import refused: {result['errors'][:3]}")
        if u == 1:
            _course_and_self_report(ctx, uni, people)
