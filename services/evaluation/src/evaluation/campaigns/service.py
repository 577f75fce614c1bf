"""Campaign rules (E1, E2): types, settings, the rubric and the phase machine.

Phases move forward one at a time, only by the province, each with a guard:
draft → nomination (a rubric exists) → preselection → review (something was submitted) → decision (every
submitted nomination has a complete score sheet) → publicity (``results.service.publish``) → final
(``results.service.finalize``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date

from fastapi import Request
from sqlalchemy.orm import Session

from evaluation.campaigns import repository as repo
from evaluation.campaigns.models import Campaign, CampaignCategory, CampaignPhaseDate, CampaignType, RubricCriterion
from evaluation.campaigns.schemas import (
    CampaignIn,
    CampaignOut,
    CampaignSettings,
    CampaignTypeIn,
    CampaignTypeOut,
    CategoryIn,
    CriterionOut,
    PhaseDates,
    RubricIn,
    RubricOut,
)
from evaluation.deps import audit, edit
from evaluation.vocabulary import EDITABLE_PHASES, PHASES
from sanquan_kernel.audit import snapshot
from sanquan_kernel.editing import Edit
from sanquan_kernel.errors import Conflict, NotFound, Unprocessable
from sanquan_kernel.outbox import emit
from sanquan_kernel.principal import Principal, Scope


@dataclass(frozen=True)
class BuiltinType:
    code: str
    name: str
    subject_kind: str
    name_en: str


#: E1, E2: the seed's campaign types. The province adds more through ``campaign_type``.
BUILTIN_TYPES = {
    t.code: t
    for t in (
        BuiltinType("pilot", "试点高校遴选", "university", "Pilot university selection"),
        BuiltinType("excellent_case", "优秀案例", "case", "Excellent cases"),
        BuiltinType("outstanding_person", "后勤育人先进个人", "person", "Outstanding logistics people"),
        BuiltinType("service_model_post", "服务育人示范岗", "post", "Service-education model posts"),
        BuiltinType("management_model_post", "管理育人示范岗", "post", "Management-education model posts"),
    )
}

AUDIT_FIELDS = (
    "type_code",
    "year",
    "title",
    "phase",
    "quota_per_university",
    "awards_count",
    "aggregation",
    "experts_per_nomination",
    "blind",
    "disagreement_threshold",
    "pilot_years",
)


def phase_index(phase: str) -> int:
    return PHASES.index(phase)


def require_phase(campaign: Campaign, *phases: str, action: str) -> None:
    """409 when ``action`` is not allowed in the campaign's current phase."""
    if campaign.phase not in phases:
        raise Conflict(
            f"{action} is not allowed in the {campaign.phase} phase (allowed: {', '.join(phases)})",
            phase=campaign.phase,
        )


def phase_date(session: Session, campaign: Campaign, phase: str) -> CampaignPhaseDate | None:
    return next((p for p in repo.phases(session, [campaign.id])[campaign.id] if p.phase == phase), None)


def require_open_window(session: Session, campaign: Campaign, phase: str, today: date, *, action: str) -> None:
    """409 when the dated window of ``phase`` has already closed (the phase itself is checked separately)."""
    window = phase_date(session, campaign, phase)
    if window is not None and today > window.ends_on:
        raise Conflict(f"{action}: the {phase} window closed on {window.ends_on.isoformat()}", phase=campaign.phase)


# -- types ------------------------------------------------------------------------------------------------------
def list_types(session: Session) -> list[CampaignTypeOut]:
    out = [
        CampaignTypeOut(code=t.code, name=t.name, name_en=t.name_en, subject_kind=t.subject_kind, builtin=True)
        for t in BUILTIN_TYPES.values()
    ]
    out += [
        CampaignTypeOut(code=t.code, name=t.name, subject_kind=t.subject_kind, builtin=False)
        for t in repo.custom_types(session)
    ]
    return out


def subject_kind_of(session: Session, type_code: str) -> str | None:
    if type_code in BUILTIN_TYPES:
        return BUILTIN_TYPES[type_code].subject_kind
    t = repo.custom_type(session, type_code)
    return t.subject_kind if t else None


def add_type(session: Session, principal: Principal, body: CampaignTypeIn) -> CampaignTypeOut:
    if body.code in BUILTIN_TYPES or repo.custom_type(session, body.code) is not None:
        raise Conflict(f"The campaign type {body.code} exists already")
    session.add(CampaignType(code=body.code, name=body.name, subject_kind=body.subject_kind))
    audit(session, principal, "campaign_type.create", "campaign_type", body.code, after=body.model_dump())
    return CampaignTypeOut(code=body.code, name=body.name, subject_kind=body.subject_kind, builtin=False)


