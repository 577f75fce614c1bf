"""Figures of the hall (S1) and its indicators for the assessment (E3).

- promise kept: of the requests closed in the period, those accepted and resolved within their promise;
- satisfaction: the mean score of the rated ones;
- minutes to accept and to resolve: wall-clock minutes from reporting (median and 90th percentile);
- recurring places: three or more requests of one category at one place within 30 days.
No request (or no rating) → null, never zero: "not applicable".
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from hall.places.models import Place
from hall.requests.models import HallRequest

R = HallRequest


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    k = (len(s) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(s) - 1)
    return round(s[lo] + (s[hi] - s[lo]) * (k - lo), 1)


def kept() -> ColumnElement[bool]:
    return and_(
        R.accepted_at.is_not(None),
        R.accepted_at <= R.accept_due_at,
        R.resolved_at.is_not(None),
        R.resolved_at <= R.resolve_due_at,
    )


def figures(session: Session, where: ColumnElement[bool], start: datetime, end: datetime) -> dict[str, Any]:
    rows = session.execute(
        select(
            R.category,
            R.place_id,
            R.status,
            R.created_at,
            R.accepted_at,
            R.resolved_at,
            R.accept_due_at,
            R.resolve_due_at,
            R.score,
        ).where(where, R.created_at >= start, R.created_at < end)
    ).all()
    by_category: Counter[str] = Counter()
    by_place: Counter[int] = Counter()
    accept_minutes: list[float] = []
    resolve_minutes: list[float] = []
    closed = kept_n = 0
    scores: list[int] = []
    for category, place_id, status, created, accepted, resolved, accept_due, resolve_due, score in rows:
        by_category[category] += 1
        if place_id is not None:
            by_place[place_id] += 1
        if accepted is not None:
            accept_minutes.append((accepted - created).total_seconds() / 60)
        if resolved is not None:
            resolve_minutes.append((resolved - created).total_seconds() / 60)
        if status == "closed":
            closed += 1
            if accepted is not None and resolved is not None and accepted <= accept_due and resolved <= resolve_due:
                kept_n += 1
        if score is not None:
            scores.append(score)
    top_places = by_place.most_common(20)
    names = _place_names(session, [p for p, _ in top_places])
    return {
        "total": len(rows),
        "closed": closed,
        "by_category": [{"category": c, "count": n} for c, n in sorted(by_category.items())],
        "by_place": [{"place_id": p, "name": names.get(p, ""), "count": n} for p, n in top_places],
        "accept_minutes": {"median": _percentile(accept_minutes, 0.5), "p90": _percentile(accept_minutes, 0.9)},
        "resolve_minutes": {"median": _percentile(resolve_minutes, 0.5), "p90": _percentile(resolve_minutes, 0.9)},
        "promise_kept_rate": round(kept_n / closed, 4) if closed else None,
        "rated": len(scores),
        "satisfaction_mean": round(sum(scores) / len(scores), 2) if scores else None,
        "recurring_places": recurring(session, where, end),
    }


def _place_names(session: Session, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(Place.id, Place.name).where(Place.id.in_(ids))).tuples().all())


def recurring(session: Session, where: ColumnElement[bool], end: datetime) -> list[dict[str, Any]]:
    """Places with ≥ 3 requests of one category in the 30 days before ``end``."""
    n = func.count(R.id)
    rows = session.execute(
        select(R.place_id, R.category, n)
        .where(where, R.place_id.is_not(None), R.created_at >= end - timedelta(days=30), R.created_at < end)
        .group_by(R.place_id, R.category)
        .having(n >= 3)
        .order_by(n.desc())
        .limit(50)
    ).all()
    names = _place_names(session, [r[0] for r in rows])
    return [{"place_id": p, "name": names.get(p, ""), "category": c, "count": k} for p, c, k in rows]


def per_university(session: Session, start: datetime, end: datetime) -> dict[int, dict[str, Any]]:
    """The province's comparison and the assessment's indicators: per university, in SQL."""
    closed = R.status == "closed"
    rows = session.execute(
        select(
            R.university_id,
            func.count(R.id),
            func.sum(case((closed, 1), else_=0)),
            func.sum(case((and_(closed, kept()), 1), else_=0)),
            func.count(R.score),
            func.avg(R.score),
        )
        .where(R.created_at >= start, R.created_at < end)
        .group_by(R.university_id)
    ).all()
    out: dict[int, dict[str, Any]] = defaultdict(dict)
    for uni, total, closed_n, kept_n, rated, mean in rows:
        closed_n, kept_n = int(closed_n or 0), int(kept_n or 0)
        out[uni] = {
            "requests": int(total),
            "closed": closed_n,
            "promise_kept_rate": round(kept_n / closed_n, 4) if closed_n else None,
            "rated": int(rated or 0),
            "satisfaction_mean": round(float(mean), 2) if rated else None,
        }
    return out
