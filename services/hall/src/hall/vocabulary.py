"""The service hall's fixed words (S1): categories and statuses with their zh-CN and en names."""

from __future__ import annotations

CATEGORIES: dict[str, tuple[str, str]] = {
    "repair_dorm": ("宿舍报修", "Dormitory repairs"),
    "repair_classroom": ("教室报修", "Classroom repairs"),
    "canteen": ("餐饮服务", "Canteen food and service"),
    "utilities": ("水电服务", "Water and electricity"),
    "environment": ("环境卫生", "Environment and cleaning"),
    "property": ("物业服务", "Property services"),
    "suggestion": ("意见建议", "Suggestion"),
    "complaint": ("投诉", "Complaint"),
    "praise": ("表扬", "Praise"),
}
#: Only these may be sent anonymously (a repair needs someone to open the door).
ANONYMOUS_CATEGORIES = frozenset({"suggestion", "complaint"})

STATUSES: dict[str, tuple[str, str]] = {
    "new": ("待受理", "New"),
    "accepted": ("处理中", "Accepted"),
    "answered": ("已答复", "Answered"),
    "closed": ("已办结", "Closed"),
    "withdrawn": ("已撤回", "Withdrawn"),
}
#: Requests still waiting for the department.
OPEN_STATUSES = ("new", "accepted")
#: Statuses where the requester's story has ended (no more timers).
FINAL_STATUSES = ("closed", "withdrawn")

EVENT_KINDS: dict[str, tuple[str, str]] = {
    "created": ("提交", "Reported"),
    "accepted": ("受理", "Accepted"),
    "assigned": ("派单", "Assigned"),
    "transferred": ("转办", "Transferred"),
    "answered": ("答复", "Answered"),
    "closed": ("办结", "Closed"),
    "info_added": ("补充信息", "Information added"),
    "rated": ("评价", "Rated"),
    "reopened": ("重新打开", "Reopened"),
    "withdrawn": ("撤回", "Withdrawn"),
    "escalated": ("超时督办", "Escalated"),
}

PLACE_KINDS: dict[str, tuple[str, str]] = {
    "building": ("楼宇", "Building"),
    "room": ("房间", "Room"),
    "area": ("区域", "Area"),
}

#: S1 defaults: accept within 2 working hours, resolve within 48 working hours (2,880 working minutes).
DEFAULT_ACCEPT_MINUTES = 120
DEFAULT_RESOLVE_MINUTES = 2880
DEFAULT_WORKING_HOURS: dict[str, object] = {"days": [1, 2, 3, 4, 5], "start": "08:00", "end": "18:00"}


def as_list(words: dict[str, tuple[str, str]]) -> list[dict[str, str]]:
    return [{"code": code, "zh": zh, "en": en} for code, (zh, en) in words.items()]
