"""Ranking, decision, publicity (公示), objections and final results (E1, E2).

- The province ranks submitted nominations by the campaign's aggregation method (any method on request, to
  compare) and sees who the experts disagree on.
- In the decision phase it decides: the ranking is frozen into result entries and the awarded nominations are
  marked (by default the best ``awards_count``).
- Publishing opens the publicity period: the awarded entries become visible to everyone, universities may lodge
  objections until the period ends, the province answers them.
- Finalising needs every objection answered and the period over. A pilot-selection campaign's final result makes
  the awarded universities pilots for the campaign's pilot years (E1).
"""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import Request
from sqlalchemy.orm import Session

from evaluation.campaigns.models import Campaign
from evaluation.campaigns.service import require_phase
from evaluation.deps import audit, edit
from evaluation.events.service import conferences
from evaluation.results import repository as repo
from evaluation.results.models import Objection, PilotUniversity, ResultEntry
from evaluation.results.repository import NominationBrief
from evaluation.results.schemas import (
    DecisionIn,
    ObjectionIn,
    PublishIn,
    RankingItem,
    RankingOut,
    ResultsOut,
)
from evaluation.review import repository as review_repo
from evaluation.review.aggregation import aggregate, rank
from evaluation.vocabulary import PUBLISHED_PHASES
from sanquan_kernel.db import utcnow
from sanquan_kernel.editing import Edit
from sanquan_kernel.errors import Conflict, NotFound, Unprocessable
from sanquan_kernel.orgdir import OrgDirectory
from sanquan_kernel.outbox import emit
from sanquan_kernel.principal import Principal, Scope


