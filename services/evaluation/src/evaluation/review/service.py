"""Expert review rules (E2).

- The province names a campaign's panel (each expert with their own university, or none) and assigns experts:
  automatically (N per nomination, balanced by load) or by hand. An expert never gets a nomination of their own
  university, nor one they declared a conflict with (the nomination, or its whole university).
- An expert scores each criterion of an assigned nomination, with an optional comment, and can revise until the
  review phase ends; every change is audited with its before and after.
- An expert only ever sees their own sheets; the province sees all of them; universities see none.
"""

from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.orm import Session

from evaluation.campaigns import repository as campaign_repo
from evaluation.campaigns.models import Campaign
from evaluation.campaigns.service import require_phase
from evaluation.deps import audit
from evaluation.nominations.models import Nomination
from evaluation.review import repository as repo
from evaluation.review.aggregation import Criterion, sheet_total
from evaluation.review.assign import PanelExpert, plan_assignments
from evaluation.review.models import Assignment, CampaignExpert, DeclaredConflict, Score
from evaluation.review.schemas import (
    AutoAssignOut,
    ConflictIn,
    ConflictOut,
    PanelExpertOut,
    PanelIn,
    PanelOut,
    ScoreOut,
    ScoreSheetOut,
    ScoresIn,
    ShortNomination,
)
from evaluation.vocabulary import ASSIGNING_PHASES
from sanquan_kernel.accounts import AccountDirectory
from sanquan_kernel.errors import Conflict, Forbidden, NotFound, Unprocessable
from sanquan_kernel.orgdir import OrgDirectory
from sanquan_kernel.outbox import emit
from sanquan_kernel.principal import Principal, Role


# -- panel ------------------------------------------------------------------------------------------------------
def panel(session: Session, campaign: Campaign) -> PanelOut:
    loads = repo.loads(session, campaign.id)
    return PanelOut(
        campaign_id=campaign.id,
        experts=[
            PanelExpertOut(
                expert_id=e.expert_id,
                university_id=e.university_id,
                name=e.name,
                load=loads.get(e.expert_id, (0, 0))[0],
                completed=loads.get(e.expert_id, (0, 0))[1],
            )
            for e in repo.panel(session, campaign.id)
        ],
    )


def set_panel(
    session: Session,
    principal: Principal,
    campaign: Campaign,
    body: PanelIn,
    orgdir: OrgDirectory,
    accounts: AccountDirectory,
) -> PanelOut:
    """Name the panel. An expert's university is the one of their account (asked of the gateway), whatever the
    body says; a declared ``university_id`` that differs only adds a conflict with that university."""
    require_phase(campaign, "draft", "nomination", "preselection", "review", action="Changing the expert panel")
    errors = [
        {"loc": ["body", "experts", i, "university_id"], "msg": "not a university"}
        for i, e in enumerate(body.experts)
        if e.university_id is not None and not orgdir.is_university(e.university_id)
    ]
    ids = [e.expert_id for e in body.experts]
    errors += [
        {"loc": ["body", "experts", i, "expert_id"], "msg": "listed twice"}
        for i, x in enumerate(ids)
        if ids.index(x) != i
    ]
    found = accounts.lookup(ids)
    for i, e in enumerate(body.experts):
        acc = found.get(e.expert_id)
        msg = (
            "no such account"
            if acc is None
            else "the account is deactivated"
            if not acc.active
            else "not an expert's account"
            if acc.role != "expert"
            else None
        )
        if msg:
            errors.append({"loc": ["body", "experts", i, "expert_id"], "msg": msg})
    if errors:
        raise Unprocessable("The panel is invalid", errors=errors)
    own = {x: found[x].university_id for x in ids}
    current = {e.expert_id: e for e in repo.panel(session, campaign.id)}
    loads = repo.loads(session, campaign.id)
    removed = [x for x in current if x not in set(ids)]
    busy = [x for x in removed if loads.get(x, (0, 0))[0]]
    if busy:
        raise Conflict("Experts with assignments cannot leave the panel; remove their assignments first", experts=busy)
    for x in removed:
        session.delete(current[x])
    declared = {(c.expert_id, c.university_id) for c in repo.conflicts(session, campaign.id)}
    for e in body.experts:
        row = current.get(e.expert_id)
        university_id = own[e.expert_id]
        if row is None:
            session.add(
                CampaignExpert(campaign_id=campaign.id, expert_id=e.expert_id, university_id=university_id, name=e.name)
            )
        elif row.university_id != university_id and loads.get(e.expert_id, (0, 0))[0]:
            raise Conflict("An expert's university cannot change while they have assignments", experts=[e.expert_id])
        else:
            row.university_id, row.name = university_id, e.name
        extra = e.university_id
        if extra is not None and extra != university_id and (e.expert_id, extra) not in declared:
            # an affiliation the province knows of: one more conflict, never one less
            session.add(
                DeclaredConflict(
                    campaign_id=campaign.id,
                    expert_id=e.expert_id,
                    nomination_id=None,
                    university_id=extra,
                    reason="affiliation declared with the panel",
                )
            )
            declared.add((e.expert_id, extra))
    session.flush()
    audit(
        session,
        principal,
        "campaign.panel",
        "campaign",
        campaign.id,
        before={"experts": sorted(current)},
        after={"experts": sorted(ids), "universities": {str(x): own[x] for x in sorted(ids)}},
    )
    return panel(session, campaign)


