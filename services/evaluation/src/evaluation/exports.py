"""The evaluation's spreadsheets (nominations, results): Chinese headers, values in words, Chinese file names,
through the kernel's one ``table_response`` (XLSX or CSV)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from evaluation.assessment.models import ScorecardItem
from evaluation.assessment.schemas import ScorecardSummary
from evaluation.campaigns import repository as campaign_repo
from evaluation.campaigns.models import Campaign
from sanquan_kernel.exports import XLSX_MEDIA

__all__ = ["XLSX_MEDIA"]

NOMINATION_STATUS_ZH = {"proposed": "已推荐", "preselected": "已初选", "submitted": "已报送", "withdrawn": "已撤回"}
SUBJECT_KIND_ZH = {"person": "个人", "post": "岗位", "case": "案例", "university": "高校"}

NOMINATION_HEADERS = ["编号", "状态", "对象类型", "高校编号", "高校", "部门", "对象名称", "类别", "标题", "报送时间"]
RESULT_HEADERS = ["名次", "推荐编号", "标题", "高校", "对象名称", "类别", "得分", "是否获评"]


def category_names(session: Session, campaign: Campaign) -> dict[str, str]:
    """A campaign's category codes → their names (exports show names)."""
    return {c.code: c.name for c in campaign_repo.categories(session, [campaign.id])[campaign.id]}


def file_name(kind: str, campaign: Campaign) -> str:
    """``推荐名单-2026年试点高校遴选`` style: what, and the campaign's title."""
    return f"{kind}-{campaign.title}"


GRADE_ZH = {"excellent": "优秀", "good": "良好", "pass": "合格", "fail": "不合格"}
SCHOOL_TYPE_ZH = {
    "undergraduate": "本科高校",
    "higher_vocational": "高职院校",
    "secondary_vocational": "中职学校",
    "school": "中小学",
}
SOURCE_ZH = {"plans": "实施方案", "training": "培训台账", "evaluation": "评选结果", "self_reported": "高校自报"}
ITEM_STATUS_ZH = {"ok": "已计分", "unavailable": "暂无数据", "not_applicable": "不适用"}
ASSESSMENT_HEADERS = [
    "全省名次",
    "同类名次",
    "高校",
    "办学类型",
    "总分",
    "满分",
    "得分率(%)",
    "等级",
    "数据完整",
    "状态",
]
ASSESSMENT_ITEM_HEADERS = [
    "高校",
    "指标代码",
    "指标",
    "数据来源",
    "指标值",
    "目标值",
    "权重",
    "达成度",
    "得分",
    "计分状态",
    "说明",
]


def assessment_overview_row(s: ScorecardSummary) -> list[Any]:
    return [
        s.rank,
        s.rank_in_type,
        s.university_name,
        SCHOOL_TYPE_ZH.get(s.school_type or "", ""),
        s.total,
        s.max_total,
        s.percent,
        GRADE_ZH[s.grade],
        s.complete,
        "已发布" if s.status == "published" else "已计算",
    ]


def assessment_item_row(s: ScorecardSummary, i: ScorecardItem) -> list[Any]:
    return [
        s.university_name,
        i.indicator_code,
        i.name,
        SOURCE_ZH.get(i.source, i.source),
        i.value,
        i.target,
        i.weight,
        i.achievement,
        i.score,
        ITEM_STATUS_ZH.get(i.status, i.status),
        i.reason,
    ]