def _r(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def ranking(session: Session, campaign: Campaign, orgdir: OrgDirectory, method: str | None = None) -> RankingOut:
    method = method or campaign.aggregation
    noms = repo.submitted_nominations(session, campaign.id)
    aggs = aggregate(
        [t for t in review_repo.complete_totals(session, campaign.id) if t[0] in noms], campaign.disagreement_threshold
    )
    items = []
    for position, nom_id, a in rank(aggs, noms, method):
        n = noms[nom_id]
        items.append(
            RankingItem(
                rank=position,
                nomination_id=n.id,
                title=n.title,
                university_id=n.university_id,
                university_name=orgdir.name(n.university_id) or None,
                department_id=n.department_id,
                subject_name=n.subject_name,
                category=n.category,
                expert_count=a.expert_count if a else 0,
                score=_r(a.value(method)) if a else None,
                mean=_r(a.mean) if a else None,
                trimmed_mean=_r(a.trimmed_mean) if a else None,
                zscore=_r(a.zscore) if a else None,
                spread=_r(a.spread) if a else None,
                disagreement=a.disagreement if a else False,
            )
        )
    return RankingOut(
        campaign_id=campaign.id, method=method, disagreement_threshold=campaign.disagreement_threshold, items=items
    )


def decide(
    session: Session,
    request: Request | None,
    principal: Principal,
    campaign: Campaign,
    body: DecisionIn,
    orgdir: OrgDirectory,
) -> ResultsOut:
    with edit(session, request, campaign, principal, "campaign.decide", entity="campaign") as e:
        _decide(session, e, campaign, body, orgdir)
    return results(session, None, campaign, orgdir)


def _decide(session: Session, e: Edit[Campaign], campaign: Campaign, body: DecisionIn, orgdir: OrgDirectory) -> None:
    require_phase(campaign, "decision", action="Deciding")
    ranked = ranking(session, campaign, orgdir)
    if body.awarded_nomination_ids is None:
        awarded = {i.nomination_id for i in ranked.items if i.rank > 0}
        awarded = {i.nomination_id for i in ranked.items[: campaign.awards_count] if i.nomination_id in awarded}
    else:
        awarded = set(body.awarded_nomination_ids)
        unknown = awarded - {i.nomination_id for i in ranked.items}
        if unknown:
            raise Unprocessable(
                "Only submitted nominations of this campaign can be awarded",
                errors=[{"loc": ["body", "awarded_nomination_ids"], "msg": f"not submitted here: {sorted(unknown)}"}],
            )
    repo.replace_entries(
        session,
        campaign.id,
        [
            ResultEntry(
                campaign_id=campaign.id,
                nomination_id=i.nomination_id,
                university_id=i.university_id,
                department_id=i.department_id,
                rank=i.rank,
                score=i.score,
                mean=i.mean,
                trimmed_mean=i.trimmed_mean,
                zscore=i.zscore,
                expert_count=i.expert_count,
                spread=i.spread,
                disagreement=i.disagreement,
                awarded=i.nomination_id in awarded,
            )
            for i in ranked.items
        ],
    )
    e.touch()
    e.after = {"method": campaign.aggregation, "awarded": sorted(awarded)}


def working_days(start: date, end: date) -> int:
    """Monday to Friday from ``start`` to ``end``, both included (public holidays are not modelled)."""
    days = (end - start).days + 1
    if days <= 0:
        return 0
    weeks, rest = divmod(days, 7)
    return weeks * 5 + sum(1 for i in range(rest) if (start + timedelta(days=weeks * 7 + i)).weekday() < 5)


def check_publicity(body: PublishIn, today: date, *, min_working_days: int, allow_past: bool = False) -> None:
    """E2: the objection window is real — it starts no earlier than the day of publication and lasts at least
    ``min_working_days`` working days. 422 naming the field otherwise."""
    errors = []
    if body.publicity_starts_on < today and not allow_past:
        errors.append(
            {"loc": ["body", "publicity_starts_on"], "msg": f"before the day of publication ({today.isoformat()})"}
        )
    n = working_days(body.publicity_starts_on, body.publicity_ends_on)
    if n < min_working_days:
        errors.append(
            {
                "loc": ["body", "publicity_ends_on"],
                "msg": f"the period has {n} working day(s); at least {min_working_days} are required",
            }
        )
    if errors:
        raise Unprocessable(
            "The publicity period is not valid: " + "; ".join(f"{e['loc'][-1]} {e['msg']}" for e in errors),
            errors=errors,
        )


def publish(
    session: Session,
    request: Request | None,
    principal: Principal,
    campaign: Campaign,
    body: PublishIn,
    today: date,
    *,
    min_working_days: int,
    allow_past: bool = False,
) -> Campaign:
    with edit(session, request, campaign, principal, "campaign.publish", entity="campaign") as e:
        require_phase(campaign, "decision", action="Publishing")
        check_publicity(body, today, min_working_days=min_working_days, allow_past=allow_past)
        if not repo.entries(session, campaign.id):
            raise Conflict("Nothing has been decided yet")
        e.set(
            phase="publicity",
            publicity_starts_on=body.publicity_starts_on,
            publicity_ends_on=body.publicity_ends_on,
            published_at=utcnow(),
        )
        e.before = {"phase": "decision"}
        e.after = {
            "phase": "publicity",
            "publicity_starts_on": body.publicity_starts_on.isoformat(),
            "publicity_ends_on": body.publicity_ends_on.isoformat(),
        }
        emit(
            session,
            "results.published",
            subject=f"campaign:{campaign.id}",
            data={
                "campaign_id": campaign.id,
                "title": campaign.title,
                "year": campaign.year,
                "publicity_ends_on": body.publicity_ends_on,
            },
        )
    return campaign


def results(session: Session, scope: Scope | None, campaign: Campaign, orgdir: OrgDirectory) -> ResultsOut:
    """The decided results: the province's whole ranking (``scope`` None or ALL) from the decision on;
    everyone else only once published — before that they do not exist for them (404)."""
    restricted = scope is not None and not scope.is_all
    if restricted and campaign.phase not in PUBLISHED_PHASES:
        raise NotFound("The results of this campaign are not published")
    entries = repo.entries(session, campaign.id, scope=scope)
    if not entries and campaign.phase not in ("decision", *PUBLISHED_PHASES):
        raise NotFound("Nothing has been decided yet")
    noms = repo.submitted_nominations(session, campaign.id)
    items = [_entry_item(e, noms.get(e.nomination_id), orgdir) for e in entries]
    return ResultsOut(
        campaign_id=campaign.id,
        phase=campaign.phase,
        method=campaign.aggregation,
        published_at=campaign.published_at,
        publicity_starts_on=campaign.publicity_starts_on,
        publicity_ends_on=campaign.publicity_ends_on,
        final=campaign.phase == "final",
        items=items,
        conferences=conferences(session, [campaign.id])[campaign.id],
    )


def _entry_item(e: ResultEntry, n: NominationBrief | None, orgdir: OrgDirectory) -> RankingItem:
    return RankingItem(
        rank=e.rank,
        nomination_id=e.nomination_id,
        title=n.title if n else "",
        university_id=e.university_id,
        university_name=orgdir.name(e.university_id) or None,
        department_id=e.department_id,
        subject_name=n.subject_name if n else None,
        category=n.category if n else None,
        expert_count=e.expert_count,
        score=e.score,
        mean=e.mean,
        trimmed_mean=e.trimmed_mean,
        zscore=e.zscore,
        spread=e.spread,
        disagreement=e.disagreement,
        awarded=e.awarded,
    )


def lodge_objection(
    session: Session, principal: Principal, campaign: Campaign, body: ObjectionIn, today: date
) -> Objection:
    require_phase(campaign, "publicity", action="Lodging an objection")
    assert campaign.publicity_starts_on is not None and campaign.publicity_ends_on is not None
    if not campaign.publicity_starts_on <= today <= campaign.publicity_ends_on:
        raise Conflict(f"Objections are accepted from {campaign.publicity_starts_on} to {campaign.publicity_ends_on}")
    if repo.awarded_entry(session, campaign.id, body.nomination_id) is None:
        raise NotFound("No such published result")
    assert principal.university_id is not None
    o = Objection(
        campaign_id=campaign.id,
        nomination_id=body.nomination_id,
        university_id=principal.university_id,
        text=body.text,
        lodged_by=principal.subject,
        status="open",
        version=1,
    )
    session.add(o)
    session.flush()
    audit(
        session,
        principal,
        "objection.lodge",
        "objection",
        o.id,
        university_id=o.university_id,
        after={"nomination_id": o.nomination_id, "text": o.text},
    )
    emit(
        session,
        "objection.received",
        subject=f"objection:{o.id}",
        university_id=o.university_id,
        data={
            "objection_id": o.id,
            "campaign_id": campaign.id,
            "title": campaign.title,
            "nomination_id": o.nomination_id,
        },
    )
    return o


def answer_objection(
    session: Session, request: Request | None, principal: Principal, o: Objection, answer: str
) -> Objection:
    with edit(session, request, o, principal, "objection.answer", entity="objection") as e:
        if o.status != "open":
            raise Conflict("The objection has been answered already")
        e.set(status="answered", answer=answer, answered_by=principal.subject, answered_at=utcnow())
        e.before, e.after = {"status": "open"}, {"status": "answered", "answer": answer}
    return o


def finalize(
    session: Session, request: Request | None, principal: Principal, campaign: Campaign, today: date
) -> Campaign:
    with edit(session, request, campaign, principal, "campaign.finalize", entity="campaign") as e:
        _finalize(session, e, campaign, today)
    return campaign


def _finalize(session: Session, e: Edit[Campaign], campaign: Campaign, today: date) -> None:
    require_phase(campaign, "publicity", action="Finalising")
    assert campaign.publicity_ends_on is not None
    if today <= campaign.publicity_ends_on:
        raise Conflict(f"The publicity period runs until {campaign.publicity_ends_on}")
    open_count = repo.open_objections(session, campaign.id)
    if open_count:
        raise Conflict(f"{open_count} objection(s) are not answered yet")
    e.set(phase="final", finalized_at=utcnow())
    pilots: list[tuple[int, int]] = []
    if campaign.type_code == "pilot":
        # E1: the awarded universities become pilots for the years the campaign names.
        years = campaign.pilot_years or [campaign.year]
        unis = [e.university_id for e in repo.entries(session, campaign.id) if e.awarded]
        have = repo.existing_pilots(session, unis, years)
        for u in unis:
            for y in years:
                if (u, y) not in have:
                    session.add(PilotUniversity(university_id=u, year=y, campaign_id=campaign.id))
                    pilots.append((u, y))
    e.before, e.after = {"phase": "publicity"}, {"phase": "final", "pilots": pilots}