def _universities(accounts: AccountDirectory, panel_rows: list[CampaignExpert]) -> dict[int, set[int]]:
    """Each panel expert's universities: the account's as it is now, and the one stored with the panel (a panel
    named before accounts were checked, or an account moved since): both are conflicts."""
    found = accounts.lookup([e.expert_id for e in panel_rows])
    out: dict[int, set[int]] = {}
    for e in panel_rows:
        acc = found.get(e.expert_id)
        out[e.expert_id] = {u for u in (e.university_id, acc.university_id if acc else None) if u is not None}
    return out


# -- assignment -------------------------------------------------------------------------------------------------
def auto_assign(
    session: Session, principal: Principal, campaign: Campaign, accounts: AccountDirectory
) -> AutoAssignOut:
    require_phase(campaign, *ASSIGNING_PHASES, action="Assigning experts")
    rows = repo.panel(session, campaign.id)
    if not rows:
        raise Conflict("The campaign has no expert panel")
    universities = _universities(accounts, rows)
    experts = [PanelExpert(e.expert_id, None) for e in rows]
    declared = repo.conflicts(session, campaign.id)
    existing = repo.existing_pairs(session, campaign.id)
    plan = plan_assignments(
        repo.submitted(session, campaign.id),
        experts,
        campaign.experts_per_nomination,
        existing=existing,
        conflicts=[(c.nomination_id, c.expert_id) for c in declared if c.nomination_id is not None],
        university_conflicts=[(c.expert_id, c.university_id) for c in declared if c.university_id is not None]
        + [(x, u) for x, us in universities.items() for u in us],
    )
    if plan.pairs:
        session.execute(
            insert(Assignment),
            [
                {"campaign_id": campaign.id, "nomination_id": n, "expert_id": e, "method": "auto", "complete": False}
                for n, e in plan.pairs
            ],
        )
    audit(
        session,
        principal,
        "assignment.auto",
        "campaign",
        campaign.id,
        after={"created": len(plan.pairs), "pairs": plan.pairs, "short": plan.short},
    )
    per_expert: dict[int, int] = {}
    for _n, expert in plan.pairs:
        per_expert[expert] = per_expert.get(expert, 0) + 1
    for expert, count in sorted(per_expert.items()):
        _assigned(session, campaign, expert, count)
    loads = list(plan.load.values()) or [0]
    return AutoAssignOut(
        created=len(plan.pairs),
        assignments_total=len(existing) + len(plan.pairs),
        short=[ShortNomination(nomination_id=n, missing=m) for n, m in sorted(plan.short.items())],
        load_min=min(loads),
        load_max=max(loads),
    )


