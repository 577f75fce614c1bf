"""Demo data of the service hall (S1): each university's buildings and rooms, its routing rules and a promise; and
— when the gateway signs students in by roster (docs/hall.md) — a few students of university 1 with requests in
every state (reported, accepted, answered, closed and rated, an anonymous complaint). Demo students sign in with
their number (``S2026001`` …) and the demo password."""

from __future__ import annotations

from typing import Any

import httpx

from scripts.demo.context import DemoContext

#: Where each category goes, by the department names the demo uses (first match wins).
ROUTES = {
    "repair_dorm": ("学生公寓管理中心", "学生宿舍管理中心", "后勤服务中心"),
    "repair_classroom": ("物业服务中心", "水电维修中心", "后勤服务中心"),
    "canteen": ("饮食服务中心",),
    "utilities": ("水电维修中心", "物业服务中心", "后勤服务中心"),
    "environment": ("绿化环境中心", "物业服务中心", "后勤服务中心"),
    "property": ("物业服务中心", "后勤服务中心"),
    "suggestion": ("学生公寓管理中心", "饮食服务中心", "后勤服务中心"),
    "complaint": ("学生公寓管理中心", "饮食服务中心", "后勤服务中心"),
    "praise": ("饮食服务中心", "后勤服务中心"),
}
STUDENTS = [("S2026001", "李明"), ("S2026002", "王芳"), ("S2026003", "赵磊")]


def _ok(r: httpx.Response) -> Any:
    if r.status_code >= 400:
        raise SystemExit(f"hall demo: {r.request.method} {r.request.url} -> {r.status_code} {r.text[:300]}")
    return r.json() if r.content else None


def seed(ctx: DemoContext) -> None:
    for n, uni in enumerate(ctx.universities):
        admin = ctx.client_for(uni.admin_username)
        rooms: list[int] = []
        for b in (1, 2, 3):
            building = _ok(admin.post("/api/hall/places", json={"kind": "building", "name": f"{b}号学生公寓"}))
            for r in (101, 102, 201, 202):
                room = {"kind": "room", "name": f"{b}-{r}", "parent_id": building["id"]}
                rooms.append(_ok(admin.post("/api/hall/places", json=room))["id"])
        _ok(admin.post("/api/hall/places", json={"kind": "area", "name": "第一食堂"}))
        by_name = {d.name: d.id for d in uni.departments}
        rules = []
        for category, names in ROUTES.items():
            dept = next((by_name[x] for x in names if x in by_name), None)
            if dept is not None:
                rules.append({"category": category, "department_id": dept})
        _ok(admin.put("/api/hall/routing", json={"rules": rules}))
        promise = {
            "category": "canteen",
            "accept_within_minutes": 60,
            "resolve_within_minutes": 480,
            "working_hours": {"days": [1, 2, 3, 4, 5, 6, 7], "start": "07:00", "end": "20:00"},
        }
        _ok(admin.put("/api/hall/promises", json={"promises": [promise]}))
        if n == 0:
            try:
                _students_and_requests(ctx, uni, rooms)
            except (SystemExit, httpx.HTTPError, KeyError) as e:  # the gateway's hall sign-in is another issue's
                print(f"hall demo: students and requests skipped ({e})", flush=True)


def _students_and_requests(ctx: DemoContext, uni: Any, rooms: list[int]) -> None:
    """Roster → activation → number sign-in (the gateway's hall identity); skipped when that is not there."""
    admin = ctx.client_for(uni.admin_username)
    made = admin.post("/api/clients", json={"name": "演示校园一卡通", "org_id": uni.id, "scopes": ["hall:roster"]})
    if made.status_code >= 400:
        print(f"hall demo: no roster client ({made.status_code}); places and routing only", flush=True)
        return
    client = made.json()
    tok = httpx.post(
        f"{ctx.base_url}/api/auth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": client["client_id"],
            "client_secret": client["client_secret"],
        },
        timeout=30,
    )
    roster = httpx.put(
        f"{ctx.base_url}/api/auth/hall-roster",
        json={"items": [{"number": no, "name": name, "kind": "student", "active": True} for no, name in STUDENTS]},
        headers={"Authorization": f"Bearer {tok.json().get('access_token', '')}"},
        timeout=30,
    )
    if roster.status_code >= 400:
        print(f"hall demo: no roster sign-in yet ({roster.status_code}); places and routing only", flush=True)
        return
    students: list[httpx.Client] = []
    for code in roster.json()["codes"]:
        body = {
            "university_id": uni.id,
            "number": code["number"],
            "code": code["activation_code"],
            "password": ctx.password,
        }
        _ok(httpx.post(f"{ctx.base_url}/api/auth/hall/activate", json=body, timeout=30))
        login = {"university_id": uni.id, "number": code["number"], "password": ctx.password}
        access = _ok(httpx.post(f"{ctx.base_url}/api/auth/hall/login", json=login, timeout=30))["access_token"]
        students.append(httpx.Client(base_url=ctx.base_url, timeout=60, headers={"Authorization": f"Bearer {access}"}))
    if len(students) != 3:  # the roster was pushed before (a hall database seeded again): its codes are spent
        print("hall demo: the demo students exist already; their requests are not made again", flush=True)
        return
    a, b, c = students
    tap = _ok(
        a.post(
            "/api/hall/requests",
            json={"category": "repair_dorm", "place_id": rooms[0], "description": "卫生间水龙头一直漏水，关不紧"},
        )
    )
    light = _ok(
        b.post(
            "/api/hall/requests",
            json={"category": "repair_dorm", "place_id": rooms[5], "description": "宿舍顶灯不亮了，换了开关也不行"},
        )
    )
    _ok(c.post("/api/hall/requests", json={"category": "canteen", "description": "第一食堂晚餐窗口太少，排队很久"}))
    _ok(
        c.post(
            "/api/hall/requests",
            json={"category": "complaint", "anonymous": True, "description": "夜间宿舍楼外施工噪音太大，影响休息"},
        )
    )
    dept = tap["department_id"]
    manager = next((d.manager_username for d in uni.departments if d.id == dept), None)
    if manager is not None:
        mgr = ctx.client_for(manager)
        _ok(mgr.post(f"/api/hall/requests/{tap['id']}/accept"))
        _ok(mgr.post(f"/api/hall/requests/{tap['id']}/answer", json={"text": "已更换新的水龙头，请确认"}))
        _ok(mgr.post(f"/api/hall/requests/{tap['id']}/close"))
        _ok(a.post(f"/api/hall/requests/{tap['id']}/rate", json={"score": 5, "comment": "维修师傅来得很快"}))
        _ok(mgr.post(f"/api/hall/requests/{light['id']}/accept"))
    for s in students:
        s.close()
