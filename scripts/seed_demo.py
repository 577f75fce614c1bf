"""Seed the demo province through the public API: universities, departments and an account of every role; then
each area's demo data (training, plans, evaluation) from ``scripts/demo/<area>.py``.

Runs once: when the province already has universities, nothing is done.
"""

from __future__ import annotations

import importlib
import logging
import sys
import time

import httpx

from sanquan_kernel import clock
from scripts.demo.context import DemoContext, DemoDepartment, DemoUniversity

log = logging.getLogger("seed")

UNIVERSITIES = [
    (
        "中原理工大学",
        "4141010001",
        "undergraduate",
        ["饮食服务中心", "学生公寓管理中心", "物业服务中心", "安全保卫中心"],
    ),
    ("嵩山师范学院", "4141010002", "undergraduate", ["饮食服务中心", "学生公寓管理中心", "水电维修中心"]),
    ("黄河职业技术学院", "4141010003", "higher_vocational", ["饮食服务中心", "物业服务中心", "绿化环境中心"]),
    ("伏牛山中等专业学校", "4141010004", "secondary_vocational", ["后勤服务中心", "学生宿舍管理中心"]),
]
#: Where each demo university stands (GB/T 2260 city codes of Henan, for the province's big screen, #17).
CITIES = {"4141010001": "410100", "4141010002": "410300", "4141010003": "410200", "4141010004": "411300"}
STAFF_ACCOUNTS_PER_DEPARTMENT = 2
AREAS = ("training", "plans", "evaluation")


def _check(r: httpx.Response) -> dict:  # type: ignore[type-arg]
    if r.status_code >= 400:
        raise SystemExit(f"seeding failed: {r.request.method} {r.request.url} -> {r.status_code} {r.text}")
    return r.json()  # type: ignore[no-any-return]


def seed_if_empty(base_url: str, admin_username: str, password: str, areas: tuple[str, ...] = AREAS) -> None:
    ctx_admin = DemoContext(
        base_url=base_url,
        password=password,
        year=clock.today().year,  # the province's day, as the services count it
        province_id=0,
        province_admin=admin_username,
        experts=[],
        universities=[],
    )
    admin = ctx_admin.client_for(admin_username)
    existing = _check(admin.get("/api/orgs", params={"level": "university", "limit": 1}))
    if existing["total"]:
        print("demo data: the province has universities already; not seeding", flush=True)
        return
    started = time.monotonic()
    ctx = build_world(ctx_admin, admin)
    for area in areas:
        try:
            module = importlib.import_module(f"scripts.demo.{area}")
        except ModuleNotFoundError:
            continue
        t = time.monotonic()
        module.seed(ctx)
        print(f"demo data: {area} seeded in {time.monotonic() - t:.1f}s", flush=True)
    ctx.close()
    print(f"demo data: done in {time.monotonic() - started:.1f}s", flush=True)


def build_world(ctx: DemoContext, admin: httpx.Client) -> DemoContext:
    province = _check(admin.get("/api/orgs", params={"level": "province"}))["items"][0]
    ctx.province_id = province["id"]

    def user(username: str, display: str, role: str, org_id: int) -> dict:  # type: ignore[type-arg]
        body = _check(
            admin.post(
                "/api/users",
                json={
                    "username": username,
                    "password": ctx.password,
                    "must_change_password": False,
                    "display_name": display,
                    "role": role,
                    "org_id": org_id,
                },
            )
        )
        ctx.accounts[username] = body
        return body

    me = _check(admin.get("/api/auth/me"))
    ctx.accounts[ctx.province_admin] = me
    for n, (name, code, type_, departments) in enumerate(UNIVERSITIES, start=1):
        body = {"name": name, "code": code, "level": "university", "type": type_, "city": CITIES[code]}
        uni = _check(admin.post("/api/orgs", json=body))
        demo_uni = DemoUniversity(id=uni["id"], name=name, code=code, type=type_, admin_username=f"u{n}_admin")
        user(f"u{n}_admin", f"{name}后勤处管理员", "university_admin", uni["id"])
        for m, dept_name in enumerate(departments, start=1):
            dept = _check(
                admin.post("/api/orgs", json={"name": dept_name, "level": "department", "parent_id": uni["id"]})
            )
            demo_uni.departments.append(
                DemoDepartment(id=dept["id"], name=dept_name, manager_username=f"u{n}_d{m}_mgr")
            )
            user(f"u{n}_d{m}_mgr", f"{dept_name}主任", "department_manager", dept["id"])
            for k in range(1, STAFF_ACCOUNTS_PER_DEPARTMENT + 1):
                account = user(f"u{n}_d{m}_staff{k}", f"{dept_name}职工{k}", "staff", dept["id"])
                demo_uni.staff_accounts.append((f"u{n}_d{m}_staff{k}", account["id"], dept["id"]))
        ctx.universities.append(demo_uni)
    # Experts: one at the province, two belonging to universities (so conflicts of interest are real).
    user("expert1", "省级评审专家一", "expert", ctx.province_id)
    user("inspector1", "省级督导一", "inspector", ctx.province_id)  # 督导 (issue #19)
    user("expert2", "评审专家二（中原理工）", "expert", ctx.universities[0].id)
    user("expert3", "评审专家三（嵩山师院）", "expert", ctx.universities[1].id)
    ctx.experts = ["expert1", "expert2", "expert3"]
    return ctx


if __name__ == "__main__":
    import os

    logging.basicConfig(level=logging.INFO)
    base = sys.argv[1] if len(sys.argv) > 1 else f"http://127.0.0.1:{os.environ.get('GATEWAY_PORT', '8000')}"
    seed_if_empty(base, os.environ.get("ADMIN_USERNAME", "admin"), os.environ.get("DEMO_PASSWORD", "Demo@2026"))