def assign(
    session: Session,
    principal: Principal,
    campaign: Campaign,
    nomination: Nomination,
    expert_id: int,
    accounts: AccountDirectory,
) -> Assignment:
    require_phase(campaign, *ASSIGNING_PHASES, action="Assigning experts")
    member = repo.panel_member(session, campaign.id, expert_id)
    if member is None:
        raise Unprocessable(
            "Not an expert of this campaign's panel", errors=[{"loc": ["body", "expert_id"], "msg": "not on the panel"}]
        )
    if nomination.status != "submitted":
        raise Conflict(f"A {nomination.status} nomination is not reviewed")
    if nomination.university_id in _universities(accounts, [member])[expert_id]:
        raise Conflict("Conflict of interest: the expert belongs to the nominating university")
    if repo.has_conflict(session, campaign.id, expert_id, nomination):
        raise Conflict("Conflict of interest: the expert declared a conflict with this nomination")
    if repo.assignment(session, nomination.id, expert_id) is not None:
        raise Conflict("The expert is already assigned to this nomination")
    a = Assignment(
        campaign_id=campaign.id, nomination_id=nomination.id, expert_id=expert_id, method="manual", complete=False
    )
    session.add(a)
    session.flush()
    audit(
        session,
        principal,
        "assignment.create",
        "assignment",
        a.id,
        university_id=nomination.university_id,
        after={"nomination_id": nomination.id, "expert_id": expert_id},
    )
    _assigned(session, campaign, expert_id, 1)
    return a


def _assigned(session: Session, campaign: Campaign, expert_id: int, count: int) -> None:
    """Issue #18: the expert is told of new nominations to review (no university: the province's campaign)."""
    emit(
        session,
        "expert.assigned",
        subject=f"campaign:{campaign.id}",
        data={"campaign_id": campaign.id, "title": campaign.title, "year": campaign.year, "count": count},
        recipients=[expert_id],
    )


def unassign(session: Session, principal: Principal, campaign: Campaign, a: Assignment) -> None:
    require_phase(campaign, *ASSIGNING_PHASES, action="Removing an assignment")
    sheet = [{"criterion_id": s.criterion_id, "score": s.score} for s in repo.scores(session, a.id)]
    audit(
        session,
        principal,
        "assignment.delete",
        "assignment",
        a.id,
        before={"nomination_id": a.nomination_id, "expert_id": a.expert_id, "scores": sheet},
    )
    repo.delete_assignment(session, a)


def declare_conflict(
    session: Session, principal: Principal, campaign: Campaign, body: ConflictIn, nomination: Nomination | None
) -> ConflictOut:
    """An expert declares a conflict; assignments it touches are removed (with their scores, audited)."""
    assert principal.user_id is not None
    require_phase(campaign, "nomination", "preselection", "review", action="Declaring a conflict")
    if repo.panel_member(session, campaign.id, principal.user_id) is None:
        raise NotFound("You are not on this campaign's panel")
    c = DeclaredConflict(
        campaign_id=campaign.id,
        expert_id=principal.user_id,
        nomination_id=body.nomination_id,
        university_id=body.university_id,
        reason=body.reason,
    )
    session.add(c)
    session.flush()
    if nomination is not None:
        touched = [a for a in [repo.assignment(session, nomination.id, principal.user_id)] if a is not None]
    else:
        assert body.university_id is not None
        touched = repo.assignments_of_expert_for_university(session, campaign.id, principal.user_id, body.university_id)
    for a in touched:
        audit(
            session,
            principal,
            "assignment.delete",
            "assignment",
            a.id,
            before={"nomination_id": a.nomination_id, "expert_id": a.expert_id, "reason": "declared conflict"},
        )
        repo.delete_assignment(session, a)
    audit(
        session,
        principal,
        "conflict.declare",
        "declared_conflict",
        c.id,
        after={"nomination_id": c.nomination_id, "university_id": c.university_id, "reason": c.reason},
    )
    out = ConflictOut.model_validate(c)
    out.assignments_removed = len(touched)
    return out


