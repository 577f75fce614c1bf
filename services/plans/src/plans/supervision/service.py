"""Supervision and rectification (issue #19).

- The province and its inspector (督导) record a visit (date, team, universities) and its findings per university
  (category, severity, description; evidence files are the finding's attachments). Each finding creates the
  university's rectification (整改) with a deadline (``rectification.assigned``).
- The university's administrator answers with measures (and files on the rectification): assigned or returned →
  responded. The province or the inspector verifies: responded → closed, or → returned with the reason. Any other
  transition is 409 ``rectification_state``. Department managers read the ones naming their department.
- Overdue: not closed and past the deadline (read time). ``escalate_overdue`` emits ``rectification.overdue`` once
  per rectification, for the schedule's escalation job — like an overdue milestone's.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from plans.deps import audit, edit
from plans.supervision import repository as repo
from plans.supervision.events import RectificationEvent, publish
from plans.supervision.models import Finding, Rectification, SupervisionVisit
from plans.supervision.schemas import (
    FindingCreate,
    FindingOut,
    RectificationOut,
    ResponseIn,
    ReturnIn,
    SupervisionIndicatorItem,
    SupervisionIndicators,
    VerifyIn,
    VisitCreate,
    VisitDetail,
    VisitOut,
    VisitUpdate,
)
from plans.vocabulary import RESPONDABLE, VERIFIABLE, FindingCategory, RectificationStatus, Severity
from sanquan_kernel.clock import now, today
from sanquan_kernel.errors import Conflict, Unprocessable
from sanquan_kernel.orgdir import OrgDirectory
from sanquan_kernel.principal import Principal, Scope

VISIT_FIELDS = ("visited_on", "title", "team", "note")
RECTIFICATION_FIELDS = ("status", "due_on", "measures", "verification_note", "closed_on")


def _who(principal: Principal) -> str:
    return principal.username or principal.subject


def _unknown_universities(orgdir: OrgDirectory, ids: list[int]) -> None:
    bad = [n for n, u in enumerate(ids) if not orgdir.is_university(u)]
    if bad:
        raise Unprocessable(
            "No such university",
            errors=[
                {"loc": ["body", "university_ids", n], "msg": "no such university", "type": "value_error"} for n in bad
            ],
        )


# -- answers ---------------------------------------------------------------------------------------------------
def visit_out(session: Session, orgdir: OrgDirectory, visits: list[SupervisionVisit]) -> list[VisitOut]:
    ids = [v.id for v in visits]
    unis = repo.universities_of(session, ids)
    counts = repo.visit_counts(session, ids)
    return [
        VisitOut(
            id=v.id,
            year=v.year,
            visited_on=v.visited_on,
            title=v.title,
            team=v.team,
            university_ids=unis[v.id],
            university_names=[orgdir.name(u) for u in unis[v.id]],
            note=v.note,
            findings=counts.get(v.id, (0, 0))[0],
            open_rectifications=counts.get(v.id, (0, 0))[1],
            created_by=v.created_by,
            created_at=v.created_at,
            version=v.version,
        )
        for v in visits
    ]


def rectification_out(
    r: Rectification, f: Finding, v: SupervisionVisit, orgdir: OrgDirectory, on: date | None = None
) -> RectificationOut:
    day = on or today()
    closed = r.status == RectificationStatus.CLOSED
    return RectificationOut(
        id=r.id,
        finding_id=f.id,
        visit_id=v.id,
        year=r.year,
        university_id=r.university_id,
        university_name=orgdir.name(r.university_id),
        department_id=r.department_id,
        department_name=orgdir.name(r.department_id) if r.department_id else None,
        category=FindingCategory(f.category),
        severity=Severity(f.severity),
        description=f.description,
        visited_on=v.visited_on,
        visit_title=v.title,
        due_on=r.due_on,
        status=RectificationStatus(r.status),
        overdue=not closed and r.due_on < day,
        measures=r.measures,
        responded_at=r.responded_at,
        responded_by=r.responded_by,
        verified_at=r.verified_at,
        verified_by=r.verified_by,
        verification_note=r.verification_note,
        closed_on=r.closed_on,
        closed_on_time=(r.closed_on is not None and r.closed_on <= r.due_on) if closed else None,
        version=r.version,
    )


def finding_out(f: Finding, r: Rectification, v: SupervisionVisit, orgdir: OrgDirectory) -> FindingOut:
    return FindingOut(
        id=f.id,
        visit_id=f.visit_id,
        year=f.year,
        university_id=f.university_id,
        university_name=orgdir.name(f.university_id),
        department_id=f.department_id,
        department_name=orgdir.name(f.department_id) if f.department_id else None,
        category=FindingCategory(f.category),
        severity=Severity(f.severity),
        description=f.description,
        created_at=f.created_at,
        version=f.version,
        rectification=rectification_out(r, f, v, orgdir),
    )


def visit_detail(session: Session, orgdir: OrgDirectory, visit: SupervisionVisit) -> VisitDetail:
    base = visit_out(session, orgdir, [visit])[0]
    items = [finding_out(f, r, visit, orgdir) for f, r in repo.findings_of_visit(session, visit.id)]
    return VisitDetail(**base.model_dump(), finding_items=items)


# -- visits ----------------------------------------------------------------------------------------------------
def create_visit(session: Session, principal: Principal, orgdir: OrgDirectory, body: VisitCreate) -> SupervisionVisit:
    ids = sorted(set(body.university_ids))
    _unknown_universities(orgdir, ids)
    visit = SupervisionVisit(
        year=body.visited_on.year,
        visited_on=body.visited_on,
        title=body.title,
        team=body.team,
        note=body.note,
        created_by=_who(principal),
    )
    session.add(visit)
    session.flush()
    repo.set_universities(session, visit, ids)
    audit(
        session,
        principal,
        "supervision.visit.create",
        "supervision_visit",
        visit.id,
        after={**{f: getattr(visit, f) for f in VISIT_FIELDS}, "university_ids": ids},
    )
    return visit


def update_visit(
    session: Session,
    request: Request,
    principal: Principal,
    orgdir: OrgDirectory,
    visit: SupervisionVisit,
    body: VisitUpdate,
) -> None:
    changes: dict[str, Any] = body.model_dump(exclude_unset=True)
    ids = changes.pop("university_ids", None)

    def fields(v: SupervisionVisit) -> dict[str, Any]:
        return {
            **{f: getattr(v, f) for f in VISIT_FIELDS},
            "university_ids": repo.universities_of(session, [v.id])[v.id],
        }

    with edit(
        session, request, visit, principal, "supervision.visit.update", entity="supervision_visit", fields=fields
    ) as e:
        if ids is not None:
            ids = sorted(set(ids))
            _unknown_universities(orgdir, ids)
            found = {f.university_id for f, _ in repo.findings_of_visit(session, visit.id)}
            kept = found - set(ids)
            if kept:
                raise Conflict(
                    "A university with findings stays among the visit's universities", code="visit_has_findings"
                )
            if ids != repo.universities_of(session, [visit.id])[visit.id]:
                repo.set_universities(session, visit, ids)
                e.touch()
        e.set(changes)
        if "visited_on" in changes:
            e.set(year=visit.visited_on.year)


# -- findings --------------------------------------------------------------------------------------------------
def add_finding(
    session: Session, principal: Principal, orgdir: OrgDirectory, visit: SupervisionVisit, body: FindingCreate
) -> tuple[Finding, Rectification]:
    if body.university_id not in repo.universities_of(session, [visit.id])[visit.id]:
        raise Unprocessable(
            "The visit did not go to this university",
            errors=[{"loc": ["body", "university_id"], "msg": "not visited", "type": "value_error"}],
        )
    if body.department_id is not None and not orgdir.is_department_of(body.department_id, body.university_id):
        raise Unprocessable(
            "No such department of the university",
            errors=[{"loc": ["body", "department_id"], "msg": "not a department of it", "type": "value_error"}],
        )
    if body.due_on < visit.visited_on:
        raise Unprocessable(
            "The deadline is before the visit",
            errors=[
                {"loc": ["body", "due_on"], "msg": "before the visit", "type": "value_error", "code": "date_order"}
            ],
        )
    finding = Finding(
        visit_id=visit.id,
        year=visit.year,
        university_id=body.university_id,
        department_id=body.department_id,
        category=body.category.value,
        severity=body.severity.value,
        description=body.description,
        created_by=_who(principal),
    )
    session.add(finding)
    session.flush()
    rect = Rectification(
        finding_id=finding.id,
        year=visit.year,
        university_id=body.university_id,
        department_id=body.department_id,
        due_on=body.due_on,
        status=RectificationStatus.ASSIGNED.value,
    )
    session.add(rect)
    session.flush()
    audit(
        session,
        principal,
        "supervision.finding.create",
        "supervision_finding",
        finding.id,
        university_id=body.university_id,
        after={**body.model_dump(mode="json"), "visit_id": visit.id, "rectification_id": rect.id},
    )
    publish(session, _event("rectification.assigned", rect, finding))
    return finding, rect


def _event(kind: str, r: Rectification, f: Finding) -> RectificationEvent:
    return RectificationEvent(kind, r.id, f.id, r.university_id, r.department_id, r.due_on, f.severity)


# -- the rectification's state machine -------------------------------------------------------------------------
def _state(r: Rectification, allowed: frozenset[RectificationStatus], action: str) -> None:
    if RectificationStatus(r.status) not in allowed:
        raise Conflict(f"A {r.status} rectification cannot be {action}", code="rectification_state")


def respond(session: Session, request: Request, principal: Principal, r: Rectification, body: ResponseIn) -> None:
    with edit(
        session, request, r, principal, "rectification.respond", entity="rectification", fields=RECTIFICATION_FIELDS
    ) as e:
        _state(r, RESPONDABLE, "answered")
        e.set(
            status=RectificationStatus.RESPONDED.value,
            measures=body.measures,
            responded_at=now(),
            responded_by=_who(principal),
        )


def close(session: Session, request: Request, principal: Principal, r: Rectification, body: VerifyIn) -> None:
    with edit(
        session, request, r, principal, "rectification.close", entity="rectification", fields=RECTIFICATION_FIELDS
    ) as e:
        _state(r, VERIFIABLE, "closed")
        e.set(
            status=RectificationStatus.CLOSED.value,
            verification_note=body.note,
            verified_at=now(),
            verified_by=_who(principal),
            closed_on=today(),
        )


def send_back(session: Session, request: Request, principal: Principal, r: Rectification, body: ReturnIn) -> None:
    with edit(
        session, request, r, principal, "rectification.return", entity="rectification", fields=RECTIFICATION_FIELDS
    ) as e:
        _state(r, VERIFIABLE, "returned")
        e.set(
            status=RectificationStatus.RETURNED.value,
            verification_note=body.reason,
            verified_at=now(),
            verified_by=_who(principal),
        )


def escalate_overdue(session: Session, as_of: date | None = None) -> int:
    """Emit ``rectification.overdue`` once for each rectification past its deadline (as of the province's day
    ``as_of``, today by default) and not closed — the reminder job calls this with its overdue milestones; the
    number emitted."""
    found = repo.overdue_not_escalated(session, as_of or today())
    for r in found:
        r.escalated_at = now()
        finding = session.get(Finding, r.finding_id)
        assert finding is not None
        publish(session, _event("rectification.overdue", r, finding))
    session.flush()
    return len(found)


def indicators(session: Session, scope: Scope, year: int, university_id: int | None) -> SupervisionIndicators:
    """One item per university visited in the year (or with a finding): findings by severity, and the rectification
    rate — closed on time over due (a deadline on or before the end of the year, or today during it); with none due
    the rate is null, never 0 (the assessment reads it as not applicable)."""
    as_of = min(today(), date(year, 12, 31))
    fig = repo.year_figures(session, scope, year, as_of, university_id)
    items = []
    for uid in sorted(fig.visited | set(fig.findings) | set(fig.due)):
        by = fig.findings.get(uid, {})
        due, on_time = fig.due.get(uid, 0), fig.on_time.get(uid, 0)
        items.append(
            SupervisionIndicatorItem(
                university_id=uid,
                visited=uid in fig.visited,
                findings_total=sum(by.values()),
                findings_minor=by.get(Severity.MINOR.value, 0),
                findings_major=by.get(Severity.MAJOR.value, 0),
                findings_critical=by.get(Severity.CRITICAL.value, 0),
                rectifications_due=due,
                rectifications_closed_on_time=on_time,
                rectification_rate=round(on_time / due, 4) if due else None,
            )
        )
    return SupervisionIndicators(year=year, items=items)