# -- campaigns --------------------------------------------------------------------------------------------------
def to_out(session: Session, campaigns: list[Campaign]) -> list[CampaignOut]:
    ids = [c.id for c in campaigns]
    phases, cats = repo.phases(session, ids), repo.categories(session, ids)
    kinds = {code: t.subject_kind for code, t in BUILTIN_TYPES.items()}
    custom = {c.type_code for c in campaigns} - kinds.keys()
    if custom:  # one query for the page's custom types, not one per type
        kinds.update(repo.custom_subject_kinds(session, custom))
    out = []
    for c in campaigns:
        out.append(
            CampaignOut(
                id=c.id,
                type=c.type_code,
                subject_kind=kinds.get(c.type_code) or "case",
                year=c.year,
                title=c.title,
                description=c.description,
                phase=c.phase,
                quota_per_university=c.quota_per_university,
                awards_count=c.awards_count,
                aggregation=c.aggregation,
                experts_per_nomination=c.experts_per_nomination,
                blind=c.blind,
                disagreement_threshold=c.disagreement_threshold,
                pilot_years=c.pilot_years,
                phases=[PhaseDates.model_validate(p) for p in phases[c.id]],
                categories=[CategoryIn.model_validate(x) for x in cats[c.id]],
                publicity_starts_on=c.publicity_starts_on,
                publicity_ends_on=c.publicity_ends_on,
                published_at=c.published_at,
                finalized_at=c.finalized_at,
                created_at=c.created_at,
                version=c.version,
            )
        )
    return out


def _check_settings(body: CampaignSettings, type_code: str) -> None:
    errors = []
    if body.phases is not None:
        names = [p.phase for p in body.phases]
        if len(set(names)) != len(names):
            errors.append({"loc": ["body", "phases"], "msg": "a phase is listed twice"})
        ordered = sorted(body.phases, key=lambda p: PHASES.index(p.phase))
        for a, b in itertools.pairwise(ordered):
            if b.starts_on < a.starts_on:
                errors.append({"loc": ["body", "phases"], "msg": f"{b.phase} starts before {a.phase}"})
    if body.categories is not None:
        codes = [c.code for c in body.categories]
        if len(set(codes)) != len(codes):
            errors.append({"loc": ["body", "categories"], "msg": "a category code is listed twice"})
    if body.pilot_years is not None and type_code != "pilot":
        errors.append({"loc": ["body", "pilot_years"], "msg": "only a pilot-selection campaign names pilot years"})
    if errors:
        raise Unprocessable("The campaign settings are inconsistent", errors=errors)


def _apply_children(session: Session, campaign: Campaign, body: CampaignSettings) -> None:
    if body.phases is not None:
        repo.replace_phases(
            session,
            campaign.id,
            [
                CampaignPhaseDate(campaign_id=campaign.id, phase=p.phase, starts_on=p.starts_on, ends_on=p.ends_on)
                for p in body.phases
            ],
        )
    if body.categories is not None:
        repo.replace_categories(
            session,
            campaign.id,
            [
                CampaignCategory(campaign_id=campaign.id, code=c.code, name=c.name, quota=c.quota)
                for c in body.categories
            ],
        )


def create(session: Session, principal: Principal, body: CampaignIn) -> Campaign:
    kind = subject_kind_of(session, body.type)
    if kind is None:
        raise Unprocessable("Unknown campaign type", errors=[{"loc": ["body", "type"], "msg": "unknown type"}])
    _check_settings(body, body.type)
    campaign = Campaign(
        type_code=body.type,
        year=body.year,
        title=body.title,
        description=body.description or "",
        quota_per_university=body.quota_per_university,
        awards_count=body.awards_count,
        aggregation=body.aggregation,
        experts_per_nomination=body.experts_per_nomination,
        blind=body.blind,
        disagreement_threshold=body.disagreement_threshold,
        pilot_years=body.pilot_years,
        phase="draft",
        version=1,
    )
    session.add(campaign)
    session.flush()
    _apply_children(session, campaign, body)
    audit(session, principal, "campaign.create", "campaign", campaign.id, after=snapshot(campaign, *AUDIT_FIELDS))
    return campaign