# -- scores -----------------------------------------------------------------------------------------------------
def _sheet(session: Session, campaign_id: int, a: Assignment) -> ScoreSheetOut:
    criteria = campaign_repo.criteria(session, campaign_id)
    by_criterion = {s.criterion_id: s for s in repo.scores(session, a.id)}
    items = []
    for c in criteria:
        s = by_criterion.get(c.id)
        items.append(
            ScoreOut(
                criterion_id=c.id,
                code=c.code,
                name=c.name,
                weight=c.weight,
                max_score=c.max_score,
                score=s.score if s else None,
                comment=s.comment if s else "",
                updated_at=s.updated_at if s else None,
            )
        )
    return ScoreSheetOut(
        nomination_id=a.nomination_id, expert_id=a.expert_id, items=items, total=a.total, complete=a.complete
    )


def save_scores(
    session: Session, principal: Principal, campaign: Campaign, nomination: Nomination, body: ScoresIn
) -> ScoreSheetOut:
    if principal.role is not Role.EXPERT or principal.user_id is None:
        raise Forbidden("Only experts score")
    require_phase(campaign, "review", action="Scoring")
    a = repo.assignment(session, nomination.id, principal.user_id)
    if a is None:
        raise NotFound("No such nomination")
    criteria = {c.id: c for c in campaign_repo.criteria(session, campaign.id)}
    errors = []
    seen: set[int] = set()
    for i, item in enumerate(body.items):
        c = criteria.get(item.criterion_id)
        if item.criterion_id in seen:
            errors.append({"loc": ["body", "items", i, "criterion_id"], "msg": "the criterion is scored twice"})
        seen.add(item.criterion_id)
        if c is None:
            errors.append({"loc": ["body", "items", i, "criterion_id"], "msg": "not a criterion of this rubric"})
        elif item.score > c.max_score:
            errors.append({"loc": ["body", "items", i, "score"], "msg": f"above the maximum of {c.max_score:g}"})
    if errors:
        raise Unprocessable("The scores are invalid", errors=errors)
    current = {s.criterion_id: s for s in repo.scores(session, a.id)}
    for item in body.items:
        s = current.get(item.criterion_id)
        before = {"score": s.score, "comment": s.comment} if s else None
        if s is None:
            s = Score(
                assignment_id=a.id,
                campaign_id=campaign.id,
                nomination_id=nomination.id,
                expert_id=principal.user_id,
                criterion_id=item.criterion_id,
                score=item.score,
                comment=item.comment,
                version=1,
            )
            session.add(s)
            current[item.criterion_id] = s
        elif (s.score, s.comment) == (item.score, item.comment):
            continue
        else:
            s.score, s.comment, s.version = item.score, item.comment, s.version + 1
        session.flush()
        audit(
            session,
            principal,
            "score.create" if before is None else "score.update",
            "score",
            s.id,
            before=before,
            after={
                "nomination_id": nomination.id,
                "criterion_id": item.criterion_id,
                "score": item.score,
                "comment": item.comment,
            },
        )
    total = sheet_total(
        {k: v.score for k, v in current.items()}, [Criterion(c.id, c.weight, c.max_score) for c in criteria.values()]
    )
    a.total, a.complete = total, total is not None
    return _sheet(session, campaign.id, a)


def sheets(session: Session, principal: Principal, campaign: Campaign, nomination: Nomination) -> list[ScoreSheetOut]:
    """The province sees every sheet of a nomination; an expert only their own; nobody else any."""
    if principal.role in (Role.PROVINCE_ADMIN, Role.INSPECTOR):  # the inspector (督导) reads what the province reads
        stmt_assignments = list(session.scalars(repo.assignments_stmt_for_nomination(nomination.id)))
        return [_sheet(session, campaign.id, a) for a in stmt_assignments]
    if principal.role is Role.EXPERT and principal.user_id is not None:
        a = repo.assignment(session, nomination.id, principal.user_id)
        return [_sheet(session, campaign.id, a)] if a else []
    raise Forbidden("Your role may not see score sheets")
