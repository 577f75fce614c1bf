"""The words of the e-mails, Chinese first (zh-CN, or en when the person chose English): a subject and a body from
the notification's kind and parameters, like the SPA's titles (the server writes no sentence into events)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

TITLES: dict[str, dict[str, str]] = {
    "zh-CN": {
        "plan.submitted": "{year}年实施方案已报送，待审核",
        "plan.returned": "{year}年实施方案被退回修改",
        "plan.approved": "{year}年实施方案已批准",
        "change_request.decided": "变更申请已处理",
        "letter.to_sign": "有任务责任书待签收",
        "milestone.due_soon": "里程碑“{title}”将于 {due_on} 到期",
        "milestone.overdue": "里程碑“{title}”已逾期（截止 {due_on}）",
        "milestone.escalated": "里程碑“{title}”逾期超过 {escalate_after_days} 天，已上报",
        "plan.not_submitted": "{year}年实施方案未在截止日期 {due_on} 前报送",
        "deadline.soon": "{year}年实施方案报送截止日期 {due_on} 临近",
        "self_report.submitted": "有培训自报待审批",
        "self_report.decided": "培训自报已处理",
        "record.accepted": "培训记录已接收",
        "record.rejected": "培训记录被拒绝",
        "import.finished": "导入已完成",
        "nomination.phase_opened": "评选活动已开始推荐申报",
        "nomination.phase_closing": "评选活动推荐申报即将截止",
        "expert.assigned": "有新的评审任务",
        "objection.received": "收到公示异议",
        "results.published": "评选结果已发布",
        "notice.issued": "{year}年度工作通知已下发",
        "webhook.endpoint_disabled": "系统对接回调地址已停用",
        "rectification.assigned": "督导检查发现问题，请于 {due_on} 前完成整改",
        "rectification.overdue": "整改事项已逾期（截止 {due_on}）",
        "annual_summary.submitted": "{year}年度总结已提交，待审核",
        "annual_summary.returned": "{year}年度总结被退回修改",
        "annual_summary.accepted": "{year}年度总结已通过",
        "hall.request.created": "服务大厅收到新的诉求 {number}",
        "hall.request.escalated": "服务大厅诉求 {number} 超过承诺时限",
        "event.scheduled": "会议活动「{title}」将于 {starts_on} 举行",
        "event.cancelled": "会议活动「{title}」已取消",
        "event.training_declared": "会议活动「{title}」已认定为培训，请报名并登记出勤",
    },
    "en": {
        "plan.submitted": "The {year} plan was submitted for review",
        "plan.returned": "The {year} plan was returned for revision",
        "plan.approved": "The {year} plan was approved",
        "change_request.decided": "A change request was decided",
        "letter.to_sign": "A responsibility letter is waiting for signature",
        "milestone.due_soon": 'Milestone "{title}" is due on {due_on}',
        "milestone.overdue": 'Milestone "{title}" is overdue (due {due_on})',
        "milestone.escalated": 'Milestone "{title}" is overdue more than {escalate_after_days} days and was escalated',
        "plan.not_submitted": "The {year} plan was not submitted by the deadline {due_on}",
        "deadline.soon": "The {year} plan is due on {due_on}",
        "self_report.submitted": "A training self-report is waiting for approval",
        "self_report.decided": "A training self-report was decided",
        "record.accepted": "A training record was accepted",
        "record.rejected": "A training record was rejected",
        "import.finished": "An import finished",
        "nomination.phase_opened": "Nominations are open",
        "nomination.phase_closing": "Nominations close soon",
        "expert.assigned": "New review assignments",
        "objection.received": "An objection was received",
        "results.published": "Results were published",
        "notice.issued": "The notice of {year} was issued",
        "webhook.endpoint_disabled": "A webhook endpoint was disabled",
        "rectification.assigned": "A supervision finding must be rectified by {due_on}",
        "rectification.overdue": "A rectification is overdue (due {due_on})",
        "annual_summary.submitted": "The {year} annual summary was submitted for review",
        "annual_summary.returned": "The {year} annual summary was returned for revision",
        "annual_summary.accepted": "The {year} annual summary was accepted",
        "hall.request.created": "A new service-hall request {number}",
        "hall.request.escalated": "Service-hall request {number} broke its promise",
        "event.scheduled": 'The event "{title}" takes place on {starts_on}',
        "event.cancelled": 'The event "{title}" was cancelled',
        "event.training_declared": 'The event "{title}" counts as training: enrol your staff and record attendance',
    },
}
WORDS = {
    "zh-CN": {
        "platform": "高校后勤三全育人平台",
        "other": "新的通知",
        "open": "打开处理",
        "digest": "每日汇总：{n} 条新通知",
        "footer": "您收到此邮件是因为在个人设置中开启了邮件提醒。可在“个人设置”中关闭。",
    },
    "en": {
        "platform": "Three-All Education Platform",
        "other": "A new notification",
        "open": "Open",
        "digest": "Daily digest: {n} new notifications",
        "footer": "You get this e-mail because you turned e-mail reminders on in your profile (turn them off there).",
    },
}


def _lang(language: str) -> str:
    return language if language in TITLES else "zh-CN"


def title(kind: str, params: dict[str, Any], language: str) -> str:
    lang = _lang(language)
    pattern = TITLES[lang].get(kind)
    if pattern is None:
        return WORDS[lang]["other"]
    return pattern.format_map(defaultdict(lambda: "—", params))


def single(kind: str, params: dict[str, Any], link: str, language: str) -> tuple[str, str]:
    """(subject, body) of one notification."""
    lang = _lang(language)
    words = WORDS[lang]
    t = title(kind, params, lang)
    body = f"{t}\n\n{words['open']}: {link}\n\n--\n{words['platform']}\n{words['footer']}\n"
    return f"[{words['platform']}] {t}", body


def digest(items: list[tuple[str, dict[str, Any], str]], language: str) -> tuple[str, str]:
    """(subject, body) of a day's notifications: (kind, params, link) each."""
    lang = _lang(language)
    words = WORDS[lang]
    head = words["digest"].format(n=len(items))
    lines = [f"{i}. {title(kind, params, lang)}\n   {link}" for i, (kind, params, link) in enumerate(items, 1)]
    body = head + "\n\n" + "\n".join(lines) + f"\n\n--\n{words['platform']}\n{words['footer']}\n"
    return f"[{words['platform']}] {head}", body
