"""The figures of an annual summary and of the province's report (Y3), gathered from their owners over HTTP with
the evaluation service's own token, as the scorecards are (``evaluation.sources``):

- plans ``/annual-figures``: completion by task category (P3), overdue milestones (P4), rectifications (Y2);
- plans ``/indicators``: work-study ratio (P6), the special fund planned and spent (P5);
- training ``/indicators`` and ``/reports/themes``: compliance (T1) and theme coverage (T2);
- this service: awards won in the year's final campaigns (E2).

A source that fails leaves its part out and names the reason in ``unavailable``: a summary is still written."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from evaluation.campaigns.models import Campaign
from evaluation.nominations.models import Nomination
from evaluation.results.models import ResultEntry
from evaluation.sources import NotInSource, SourceUnavailable, get_json
from sanquan_kernel.service_client import ServiceClient


@dataclass(frozen=True)
class Sources:
    client: ServiceClient | None
    plans_url: str
    training_url: str
    timeout: float


@dataclass
class Fetched:
    plans: dict[str, Any] | None = None
    plans_indicators: dict[str, Any] | None = None
    training: dict[str, Any] | None = None
    themes: dict[str, Any] | None = None
    errors: dict[str, str] | None = None


def _get(src: Sources, source: str, base: str, path: str, params: dict[str, Any]) -> dict[str, Any] | str:
    try:
        return get_json(
            src.client, source, f"{base.rstrip('/')}/api/{source}/{path}", params=params, timeout=src.timeout
        )
    except SourceUnavailable as exc:
        return exc.reason
    except NotInSource:
        return f"the {source} service has no {path} endpoint (HTTP 404)"
    except Exception as exc:  # noqa: BLE001 - anything odd from a source is "unavailable", not a 500
        return f"the {source} service answered unexpectedly ({type(exc).__name__})"


def fetch(src: Sources, year: int, university_id: int | None) -> Fetched:
    """The four calls side by side (each answers in its own service's time)."""
    one = {"university_id": university_id} if university_id is not None else {}
    calls = {
        "plans": (src.plans_url, "plans", "annual-figures", {"year": year, **one}),
        "plans_indicators": (src.plans_url, "plans", "indicators", {"year": year}),
        "training": (src.training_url, "training", "indicators", {"year": year}),
        "themes": (
            src.training_url,
            "training",
            "reports/themes",
            {"year": year, **({"org_id": university_id} if university_id is not None else {})},
        ),
    }
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = {
            k: pool.submit(_get, src, source, base, path, params) for k, (base, source, path, params) in calls.items()
        }
        answers = {k: f.result() for k, f in futures.items()}
    out = Fetched(errors={})
    assert out.errors is not None
    for k, a in answers.items():
        if isinstance(a, str):
            out.errors[k.split("_")[0]] = a
        else:
            setattr(out, k, a)
    return out


def by_university(doc: dict[str, Any] | None) -> dict[int, dict[str, Any]]:
    items = (doc or {}).get("items") or []
    return {int(i["university_id"]): i for i in items if isinstance(i, dict) and "university_id" in i}


def awards(session: Session, year: int, university_id: int | None = None) -> list[dict[str, Any]]:
    """E2: the awarded entries of the year's final campaigns (pilot selection excluded), by campaign and rank."""
    stmt = (
        select(Campaign.title, Campaign.type_code, ResultEntry.rank, ResultEntry.university_id, Nomination.title)
        .join(Campaign, Campaign.id == ResultEntry.campaign_id)
        .join(Nomination, Nomination.id == ResultEntry.nomination_id)
        .where(
            Campaign.year == year,
            Campaign.phase == "final",
            Campaign.type_code != "pilot",
            ResultEntry.awarded.is_(True),
        )
        .order_by(Campaign.id, ResultEntry.rank)
    )
    if university_id is not None:
        stmt = stmt.where(ResultEntry.university_id == university_id)
    return [
        {"campaign": c, "type_code": t, "rank": r, "university_id": u, "title": n}
        for c, t, r, u, n in session.execute(stmt)
    ]


def university_figures(fetched: Fetched, university_id: int, awarded: list[dict[str, Any]]) -> dict[str, Any]:
    """One university's figures (what its summary stores), from what was fetched for it or for the province."""
    p = by_university(fetched.plans).get(university_id, {})
    pi = by_university(fetched.plans_indicators).get(university_id, {})
    t = by_university(fetched.training).get(university_id, {})
    out: dict[str, Any] = {"unavailable": dict(fetched.errors or {})}
    if fetched.plans is not None:
        out["plan"] = {
            "plan_status": p.get("plan_status"),
            "categories": p.get("categories", []),
            "milestones": p.get("milestones", 0),
            "milestones_done": p.get("milestones_done", 0),
            "milestones_overdue": p.get("milestones_overdue", 0),
            "completion": p.get("completion"),
        }
        out["rectifications"] = {
            "total": p.get("rectifications", 0),
            "closed": p.get("rectifications_closed", 0),
            "open": p.get("rectifications_open", 0),
        }
    if fetched.plans_indicators is not None:
        out["work_study"] = {
            "total_posts": pi.get("total_posts", 0),
            "work_study_posts": pi.get("work_study_posts", 0),
            "ratio": pi.get("work_study_ratio", 0.0),
            "ok": pi.get("work_study_ok", False),
        }
        out["funding"] = {
            "planned": pi.get("special_fund_planned", 0.0),
            "spent": pi.get("special_fund_spent", 0.0),
            "spent_rate": pi.get("special_fund_spent_rate", 0.0),
        }
    if fetched.training is not None:
        out["training"] = {
            "staff_total": t.get("staff_total", 0),
            "compliant": t.get("compliant", 0),
            "compliance_rate": t.get("compliance_rate", 0.0),
            "hours": t.get("hours", 0.0),
            "days": t.get("days", 0.0),
            "themes": [
                {
                    "theme": i.get("theme"),
                    "label": i.get("label"),
                    "covered": i.get("covered"),
                    "coverage": i.get("coverage"),
                }
                for i in (fetched.themes or {}).get("items", [])
            ],
        }
    out["awards"] = {"count": len(awarded), "items": awarded}
    return out
