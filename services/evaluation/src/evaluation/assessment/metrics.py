"""What each indicator measures (E3): a metric reads one university's figures from its source.

The plans and training services answer one item per university that has data; a university they do not list
has not started, which the cross-service agreement says to read as zeros — that is a real zero, recorded as
such in the scorecard's inputs, unlike a source that did not answer (``unavailable``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

SOURCES = ("plans", "training", "evaluation", "self_reported")


class NoFigure(Exception):
    """The source answered but has no figure for this metric (e.g. no milestone was due)."""


def _num(item: Mapping[str, Any], key: str) -> float:
    value = item.get(key, 0 if not item else None)
    if value is None:
        raise NoFigure(f"the source has no {key} for this university")
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    return float(value)


def _plan_approved(item: Mapping[str, Any]) -> float:
    return 1.0 if item.get("plan_approved") and item.get("in_annual_work_plan") else 0.0


def _special_fund(item: Mapping[str, Any]) -> float:
    # P5: a fund that was never set up has spent nothing, whatever a rate field says.
    return _num(item, "special_fund_spent_rate") if item.get("special_fund_set_up") else 0.0


@dataclass(frozen=True)
class Metric:
    code: str
    source: str
    read: Callable[[Mapping[str, Any]], float]
    description: str


METRICS: dict[str, Metric] = {
    m.code: m
    for m in (
        Metric(
            "plan_approved_in_work_plan",
            "plans",
            _plan_approved,
            "1 when the plan is approved and in the annual work plan (P1, P4)",
        ),
        Metric(
            "milestone_on_time_rate",
            "plans",
            lambda i: _num(i, "milestone_on_time_rate"),
            "share of due milestones done on time (P2)",
        ),
        Metric(
            "work_study_ratio",
            "plans",
            lambda i: _num(i, "work_study_ratio"),
            "work-study posts / all posts (P6, at least 10%)",
        ),
        Metric("special_fund_spent_rate", "plans", _special_fund, "special fund set up and share spent (P5)"),
        Metric(
            "training_compliance_rate",
            "training",
            lambda i: _num(i, "compliance_rate"),
            "share of staff with 90 hours or 12 days (T1)",
        ),
        Metric(
            "law_coverage", "training", lambda i: _num(i, "law_coverage"), "share of staff trained on rule of law (T2)"
        ),
        Metric(
            "awards_won",
            "evaluation",
            lambda i: _num(i, "awards_won"),
            "awards and model posts won in final campaigns of the year (E2)",
        ),
        Metric(
            "self_reported",
            "self_reported",
            lambda i: _num(i, "value"),
            "a value the university reports with evidence, counted once the province verifies it",
        ),
    )
}


@dataclass(frozen=True)
class DefaultIndicator:
    code: str
    name: str
    metric: str
    target: float
    weight: float


#: E3: the seed's indicators, weights summing to 100.
DEFAULT_FRAMEWORK = (
    DefaultIndicator(
        "plan_approved", "Plan approved and in the annual work plan", "plan_approved_in_work_plan", 1.0, 15
    ),
    DefaultIndicator("milestones_on_time", "Milestones completed on time", "milestone_on_time_rate", 0.9, 15),
    DefaultIndicator("training_compliance", "Staff-training compliance rate (T1)", "training_compliance_rate", 1.0, 20),
    DefaultIndicator("law_coverage", "Rule-of-law training coverage (T2)", "law_coverage", 1.0, 10),
    DefaultIndicator("work_study", "Work-study posts at least 10% (P6)", "work_study_ratio", 0.10, 10),
    DefaultIndicator("special_fund", "Special fund set up and spent (P5)", "special_fund_spent_rate", 0.9, 15),
    DefaultIndicator("awards", "Awards and model posts won (E2)", "awards_won", 1.0, 15),
)


def achievement(value: float, target: float) -> float:
    """How far the value reaches the target, capped at 1."""
    if target <= 0:
        return 1.0 if value > 0 else 0.0
    return max(0.0, min(value / target, 1.0))
