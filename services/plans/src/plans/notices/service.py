"""The year's notice (通知) and its deadlines (issue #18).

- The province writes a draft, then issues it; an issued notice is read-only except a recorded correction (the
  changed fields, the reason, who and when; a new version and an audit entry).
- Universities see issued notices and acknowledge them (who, when; the first acknowledgement is kept: idempotent).
  The province sees which universities have and have not.
- The plan submission deadline of a university is the issued notice's ``plan_due_on`` of the plan's year, or the
  extension the province granted it (with a reason, audited). "Approved on time" is measured against it
  (``plans.plan.service.approved_on_time``), never against the date the university wrote in its own plan.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from fastapi import Request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from plans.deps import audit, edit
from plans.notices import repository as repo
from plans.notices.events import NoticeEvent, publish
from plans.notices.models import Notice, NoticeAcknowledgement, NoticeCorrection, NoticeExtension
from plans.notices.schemas import (
    AcknowledgementOut,
    CalendarEntry,
    CorrectionCreate,
    CorrectionOut,
    ExtensionCreate,
    NoticeCreate,
    NoticeDetail,
    NoticeOut,
    NoticeStatus,
    NoticeUpdate,
    Standings,
    UniversityStanding,
)
from sanquan_kernel.audit import jsonable_dict
from sanquan_kernel.clock import now
from sanquan_kernel.errors import Conflict, NotFound
from sanquan_kernel.orgdir import OrgDirectory
from sanquan_kernel.principal import Principal

FIELDS = (
    "title",
    "body",
    "plan_due_on",
    "progress_report_dates",
    "campaign_calendar",
    "self_report_opens_on",
    "self_report_closes_on",
)


def _fields(notice: Notice) -> dict[str, Any]:
    return {f: getattr(notice, f) for f in (*FIELDS, "status")}


def _stored(changes: dict[str, Any]) -> dict[str, Any]:
    """Dates inside the JSON columns as ISO strings."""
    out = dict(changes)
    if out.get("progress_report_dates") is not None:
        out["progress_report_dates"] = sorted(d.isoformat() for d in out["progress_report_dates"])
    if out.get("campaign_calendar") is not None:
        entries = sorted(out["campaign_calendar"], key=lambda e: (e["date"], e["title"]))
        out["campaign_calendar"] = [{"date": e["date"].isoformat(), "title": e["title"]} for e in entries]
    return out


# -- answers ---------------------------------------------------------------------------------------------------
def ack_out(a: NoticeAcknowledgement) -> AcknowledgementOut:
    return AcknowledgementOut(
        university_id=a.university_id,
        acknowledged_by=a.acknowledged_by,
        acknowledged_by_name=a.acknowledged_by_name,
        acknowledged_at=a.acknowledged_at,
    )


def notice_out(session: Session, principal: Principal, notice: Notice) -> NoticeOut:
    return NoticeOut(**_out_fields(session, principal, notice))


def notice_detail(session: Session, principal: Principal, notice: Notice) -> NoticeDetail:
    corrections = [
        CorrectionOut(
            id=c.id,
            reason=c.reason,
            before=c.before,
            after=c.after,
            corrected_by=c.corrected_by,
            corrected_at=c.corrected_at,
        )
        for c in repo.corrections(session, notice.id)
    ]
    return NoticeDetail(**_out_fields(session, principal, notice), corrections=corrections)


def _out_fields(session: Session, principal: Principal, notice: Notice) -> dict[str, Any]:
    uni = principal.university_id
    my_due: date | None = None
    mine: AcknowledgementOut | None = None
    if uni is not None and notice.status == NoticeStatus.ISSUED:
        ext = repo.extension(session, notice.id, uni)
        my_due = ext.due_on if ext is not None else notice.plan_due_on
        ack = repo.acknowledgement(session, notice.id, uni)
        mine = ack_out(ack) if ack is not None else None
    return {
        "id": notice.id,
        "year": notice.year,
        "title": notice.title,
        "body": notice.body,
        "status": NoticeStatus(notice.status),
        "plan_due_on": notice.plan_due_on,
        "progress_report_dates": [date.fromisoformat(d) for d in notice.progress_report_dates or []],
        "campaign_calendar": [CalendarEntry.model_validate(e) for e in notice.campaign_calendar or []],
        "self_report_opens_on": notice.self_report_opens_on,
        "self_report_closes_on": notice.self_report_closes_on,
        "issued_at": notice.issued_at,
        "created_at": notice.created_at,
        "updated_at": notice.updated_at,
        "version": notice.version,
        "my_plan_due_on": my_due,
        "my_acknowledgement": mine,
    }


# -- the province's writing ------------------------------------------------------------------------------------
def create_notice(session: Session, principal: Principal, body: NoticeCreate) -> Notice:
    taken = f"There is already a notice for {body.year}"
    if repo.find_by_year(session, body.year) is not None:
        raise Conflict(taken, code="notice_year_taken")
    values = _stored(body.model_dump(exclude_none=True))
    notice = Notice(status=NoticeStatus.DRAFT.value, created_by=principal.subject, **values)
    session.add(notice)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise Conflict(taken, code="notice_year_taken") from None  # two drafts of one year at once
    audit(session, principal, "notice.create", "notice", notice.id, after=_fields(notice))
    return notice


def _ensure_draft(notice: Notice) -> None:
    if notice.status != NoticeStatus.DRAFT:
        raise Conflict("The notice has been issued: change it by a correction", code="notice_issued")


def update_notice(session: Session, request: Request, principal: Principal, notice: Notice, body: NoticeUpdate) -> None:
    with edit(session, request, notice, principal, "notice.update", entity="notice", fields=_fields) as e:
        _ensure_draft(notice)
        e.set(_stored(body.model_dump(exclude_unset=True)))
        _check_window(notice)


def _check_window(notice: Notice) -> None:
    opens, closes = notice.self_report_opens_on, notice.self_report_closes_on
    if opens is not None and closes is not None and closes < opens:
        from sanquan_kernel.errors import Unprocessable

        raise Unprocessable(
            "The self-report window closes before it opens",
            errors=[
                {
                    "loc": ["body", "self_report_closes_on"],
                    "msg": "closes before it opens",
                    "type": "value_error",
                    "code": "date_order",
                }
            ],
        )


def delete_notice(session: Session, request: Request, principal: Principal, notice: Notice) -> None:
    with edit(session, request, notice, principal, "notice.delete", entity="notice", fields=_fields) as e:
        _ensure_draft(notice)
        e.delete()


def issue_notice(session: Session, request: Request, principal: Principal, notice: Notice) -> None:
    with edit(session, request, notice, principal, "notice.issue", entity="notice", fields=_fields) as e:
        _ensure_draft(notice)
        e.set({"status": NoticeStatus.ISSUED.value, "issued_at": now(), "issued_by": principal.subject})
    publish(session, NoticeEvent("notice.issued", notice.id, notice.year, plan_due_on=notice.plan_due_on))


def correct_notice(
    session: Session, request: Request, principal: Principal, notice: Notice, body: CorrectionCreate
) -> NoticeCorrection | None:
    """An issued notice's recorded correction; None when it changed nothing (nothing recorded)."""
    changes = _stored(body.changes.model_dump(exclude_unset=True))
    before: dict[str, Any] = {}
    with edit(session, request, notice, principal, "notice.correct", entity="notice", fields=_fields) as e:
        if notice.status != NoticeStatus.ISSUED:
            raise Conflict("A draft is edited, not corrected", code="notice_not_issued")
        changed = {k: v for k, v in changes.items() if getattr(notice, k) != v}
        before = {k: getattr(notice, k) for k in changed}
        e.set(changed)
        _check_window(notice)
        if changed:
            e.after = {**_fields(notice), "reason": body.reason}
    if not before:
        return None
    correction = NoticeCorrection(
        notice_id=notice.id,
        reason=body.reason,
        before=jsonable_dict(before),
        after=jsonable_dict({k: getattr(notice, k) for k in before}),
        corrected_by=principal.username or principal.subject,
        corrected_at=now(),
    )
    session.add(correction)
    session.flush()
    publish(session, NoticeEvent("notice.corrected", notice.id, notice.year, plan_due_on=notice.plan_due_on))
    return correction


