"""Aggregating experts' scores into one figure per nomination (E2). Pure functions, no database.

- An expert's *total* for a nomination is the weighted share of the rubric's maximum, 0–100:
  ``100 · Σ w_c · s_c / max_c / Σ w_c`` over the criteria.
- ``mean``: the mean of the totals.
- ``trimmed_mean``: with at least five totals, the highest and the lowest are dropped before the mean.
- ``zscore``: each expert's totals are standardised over every nomination that expert scored in the campaign,
  ``(t − μ_e) / σ_e`` (population σ), so a harsh and a lenient expert weigh the same; the nomination's figure is
  the mean of its z-scores. An expert with a single sheet or no spread contributes 0.
- Disagreement: the range of the totals (max − min) exceeds the campaign's threshold (points of 100).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

METHODS = ("mean", "trimmed_mean", "zscore")
TRIM_MIN_SCORES = 5


@dataclass(frozen=True)
class Criterion:
    id: int
    weight: float
    max_score: float


def sheet_total(scores: Mapping[int, float], criteria: Sequence[Criterion]) -> float | None:
    """The expert's weighted total (0–100), or None while a criterion is unscored."""
    weights = sum(c.weight for c in criteria)
    if not criteria or weights <= 0 or any(c.id not in scores for c in criteria):
        return None
    return 100.0 * sum(c.weight * scores[c.id] / c.max_score for c in criteria) / weights


@dataclass(frozen=True)
class Aggregate:
    nomination_id: int
    expert_count: int
    mean: float
    trimmed_mean: float
    zscore: float
    spread: float
    disagreement: bool

    def value(self, method: str) -> float:
        return float(getattr(self, method))


def trimmed_mean(values: Sequence[float]) -> float:
    if len(values) >= TRIM_MIN_SCORES:
        values = sorted(values)[1:-1]
    return sum(values) / len(values)


def aggregate(sheets: Iterable[tuple[int, int, float]], threshold: float) -> dict[int, Aggregate]:
    """``sheets``: (nomination_id, expert_id, total) of complete score sheets."""
    by_nom: dict[int, list[tuple[int, float]]] = defaultdict(list)
    by_expert: dict[int, list[float]] = defaultdict(list)
    for nom, exp, total in sheets:
        by_nom[nom].append((exp, total))
        by_expert[exp].append(total)
    stats: dict[int, tuple[float, float]] = {}
    for exp, totals in by_expert.items():
        mu = sum(totals) / len(totals)
        sigma = math.sqrt(sum((t - mu) ** 2 for t in totals) / len(totals))
        stats[exp] = (mu, sigma)
    out = {}
    for nom, pairs in by_nom.items():
        totals = [t for _, t in pairs]
        zs = [(t - stats[e][0]) / stats[e][1] if stats[e][1] > 1e-9 else 0.0 for e, t in pairs]
        spread = max(totals) - min(totals)
        out[nom] = Aggregate(
            nomination_id=nom,
            expert_count=len(totals),
            mean=sum(totals) / len(totals),
            trimmed_mean=trimmed_mean(totals),
            zscore=sum(zs) / len(zs),
            spread=spread,
            disagreement=len(totals) > 1 and spread > threshold,
        )
    return out


def rank(
    aggregates: Mapping[int, Aggregate], nomination_ids: Iterable[int], method: str
) -> list[tuple[int, int, Aggregate | None]]:
    """(rank, nomination_id, aggregate) best first; ties share a rank; unscored nominations come last unranked
    (rank 0)."""
    scored = sorted((a for n, a in aggregates.items()), key=lambda a: (-a.value(method), -a.mean, a.nomination_id))
    out: list[tuple[int, int, Aggregate | None]] = []
    prev: float | None = None
    current = 0
    for i, a in enumerate(scored, start=1):
        v = round(a.value(method), 9)
        if v != prev:
            current, prev = i, v
        out.append((current, a.nomination_id, a))
    out += [(0, n, None) for n in sorted(set(nomination_ids) - set(aggregates))]
    return out
