"""The service hall in the annual assessment (S1, E3): promise kept and satisfaction as the hall's indicators
answer them (``/api/hall/indicators``) — not applicable without a closed or a rated request, never a silent 0."""

from __future__ import annotations

import pytest

from evaluation.assessment.metrics import METRICS, NotApplicable
from evaluation.assessment.service import Fetched, _evaluate

KEPT, SATISFACTION = METRICS["hall_promise_kept_rate"], METRICS["hall_satisfaction"]
ITEM = {"university_id": 10, "requests": 3, "closed": 2, "promise_kept_rate": 0.5, "rated": 2, "satisfaction_mean": 4.5}


def test_the_hall_s_figures_are_read_as_given() -> None:
    assert KEPT.read(ITEM) == 0.5 and SATISFACTION.read(ITEM) == 4.5
    assert KEPT.source == SATISFACTION.source == "hall"


@pytest.mark.parametrize(
    ("item", "metric"),
    [
        ({}, KEPT),  # the hall does not list a university without requests in the year
        ({}, SATISFACTION),
        ({**ITEM, "closed": 0, "promise_kept_rate": None}, KEPT),
        ({**ITEM, "rated": 0, "satisfaction_mean": None}, SATISFACTION),
    ],
)
def test_without_closed_or_rated_requests_it_is_not_applicable(item: dict, metric: object) -> None:
    with pytest.raises(NotApplicable):
        metric.read(item)  # type: ignore[attr-defined]


class _Indicator:
    source, metric, code = "hall", "hall_satisfaction", "hall_satisfaction"


def test_a_university_absent_from_the_hall_is_not_applicable_and_a_down_hall_is_unavailable() -> None:
    up = {"hall": Fetched({10: ITEM})}
    assert _evaluate(_Indicator(), 10, up, {}) == (4.5, None, True)  # type: ignore[arg-type]
    value, reason, applicable = _evaluate(_Indicator(), 20, up, {})  # type: ignore[arg-type]
    assert value is None and not applicable and reason and reason.startswith("not applicable")
    down = {"hall": Fetched({}, "the hall service is unreachable (ConnectError)")}
    assert _evaluate(_Indicator(), 10, down, {}) == (None, "the hall service is unreachable (ConnectError)", True)  # type: ignore[arg-type]
