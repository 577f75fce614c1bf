"""Y3: a university's annual summary (年度总结), issue #19.

- The university's administrator starts the summary of a year: the platform pre-fills the figures (``figures``)
  and the administrator writes the narrative per task category (P3) and overall. While it is a draft or returned,
  the figures can be gathered again and the narrative changed (If-Match).
- Submitted → the province (its administrator) accepts it or returns it with a comment, like a plan (P4); a
  returned summary is changed and submitted again. Any other transition is 409 ``annual_summary_state``.
- Every change is audited with the row's version; submission and decisions go to the outbox
  (``annual_summary.submitted`` / ``.returned`` / ``.accepted``) in the same transaction.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from evaluation.annual import figures as fig
from evaluation.annual import repository as repo
from evaluation.annual.models import AnnualSummary
from evaluation.annual.schemas import ReturnIn, ReviewIn, SummaryBrief, SummaryOut, SummaryUpdate
from evaluation.deps import audit, edit
from sanquan_kernel.db import utcnow
from sanquan_kernel.errors import Conflict, Forbidden, Unprocessable
from sanquan_kernel.orgdir import OrgDirectory
from sanquan_kernel.outbox import emit
from sanquan_kernel.principal import Principal

EDITABLE = frozenset({"draft", "returned"})
FIELDS = ("status", "narrative", "figures_at", "review_comment")


def _who(principal: Principal) -> str:
    return principal.username or principal.subject


def brief(s: AnnualSummary, orgdir: OrgDirectory) -> SummaryBrief:
    return SummaryBrief(
        id=s.id,
        year=s.year,
        university_id=s.university_id,
        university_name=orgdir.name(s.university_id),
        status=s.status,
        submitted_at=s.submitted_at,
        decided_at=s.decided_at,
        version=s.version,
    )


def out(s: AnnualSummary, orgdir: OrgDirectory) -> SummaryOut:
    return SummaryOut(
        **brief(s, orgdir).model_dump(),
        figures=s.figures or {},
        figures_at=s.figures_at,
        narrative=s.narrative or {},
        submitted_by=s.submitted_by,
        decided_by=s.decided_by,
        review_comment=s.review_comment,
        created_at=s.created_at,
    )


def gather(session: Session, src: fig.Sources, year: int, university_id: int) -> dict[str, Any]:
    fetched = fig.fetch(src, year, university_id)
    return fig.university_figures(fetched, university_id, fig.awards(session, year, university_id))


def create(session: Session, principal: Principal, src: fig.Sources, year: int) -> AnnualSummary:
    if principal.university_id is None:
        raise Forbidden("Your account is not bound to a university")
    if repo.of(session, year, principal.university_id) is not None:
        raise Conflict(f"The {year} annual summary exists already", code="annual_summary_exists")
    s = AnnualSummary(
        year=year,
        university_id=principal.university_id,
        status="draft",
        figures=gather(session, src, year, principal.university_id),
        figures_at=utcnow(),
        narrative={},
        created_by=_who(principal),
    )
    session.add(s)
    session.flush()
    audit(
        session,
        principal,
        "annual_summary.create",
        "annual_summary",
        s.id,
        university_id=s.university_id,
        after={"year": year, "status": "draft"},
    )
    return s


def _state(s: AnnualSummary, allowed: frozenset[str], action: str) -> None:
    if s.status not in allowed:
        raise Conflict(f"A {s.status} annual summary cannot be {action}", code="annual_summary_state")


def update(session: Session, request: Request, principal: Principal, s: AnnualSummary, body: SummaryUpdate) -> None:
    with edit(session, request, s, principal, "annual_summary.update", fields=FIELDS) as e:
        _state(s, EDITABLE, "changed")
        merged = {**(s.narrative or {})}
        for k, v in body.narrative.items():
            if v.strip():
                merged[k] = v
            else:
                merged.pop(k, None)
        if merged != (s.narrative or {}):
            e.set(narrative=merged)


def refresh(session: Session, request: Request, principal: Principal, src: fig.Sources, s: AnnualSummary) -> None:
    with edit(session, request, s, principal, "annual_summary.refresh", fields=FIELDS) as e:
        _state(s, EDITABLE, "refreshed")
        e.set(figures=gather(session, src, s.year, s.university_id), figures_at=utcnow())


def _event(session: Session, kind: str, s: AnnualSummary) -> None:
    emit(
        session,
        kind,
        subject=f"annual_summary:{s.id}",
        university_id=s.university_id,
        data={"annual_summary_id": s.id, "year": s.year, "status": s.status},
    )


def submit(session: Session, request: Request, principal: Principal, s: AnnualSummary) -> None:
    with edit(session, request, s, principal, "annual_summary.submit", fields=FIELDS) as e:
        _state(s, EDITABLE, "submitted")
        if not any(v.strip() for v in (s.narrative or {}).values()):
            raise Unprocessable(
                "Write the summary's narrative before submitting it",
                errors=[{"loc": ["body", "narrative"], "msg": "empty", "type": "value_error", "code": "empty"}],
            )
        e.set(status="submitted", submitted_at=utcnow(), submitted_by=_who(principal))
        _event(session, "annual_summary.submitted", s)


def accept(session: Session, request: Request, principal: Principal, s: AnnualSummary, body: ReviewIn) -> None:
    with edit(session, request, s, principal, "annual_summary.accept", fields=FIELDS) as e:
        _state(s, frozenset({"submitted"}), "accepted")
        e.set(status="accepted", decided_at=utcnow(), decided_by=_who(principal), review_comment=body.comment)
        _event(session, "annual_summary.accepted", s)


def send_back(session: Session, request: Request, principal: Principal, s: AnnualSummary, body: ReturnIn) -> None:
    with edit(session, request, s, principal, "annual_summary.return", fields=FIELDS) as e:
        _state(s, frozenset({"submitted"}), "returned")
        e.set(status="returned", decided_at=utcnow(), decided_by=_who(principal), review_comment=body.comment)
        _event(session, "annual_summary.returned", s)
