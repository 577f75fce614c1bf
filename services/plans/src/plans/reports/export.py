"""XLSX exports of a plan and of the province overview. Cells that look like formulas are neutralised
(``safe_cell``), since titles and notes are typed by users. Headers are Chinese: the files are handed around the
province like the letters."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from plans.letters.document import CATEGORY_ZH
from plans.plan.models import Plan
from plans.plan.schemas import ChangeRequestItem
from plans.reports.schemas import ProvinceOverview
from plans.resources.models import FundingLine, WorkStudyPosts
from plans.resources.service import work_study_ok, work_study_ratio
from plans.tasks.models import Milestone, Task
from sanquan_kernel.clock import PROVINCE_TZ
from sanquan_kernel.exports import neutralise_formula as safe_cell
from sanquan_kernel.orgdir import OrgDirectory

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATUS_ZH = {
    "not_started": "未开始",
    "draft": "草稿",
    "submitted": "已提交",
    "returned": "已退回",
    "approved": "已批准",
    "in_progress": "进行中",
    "done": "已完成",
}


def _sheet(ws: Worksheet, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    ws.append(list(header))
    for row in rows:
        ws.append([safe_cell(v) for v in row])
    ws.freeze_panes = "A2"


def _bytes(wb: Workbook) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def plan_workbook(
    plan: Plan,
    rows: list[tuple[Task, Milestone | None]],
    funding: list[FundingLine],
    work_study: WorkStudyPosts | None,
    orgdir: OrgDirectory,
) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "实施方案"
    _sheet(
        ws,
        ("项目", "内容"),
        [
            ("高校", orgdir.name(plan.university_id)),
            ("年度", plan.year),
            ("标题", plan.title),
            ("状态", STATUS_ZH.get(plan.status, plan.status)),
            ("纳入年度工作计划", "是" if plan.in_annual_work_plan else "否"),
            ("概要", plan.summary),
            ("具体实施细则", plan.rules_text),
            ("具体制度", plan.systems_text),
            ("提交截止日期", plan.submission_due_on),
            ("批准时间", plan.approved_at.isoformat() if plan.approved_at else ""),
        ],
    )
    tasks: dict[int, Task] = {}
    for t, _ in rows:
        tasks.setdefault(t.id, t)
    _sheet(
        wb.create_sheet("任务"),
        (
            "任务编号",
            "类别",
            "任务",
            "描述",
            "责任部门",
            "主要责任人",
            "开始日期",
            "完成日期",
            "预期成果",
            "状态",
            "进度%",
            "完成日期(实际)",
        ),
        [
            (
                t.id,
                CATEGORY_ZH.get(t.category, t.category),
                t.title,
                t.description,
                orgdir.name(t.department_id),
                t.responsible_name,
                t.start_on,
                t.due_on,
                t.expected_outputs,
                STATUS_ZH.get(t.status, t.status),
                t.percent,
                t.completed_on,
            )
            for t in tasks.values()
        ],
    )
    _sheet(
        wb.create_sheet("路线图"),
        ("任务编号", "任务", "序号", "里程碑", "计划完成", "状态", "进度%", "实际完成", "佐证"),
        [
            (
                t.id,
                t.title,
                m.seq,
                m.title,
                m.due_on,
                STATUS_ZH.get(m.status, m.status),
                m.percent,
                m.completed_on,
                m.evidence,
            )
            for t, m in rows
            if m is not None
        ],
    )
    _sheet(
        wb.create_sheet("经费"),
        ("类别", "项目", "计划金额", "已支出", "备注"),
        [
            (
                "思政专项经费" if f.kind == "special_fund" else "其他",
                f.title,
                float(f.planned_amount),
                float(f.spent_amount),
                f.note,
            )
            for f in funding
        ],
    )
    _sheet(
        wb.create_sheet("勤工助学岗位"),
        ("岗位总数", "勤工助学岗位数", "比例", "达到10%"),
        [
            (
                work_study.total_posts,
                work_study.work_study_posts,
                work_study_ratio(work_study.total_posts, work_study.work_study_posts),
                "是" if work_study_ok(work_study.total_posts, work_study.work_study_posts) else "否",
            )
        ]
        if work_study
        else [],
    )
    return _bytes(wb)


def overview_workbook(overview: ProvinceOverview) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = f"{overview.year}年度总览"
    cats = [c for c in CATEGORY_ZH]
    header = [
        "高校编号",
        "高校代码",
        "高校",
        "方案状态",
        "任务数",
        "已完成",
        "逾期任务",
        "里程碑数",
        "逾期里程碑",
        "完成率",
        *[f"{CATEGORY_ZH[c]}完成率" for c in cats],
        "岗位总数",
        "勤工助学岗位",
        "勤工助学比例",
        "达到10%",
        "专项经费计划",
        "专项经费支出",
    ]
    rows = []
    for r in overview.rows:
        by_cat = {c.category.value: c.completion_rate for c in r.by_category}
        rows.append(
            [
                r.university_id,
                r.university_code or "",
                r.university_name,
                STATUS_ZH[r.plan_status],
                r.tasks_total,
                r.tasks_done,
                r.tasks_overdue,
                r.milestones_total,
                r.milestones_overdue,
                r.completion_rate,
                *[by_cat.get(c, "") for c in cats],
                r.total_posts,
                r.work_study_posts,
                r.work_study_ratio,
                "" if r.work_study_ok is None else ("是" if r.work_study_ok else "否"),
                r.special_fund_planned,
                r.special_fund_spent,
            ]
        )
    _sheet(ws, header, rows)
    return _bytes(wb)


CHANGE_KIND_ZH = {"update_task": "调整任务", "add_task": "新增任务", "update_milestone": "调整里程碑"}
CHANGE_STATUS_ZH = {"pending": "待审核", "approved": "已同意", "rejected": "已驳回"}
CHANGE_FIELD_ZH = {
    "category": "类别",
    "title": "名称",
    "description": "具体举措",
    "department_id": "责任部门",
    "responsible_user_id": "责任人账号",
    "responsible_name": "主要责任人",
    "start_on": "开始日期",
    "due_on": "完成时限",
    "expected_outputs": "预期成果",
    "sort_order": "排序",
    "seq": "序号",
    "milestones": "里程碑",
}


def _change_text(changes: dict[str, Any], orgdir: OrgDirectory) -> str:
    parts = []
    for k, v in changes.items():
        if k == "department_id" and v is not None:
            v = orgdir.name(int(v))
        elif k == "category":
            v = CATEGORY_ZH.get(str(v), v)
        elif k == "milestones":
            v = "、".join(f"{m.get('title')}（{m.get('due_on')}）" for m in v or []) or "无"
        if v is None or v == "":
            continue
        parts.append(f"{CHANGE_FIELD_ZH.get(k, k)}：{v}")
    return "；".join(parts)


def _local(at: datetime | None) -> str:
    """A time as the province reads it (Asia/Shanghai)."""
    return at.astimezone(PROVINCE_TZ).strftime("%Y-%m-%d %H:%M") if at is not None else ""


def change_requests_workbook(items: list[ChangeRequestItem], orgdir: OrgDirectory) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "变更申请"
    _sheet(
        ws,
        (
            "编号",
            "高校",
            "年度",
            "类型",
            "任务",
            "里程碑",
            "变更内容",
            "变更理由",
            "状态",
            "申请人",
            "申请时间",
            "审核人",
            "审核时间",
            "审核意见",
        ),
        [
            (
                c.id,
                c.university_name,
                c.year,
                CHANGE_KIND_ZH.get(c.kind, c.kind),
                c.task_title or "",
                c.milestone_title or "",
                _change_text(c.changes, orgdir),
                c.reason,
                CHANGE_STATUS_ZH.get(c.status, c.status),
                c.requested_by,
                _local(c.requested_at),
                c.decided_by or "",
                _local(c.decided_at),
                c.decision_comment or "",
            )
            for c in items
        ],
    )
    return _bytes(wb)
