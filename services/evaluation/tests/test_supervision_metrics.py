"""Supervision in the annual assessment (issue #19, Y2): findings weighed by severity against a ceiling, and the
rectification rate — not applicable without a visit or without a due rectification, never a silent 0."""

from __future__ import annotations

import pytest

from evaluation.assessment.metrics import METRICS, NotApplicable, achievement

FINDINGS, RATE = METRICS["supervision_findings"], METRICS["rectification_on_time_rate"]
VISITED = {
    "visited": True,
    "findings_minor": 2,
    "findings_major": 1,
    "findings_critical": 1,
    "rectifications_due": 4,
    "rectification_rate": 0.75,
}


def test_findings_are_weighed_by_severity_and_the_rate_is_read_as_given() -> None:
    assert FINDINGS.read(VISITED) == 2 + 2 + 3
    assert RATE.read(VISITED) == 0.75
    assert FINDINGS.source == RATE.source == "plans" and FINDINGS.supervision and RATE.supervision


@pytest.mark.parametrize(
    ("item", "metric"),
    [
        ({}, FINDINGS),  # no item: the university was never visited
        ({"visited": False, "findings_minor": 0}, FINDINGS),
        ({}, RATE),
        ({**VISITED, "rectifications_due": 0, "rectification_rate": None}, RATE),  # nothing due yet
    ],
)
def test_without_a_visit_or_a_due_rectification_it_is_not_applicable(item: dict, metric: object) -> None:
    with pytest.raises(NotApplicable):
        metric.read(item)  # type: ignore[attr-defined]


def test_a_visited_university_without_findings_has_a_real_zero() -> None:
    clean = {"visited": True, "findings_minor": 0, "findings_major": 0, "findings_critical": 0}
    assert FINDINGS.read(clean) == 0.0
    assert achievement(0.0, 2.0, ceiling=True) == 1.0


def test_a_ceiling_is_reached_at_or_under_it_and_lost_at_twice_it() -> None:
    assert achievement(2.0, 2.0, ceiling=True) == 1.0
    assert achievement(3.0, 2.0, ceiling=True) == 0.5
    assert achievement(5.0, 2.0, ceiling=True) == 0.0
    assert achievement(1.0, 0.0, ceiling=True) == 0.0
