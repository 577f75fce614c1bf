"""The plans vocabulary of DOMAIN.md (P1–P6): the states of a plan, the task categories, the states of work and
the kinds of funding."""

from __future__ import annotations

import enum


class PlanStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"


#: Plans that the university may still edit (P4: revise after a return).
EDITABLE = frozenset({PlanStatus.DRAFT, PlanStatus.RETURNED})


class Category(enum.StrEnum):
    """P3: the five main tasks, then the four safeguards."""

    SERVICE = "service"
    MANAGEMENT = "management"
    ENVIRONMENT = "environment"
    CULTURE = "culture"
    COLLABORATION = "collaboration"
    ORGANISATION = "organisation"
    PUBLICITY = "publicity"
    FUNDING_INCENTIVE = "funding_incentive"
    ACCOUNTABILITY = "accountability"


class WorkStatus(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class FundingKind(enum.StrEnum):
    SPECIAL_FUND = "special_fund"  # P5: 后勤思政专项经费
    OTHER = "other"


class FindingCategory(enum.StrEnum):
    """Issue #19: what a supervision finding is about."""

    PLAN = "plan"  # 方案落实
    SERVICE = "service"  # 服务质量
    SAFETY = "safety"  # 安全管理
    EDUCATION = "education"  # 育人成效
    FUNDING = "funding"  # 经费保障
    OTHER = "other"  # 其他


class Severity(enum.StrEnum):
    MINOR = "minor"  # 一般
    MAJOR = "major"  # 较重
    CRITICAL = "critical"  # 严重


class RectificationStatus(enum.StrEnum):
    """Issue #19: assigned → responded → closed; a responded one the province returns is answered again."""

    ASSIGNED = "assigned"
    RESPONDED = "responded"
    RETURNED = "returned"
    CLOSED = "closed"


#: Which states each transition starts from (anything else: 409 ``rectification_state``).
RESPONDABLE = frozenset({RectificationStatus.ASSIGNED, RectificationStatus.RETURNED})
VERIFIABLE = frozenset({RectificationStatus.RESPONDED})