def update(
    session: Session, request: Request | None, principal: Principal, campaign: Campaign, body: CampaignSettings
) -> Campaign:
    with edit(session, request, campaign, principal, "campaign.update", entity="campaign", fields=AUDIT_FIELDS) as e:
        require_phase(campaign, *EDITABLE_PHASES, action="Changing the campaign's settings")
        _check_settings(body, campaign.type_code)
        for name in (
            "title",
            "description",
            "quota_per_university",
            "awards_count",
            "aggregation",
            "experts_per_nomination",
            "blind",
            "disagreement_threshold",
            "pilot_years",
        ):
            value = getattr(body, name)
            if value is not None:
                setattr(campaign, name, value)
        _apply_children(session, campaign, body)
        e.touch()
    return campaign


def advance(session: Session, request: Request | None, principal: Principal, campaign: Campaign, to: str) -> Campaign:
    """Move to the next phase, after its guard. Publicity and final have endpoints of their own."""
    with edit(session, request, campaign, principal, "campaign.advance", entity="campaign", fields=("phase",)) as e:
        current = phase_index(campaign.phase)
        if phase_index(to) != current + 1:
            raise Conflict(f"A campaign in the {campaign.phase} phase cannot move to {to}", phase=campaign.phase)
        if to in ("publicity", "final"):
            raise Conflict(
                f"Use the {'publish' if to == 'publicity' else 'finalize'} action to enter {to}", phase=campaign.phase
            )
        _guard(session, campaign, to)
        e.set(phase=to)
        if to == "nomination":  # issue #18: the universities may nominate now
            emit(
                session,
                "nomination.phase_opened",
                subject=f"campaign:{campaign.id}",
                data={"campaign_id": campaign.id, "title": campaign.title, "year": campaign.year},
            )
    return campaign


def _guard(session: Session, campaign: Campaign, to: str) -> None:
    if to == "nomination" and not repo.criteria(session, campaign.id):
        raise Conflict("The campaign has no rubric yet", phase=campaign.phase)
    if to == "review" and repo.submitted_count(session, campaign.id) == 0:
        raise Conflict("No nomination has been submitted", phase=campaign.phase)
    if to == "decision":
        unscored = repo.unscored_submitted_count(session, campaign.id)
        if unscored:
            raise Conflict(f"{unscored} submitted nomination(s) have no complete score sheet yet", phase=campaign.phase)


# -- rubric -----------------------------------------------------------------------------------------------------
def rubric(session: Session, campaign: Campaign) -> RubricOut:
    return RubricOut(
        campaign_id=campaign.id, criteria=[CriterionOut.model_validate(c) for c in repo.criteria(session, campaign.id)]
    )


def replace_rubric(
    session: Session, request: Request | None, principal: Principal, campaign: Campaign, body: RubricIn
) -> RubricOut:
    with edit(session, request, campaign, principal, "campaign.rubric", entity="campaign") as e:
        return _replace_rubric(session, e, campaign, body)


def _replace_rubric(session: Session, e: Edit[Campaign], campaign: Campaign, body: RubricIn) -> RubricOut:
    require_phase(campaign, *EDITABLE_PHASES, action="Changing the rubric")
    codes = [c.code for c in body.criteria]
    errors = [
        {"loc": ["body", "criteria", i, "code"], "msg": "duplicate code"}
        for i, c in enumerate(codes)
        if codes.index(c) != i
    ]
    for i, c in enumerate(body.criteria):
        errors += [
            {"loc": ["body", "criteria", i, "levels", j], "msg": "a level is above max_score"}
            for j, lv in enumerate(c.levels)
            if lv.score > c.max_score
        ]
    if errors:
        raise Unprocessable("The rubric is invalid", errors=errors)
    before = rubric(session, campaign).model_dump(mode="json")
    repo.replace_criteria(
        session,
        campaign.id,
        [
            RubricCriterion(
                campaign_id=campaign.id,
                position=i,
                code=c.code,
                name=c.name,
                weight=c.weight,
                max_score=c.max_score,
                levels=[lv.model_dump() for lv in c.levels],
            )
            for i, c in enumerate(body.criteria)
        ],
    )
    e.touch()
    after = rubric(session, campaign)
    e.before, e.after = before, after.model_dump(mode="json")
    return after


def load(session: Session, scope: Scope, campaign_id: int) -> Campaign:
    campaign = repo.get(session, scope, campaign_id)
    if campaign is None:
        raise NotFound("No such campaign")
    return campaign