# -- universities ----------------------------------------------------------------------------------------------
def acknowledge(
    session: Session, principal: Principal, notice: Notice, university_id: int
) -> tuple[NoticeAcknowledgement, bool]:
    """The university's acknowledgement, and whether this call made it (the first one is kept)."""
    if notice.status != NoticeStatus.ISSUED:  # drafts are not visible to universities: the caller 404s first
        raise NotFound("No such notice")
    found = repo.acknowledgement(session, notice.id, university_id)
    if found is not None:
        return found, False
    ack = NoticeAcknowledgement(
        notice_id=notice.id,
        university_id=university_id,
        acknowledged_by=principal.subject,
        acknowledged_by_name=principal.username or "",
        acknowledged_at=now(),
    )
    session.add(ack)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # two acknowledgements of one university at once: the first one stands
        found = repo.acknowledgement(session, notice.id, university_id)
        assert found is not None
        return found, False
    audit(session, principal, "notice.acknowledge", "notice", notice.id, university_id=university_id)
    publish(session, NoticeEvent("notice.acknowledged", notice.id, notice.year, university_id=university_id))
    return ack, True


def grant_extension(
    session: Session, principal: Principal, notice: Notice, body: ExtensionCreate, orgdir: OrgDirectory
) -> NoticeExtension:
    from sanquan_kernel.errors import Unprocessable

    if not orgdir.is_university(body.university_id):
        raise Unprocessable(
            "No such university",
            errors=[{"loc": ["body", "university_id"], "msg": "no such university", "type": "value_error"}],
        )
    if notice.status != NoticeStatus.ISSUED:
        raise Conflict("Extensions are granted on an issued notice", code="notice_not_issued")
    ext = repo.extension(session, notice.id, body.university_id)
    before = {"due_on": ext.due_on.isoformat(), "reason": ext.reason} if ext is not None else None
    if ext is None:
        ext = NoticeExtension(notice_id=notice.id, university_id=body.university_id)
        session.add(ext)
    ext.due_on, ext.reason = body.due_on, body.reason
    ext.granted_by, ext.granted_at = principal.username or principal.subject, now()
    session.flush()
    audit(
        session,
        principal,
        "notice.extension",
        "notice",
        notice.id,
        university_id=body.university_id,
        before=before,
        after={"due_on": body.due_on.isoformat(), "reason": body.reason},
    )
    publish(
        session,
        NoticeEvent("notice.extension_granted", notice.id, notice.year, body.university_id, body.due_on),
    )
    return ext


