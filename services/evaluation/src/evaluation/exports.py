"""The evaluation's spreadsheets (nominations, results): Chinese headers, values in words, Chinese file names,
through the kernel's one ``table_response`` (XLSX or CSV)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from evaluation.campaigns import repository as campaign_repo
from evaluation.campaigns.models import Campaign

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
