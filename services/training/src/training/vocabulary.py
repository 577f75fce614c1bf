"""The training vocabulary of DOMAIN.md (T1–T3) and CONTRACT.md: themes, organiser levels, employment types,
the default rule, and the small value helpers every package shares."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal


class Theme(enum.StrEnum):
    """T2: the fixed theme codes, in report order."""

    IDEALS = "ideals"
    IDEOLOGY = "ideology"
    ETHICS = "ethics"
    QUALITY = "quality"
    LAW = "law"
    SAFETY = "safety"


THEMES: tuple[str, ...] = tuple(t.value for t in Theme)
THEME_LABELS: dict[str, str] = {
    "ideals": "理想信念",
    "ideology": "思想觉悟",
    "ethics": "职业道德",
    "quality": "综合素养",
    "law": "以宪法教育为核心的法治教育",
    "safety": "安全教育",
}
#: Names office users type into spreadsheets, mapped to codes (imports accept both).
THEME_ALIASES: dict[str, str] = {
    **{code: code for code in THEMES},
    **{label: code for code, label in THEME_LABELS.items()},
    "法治教育": "law",
    "宪法": "law",
    "法治": "law",
    "安全": "safety",
    "理想": "ideals",
    "思想": "ideology",
    "职业道德教育": "ethics",
    "素养": "quality",
}


class OrganizerLevel(enum.StrEnum):
    PROVINCE = "province"
    UNIVERSITY = "university"
    DEPARTMENT = "department"
    EXTERNAL = "external"


ORGANIZER_ALIASES: dict[str, str] = {
    **{o.value: o.value for o in OrganizerLevel},
    "省级": "province",
    "省": "province",
    "校级": "university",
    "学校": "university",
    "部门": "department",
    "部门级": "department",
    "校外": "external",
    "外部": "external",
}


class EmploymentType(enum.StrEnum):
    PERMANENT = "permanent"
    CONTRACT = "contract"
    DISPATCHED = "dispatched"
    OUTSOURCED = "outsourced"


class Source(enum.StrEnum):
    """Where a record came from (T3); an integration client's pushes carry its client id instead."""

    MANUAL = "manual"
    IMPORT = "import"
    COURSE = "course"
    SELF_REPORT = "self_report"


#: What exports show for organiser levels and sources (the SPA has the same words in its locales).
ORGANIZER_LABELS: dict[str, str] = {
    "province": "省级",
    "university": "校级",
    "department": "部门级",
    "external": "校外",
}
SOURCE_LABELS: dict[str, str] = {
    "manual": "手工录入",
    "import": "Excel 导入",
    "course": "课程考勤",
    "self_report": "本人申报",
}


def organizer_label(code: str | None) -> str:
    return ORGANIZER_LABELS.get(code or "", code or "")


def source_label(code: str | None) -> str:
    """A record's source in words; an integration client's pushes (its client id) as 系统对接（id）."""
    if not code:
        return ""
    return SOURCE_LABELS.get(code) or f"系统对接（{code}）"


# T1: 90 study hours or 12 days, unless the province set another rule for the year.
#: The earliest day a record may be dated (the ledgers' years run from 1900, as the year filters do).
EARLIEST_TAKEN_ON = date(1900, 1, 1)
DEFAULT_MIN_HOURS = Decimal("90")
DEFAULT_MIN_DAYS = Decimal("12")

CENT = Decimal("0.01")


def q2(value: Decimal | float | int | None) -> Decimal:
    """Round to two decimals (hours and days are kept to the cent)."""
    if value is None:
        return Decimal("0.00")
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def themes_to_db(themes: Iterable[str]) -> str:
    """Themes stored as one canonical, comma-separated string (report order, no duplicates)."""
    chosen = set(themes)
    return ",".join(t for t in THEMES if t in chosen)


def themes_from_db(value: str | None) -> list[str]:
    return [t for t in (value or "").split(",") if t]


def is_compliant(hours: Decimal, days: Decimal, min_hours: Decimal, min_days: Decimal) -> bool:
    """T1: compliant when the year's hours reach the minimum OR the year's days reach theirs."""
    return q2(hours) >= q2(min_hours) or q2(days) >= q2(min_days)
