"""What each indicator measures (E3): a metric reads one university's figures from its source.

The plans and training services answer one item per university that has data; a university they do not list
has not started, which the cross-service agreement says to read as zeros — that is a real zero, recorded as
such in the scorecard's inputs, unlike a source that did not answer (``unavailable``).

A rate needs a denominator: with nothing to measure (no milestone fell due, no posts declared, nobody in the
training register, no campaign of the year has final results) the indicator is ``not applicable`` with the
reason — never a silent 0 — and its weight is shared out over the applicable indicators (``assessment.service``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

SOURCES = ("plans", "training", "evaluation", "hall", "self_reported")


class NoFigure(Exception):
    """The source answered but has no figure for this metric."""


class NotApplicable(Exception):
    """Nothing to measure for this university (the rate has no denominator): the reason says why."""


def _needs(item: Mapping[str, Any], key: str, reason: str) -> None:
    """A rate over ``key`` (its denominator): not applicable when there is none."""
    if not item or not item.get(key):
        raise NotApplicable(reason)


def _on_time(item: Mapping[str, Any]) -> float:
    _needs(item, "milestones_due", "no milestone of the university's plan fell due in the year")
    return _num(item, "milestone_on_time_rate")


def _work_study(item: Mapping[str, Any]) -> float:
    _needs(item, "total_posts", "no posts declared for the year")
    return _num(item, "work_study_ratio")


def _register_rate(key: str) -> Callable[[Mapping[str, Any]], float]:
    def read(item: Mapping[str, Any]) -> float:
        _needs(item, "staff_total", "nobody counted in the university's training register for the year")
        return _num(item, key)

    return read


def _awards(item: Mapping[str, Any]) -> float:
    if not item.get("final_campaigns", 1):
        raise NotApplicable("no campaign of the year has final results yet")
    return _num(item, "awards_won")


def _visited(item: Mapping[str, Any]) -> None:
    """Y2: supervision figures exist for a university the province's inspectors visited in the year."""
    if not item.get("visited"):
        raise NotApplicable("no supervision visit to the university in the year")


def _findings(item: Mapping[str, Any]) -> float:
    """Y2: findings weighed by severity (一般 1, 较重 2, 严重 3); lower is better, so the indicator's target is a
    ceiling: a university at or under it reaches it (``achievement`` of a ceiling metric)."""
    _visited(item)
    return float(_num(item, "findings_minor") + 2 * _num(item, "findings_major") + 3 * _num(item, "findings_critical"))


def _rectification_rate(item: Mapping[str, Any]) -> float:
    _visited(item)
    _needs(item, "rectifications_due", "no rectification of the university fell due in the year")
    return _num(item, "rectification_rate")


def _hall_promise_kept(item: Mapping[str, Any]) -> float:
    """S1: closed requests accepted and resolved within their promise / closed requests (the hall's figure)."""
    _needs(item, "closed", "no service-hall request of the university was closed in the year")
    return _num(item, "promise_kept_rate")


def _hall_satisfaction(item: Mapping[str, Any]) -> float:
    """S1: the mean of the students' and teachers' ratings (1-5)."""
    _needs(item, "rated", "no service-hall request of the university was rated in the year")
    return _num(item, "satisfaction_mean")


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
    #: The figure comes from the plans service's supervision endpoint (issue #19), not its indicators.
    supervision: bool = False
    #: Lower is better: the target is a ceiling.
    ceiling: bool = False


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
            _on_time,
            "share of due milestones done on time (P2); not applicable when none fell due",
        ),
        Metric(
            "work_study_ratio",
            "plans",
            _work_study,
            "work-study posts / all posts (P6, at least 10%); not applicable when no posts are declared",
        ),
        Metric("special_fund_spent_rate", "plans", _special_fund, "special fund set up and share spent (P5)"),
        Metric(
            "training_compliance_rate",
            "training",
            _register_rate("compliance_rate"),
            "share of staff with 90 hours or 12 days (T1); not applicable with an empty register",
        ),
        Metric(
            "law_coverage",
            "training",
            _register_rate("law_coverage"),
            "share of staff trained on rule of law (T2); not applicable with an empty register",
        ),
        Metric(
            "awards_won",
            "evaluation",
            _awards,
            "awards and model posts won in final campaigns of the year (E2); not applicable before any is final",
        ),
        Metric(
            "supervision_findings",
            "plans",
            _findings,
            "supervision findings of the year weighed by severity (minor 1, major 2, critical 3; Y2), the target is "
            "a ceiling; not applicable when no visit went to the university",
            supervision=True,
            ceiling=True,
        ),
        Metric(
            "rectification_on_time_rate",
            "plans",
            _rectification_rate,
            "share of due rectifications closed on time (Y2); not applicable when none fell due",
            supervision=True,
        ),
        Metric(
            "self_reported",
            "self_reported",
            lambda i: _num(i, "value"),
            "a value the university reports with evidence, counted once the province verifies it",
        ),
        Metric(
            "hall_promise_kept_rate",
            "hall",
            _hall_promise_kept,
            "share of the year's closed service-hall requests accepted and resolved within their promise (S1)",
        ),
        Metric(
            "hall_satisfaction",
            "hall",
            _hall_satisfaction,
            "mean rating (1-5) of the year's rated service-hall requests (S1)",
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


#: E3: the seed's indicators, weights summing to 100. Names are Chinese (stored with the framework and shown as
#: they are); the SPA's en locale names these codes (``indicatorNames``) while a name is the default one.
DEFAULT_FRAMEWORK = (
    DefaultIndicator("plan_approved", "实施方案获批并纳入年度工作计划", "plan_approved_in_work_plan", 1.0, 15),
    DefaultIndicator("milestones_on_time", "里程碑按期完成", "milestone_on_time_rate", 0.9, 15),
    DefaultIndicator("training_compliance", "职工培训达标率（T1）", "training_compliance_rate", 1.0, 20),
    DefaultIndicator("law_coverage", "法治教育培训覆盖率（T2）", "law_coverage", 1.0, 10),
    DefaultIndicator("work_study", "勤工助学岗位不低于10%（P6）", "work_study_ratio", 0.10, 10),
    DefaultIndicator("special_fund", "设立并执行思政专项经费（P5）", "special_fund_spent_rate", 0.9, 15),
    DefaultIndicator("awards", "获评先进与示范岗（E2）", "awards_won", 1.0, 15),
)


def achievement(value: float, target: float, *, ceiling: bool = False) -> float:
    """How far the value reaches the target, capped at 1; for a ceiling (lower is better): 1 at or under it, then
    falling to 0 at twice the ceiling (a ceiling of 0: 1 only at 0)."""
    if ceiling:
        if value <= target:
            return 1.0
        return 0.0 if target <= 0 else max(0.0, 1.0 - (value - target) / target)
    if target <= 0:
        return 1.0 if value > 0 else 0.0
    return max(0.0, min(value / target, 1.0))
