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
