"""Demo data for the plans service, created through the gateway's HTTP API (run after the training seeder).

Each demo university gets its plan of the year in a different state: approved, submitted, returned, draft. The
last one has not started this year's plan (with fewer than five universities it has a draft for next year
instead, so that every state is on show). A plan has about twelve tasks across the nine categories (P3),
milestones (some overdue), progress reports by the department managers, a signed and an unsigned
responsibility letter, and funding lines (P5). Every university records work-study posts (P6); the second one
stays below 10%.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx

from sanquan_kernel import clock
from scripts.demo.context import DemoContext, DemoUniversity

SUMMARY = (
    "围绕服务育人、管理育人、环境育人、文化育人、协同育人五项主要任务，落实组织领导、宣传发动、保障力度、责任落实。"
)
STATES = ("approved", "submitted", "returned", "draft")

# (category, title, expected outputs) — realistic measures of a logistics office (P2, P3).
TASKS: list[tuple[str, str, str]] = [
    ("service", "食堂“光盘行动”与文明就餐引导", "每学期开展两次主题活动，形成就餐文明公约"),
    ("service", "网上后勤服务大厅限时响应机制", "学生报修与建议24小时内响应，满意度≥90%"),
    ("management", "学生公寓自我管理委员会建设", "成立公寓自管会并制定章程"),
    ("management", "后勤岗位育人职责清单", "各岗位育人职责写入岗位说明书"),
    ("environment", "绿色校园与节水节电行动", "生均能耗同比下降3%"),
    ("culture", "后勤文化节", "举办一届后勤文化节，评选出彩后勤人"),
    ("collaboration", "后勤与学工、团委协同育人机制", "签订协同育人协议，设立劳动教育实践基地"),
    ("organisation", "成立后勤“三全育人”工作领导小组", "印发领导小组文件，明确分工"),
    ("publicity", "“三全育人”宣传月", "制作宣传专栏，推送专题报道10篇"),
    ("funding_incentive", "设立后勤思政专项经费", "专项经费纳入年度预算并按期执行"),
    ("accountability", "签订任务责任书并纳入年度考核", "各部门签订责任书，年终考核"),
    ("service", "勤工助学岗位开发", "勤工助学岗位不低于岗位总数10%"),
]


def _ok(r: httpx.Response) -> Any:
    if r.status_code >= 400:
        raise RuntimeError(f"{r.request.method} {r.request.url} -> {r.status_code}: {r.text[:300]}")
    return r.json() if r.content and r.headers.get("content-type", "").startswith("application/json") else None


def _account_id(ctx: DemoContext, username: str) -> int | None:
    acc = ctx.accounts.get(username)
    return int(acc["id"]) if acc and "id" in acc else None


def _display(ctx: DemoContext, username: str) -> str:
    acc = ctx.accounts.get(username) or {}
    return str(acc.get("display_name") or username)


def _record_posts(ctx: DemoContext, uni: DemoUniversity, index: int) -> None:
    """P6: every university records its posts; the second one stays below 10%."""
    total = 120 + 20 * index
    ws = total // 10 - 3 if index == 1 else total // 10 + 4
    admin = ctx.client_for(uni.admin_username)
    _ok(admin.put(f"/api/plans/work-study-posts/{ctx.year}", json={"total_posts": total, "work_study_posts": ws}))


def _seed_plan(ctx: DemoContext, uni: DemoUniversity, index: int, state: str, year: int) -> None:
    if not uni.departments:
        return
    admin = ctx.client_for(uni.admin_username)
    today = clock.today()  # the province's day, as the services count it
    plan = _ok(
        admin.post(
            "/api/plans/plans",
            json={
                "year": year,
                "title": f"{uni.name}后勤“三全育人”综合改革实施方案（{year}年）",
                "summary": SUMMARY,
                "in_annual_work_plan": True,
                "rules_text": "一、总体要求\n二、主要任务\n三、保障措施\n四、考核评价",
                "systems_text": "《后勤员工育人职责规定》《后勤思政专项经费管理办法》",
                "submission_due_on": str(today + timedelta(days=30)),
            },
        )
    )
    # P5: the special fund and other funding, planned and (partly) spent.
    for kind, title, planned, spent in (
        ("special_fund", "后勤思政专项经费", 200000 + 10000 * index, 86000),
        ("other", "员工素质提升工程培训费", 120000, 45000),
    ):
        _ok(
            admin.post(
                "/api/plans/funding-lines",
                json={"year": year, "kind": kind, "title": title, "planned_amount": planned, "spent_amount": spent},
            )
        )
    depts = uni.departments
    tasks = []
    for i, (category, title, outputs) in enumerate(TASKS):
        dept = depts[i % len(depts)]
        # A plan of a later year has its work a year later: a task is due within its plan's years and a
        # milestone never after its task (plans.tasks.rules).
        shift = timedelta(days=365 * (year - today.year))
        start = today - timedelta(days=120 - 5 * i) + shift
        due = today + timedelta(days=(-10 if i % 4 == 0 else 20 + 3 * i)) + shift  # every fourth task is past due
        milestones = [
            {"title": "制定工作方案", "due_on": str(min(start + timedelta(days=20), due))},
            {"title": "组织实施", "due_on": str(min(start + timedelta(days=70 + i), due))},
            {"title": "总结验收", "due_on": str(due)},
        ]
        tasks.append(
            _ok(
                admin.post(
                    f"/api/plans/plans/{plan['id']}/tasks",
                    json={
                        "category": category,
                        "title": title,
                        "department_id": dept.id,
                        "description": f"由{dept.name}牵头落实。",
                        "expected_outputs": outputs,
                        "responsible_user_id": _account_id(ctx, dept.manager_username),
                        "responsible_name": _display(ctx, dept.manager_username),
                        "start_on": str(start),
                        "due_on": str(due),
                        "sort_order": i,
                        "milestones": milestones,
                    },
                )
            )
        )
    # P2: responsibility letters for the first two departments; the first one gets signed below.
    letters = [
        _ok(admin.post(f"/api/plans/plans/{plan['id']}/letters", json={"target": "department", "department_id": d.id}))
        for d in depts[:2]
    ]
    if state == "draft":
        return
    province = ctx.client_for(ctx.province_admin)
    _ok(admin.post(f"/api/plans/plans/{plan['id']}/submit"))
    if state == "returned":
        _ok(
            province.post(
                f"/api/plans/plans/{plan['id']}/return",
                json={
                    "comment": "请细化经费保障措施，明确各项任务的阶段性成果。",
                    "task_comments": [
                        {"task_id": tasks[9]["id"], "body": "专项经费额度与用途需进一步明确。"},
                        {"task_id": tasks[2]["id"], "body": "完成时间偏晚，建议提前。"},
                    ],
                },
            )
        )
        return
    if state == "submitted":
        return
    _ok(province.post(f"/api/plans/plans/{plan['id']}/approve", json={"comment": "方案可行，同意实施。"}))
    # P4: department managers report on the milestones of their tasks; some stay overdue.
    for i, task in enumerate(tasks):
        dept = depts[i % len(depts)]
        mgr = ctx.client_for(dept.manager_username)
        first, second = task["milestones"][:2]
        _ok(
            mgr.post(
                f"/api/plans/tasks/{task['id']}/progress",
                json={
                    "milestone_id": first["id"],
                    "status": "done",
                    "percent": 100,
                    "note": "方案已印发",
                    "evidence": "工作方案文件",
                    "reported_on": str(min(today, date.fromisoformat(first["due_on"]))),
                },
            )
        )
        if i % 3 == 0:
            _ok(
                mgr.post(
                    f"/api/plans/tasks/{task['id']}/progress",
                    json={"milestone_id": second["id"], "status": "in_progress", "percent": 60, "note": "按计划推进"},
                )
            )
        elif i % 3 == 1:  # finished early: every milestone done, so the task is done
            for m in task["milestones"][1:]:
                _ok(
                    mgr.post(
                        f"/api/plans/tasks/{task['id']}/progress",
                        json={"milestone_id": m["id"], "status": "done", "percent": 100, "evidence": "验收材料"},
                    )
                )
    first_dept = depts[0]
    _ok(
        ctx.client_for(first_dept.manager_username).post(
            f"/api/plans/letters/{letters[0]['id']}/sign", json={"version": letters[0]["current_version"]}
        )
    )


def seed(ctx: DemoContext) -> None:
    unis = ctx.universities
    for index, uni in enumerate(unis):
        _record_posts(ctx, uni, index)
        if index < len(unis) - 1:
            _seed_plan(ctx, uni, index, STATES[index % len(STATES)], ctx.year)
        elif len(unis) < len(STATES) + 1:
            # Not started this year; next year's draft shows the remaining state.
            _seed_plan(ctx, uni, index, "draft", ctx.year + 1)