def standings(session: Session, notice: Notice, orgdir: OrgDirectory) -> Standings:
    """Every active university (and any that acknowledged or got an extension): acknowledged or not, its deadline."""
    acks = repo.acknowledgements(session, notice.id)
    exts = repo.extensions(session, notice.id)
    ids = {u.id for u in orgdir.universities(active_only=True)} | set(acks) | set(exts)
    items = []
    for uid in sorted(ids):
        a, x = acks.get(uid), exts.get(uid)
        items.append(
            UniversityStanding(
                university_id=uid,
                university_name=orgdir.name(uid),
                acknowledged=a is not None,
                acknowledged_by=a.acknowledged_by if a else None,
                acknowledged_by_name=a.acknowledged_by_name if a else None,
                acknowledged_at=a.acknowledged_at if a else None,
                plan_due_on=x.due_on if x else notice.plan_due_on,
                extension_reason=x.reason if x else None,
                extension_granted_at=x.granted_at if x else None,
            )
        )
    return Standings(items=items, acknowledged=sum(1 for i in items if i.acknowledged), total=len(items))


# -- deadlines for the rest of the service ---------------------------------------------------------------------
@dataclass
class Deadlines:
    """The province's plan submission deadline per (university, year), read once per year per request."""

    session: Session
    _years: dict[int, tuple[date | None, dict[int, date]]] = field(default_factory=dict)

    def plan_due_on(self, university_id: int, year: int) -> date | None:
        """The extension granted to the university, else the issued notice's deadline; None: no notice issued."""
        if year not in self._years:
            self._years[year] = repo.year_deadlines(self.session, year)
        due, extended = self._years[year]
        if due is None:
            return None
        return extended.get(university_id, due)
