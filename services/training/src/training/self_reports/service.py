"""Self-reported training: pending until the staff member's department manager approves or rejects it with a
reason. Only an approval makes a ledger record, so pending and rejected reports count for nothing (T1)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from sanquan_kernel.db import utcnow
from sanquan_kernel.errors import Conflict, Forbidden, NotFound
from sanquan_kernel.outbox import emit
from sanquan_kernel.principal import Principal, Scope
from training.deps import audit, edit
from training.records import repository as records_repository
from training.records import service as records_service
from training.self_reports import repository
from training.self_reports.models import SelfReport, SelfReportStatus
from training.self_reports.schemas import SelfReportCreate, SelfReportOut
from training.staff import repository as staff_repository
from training.staff.models import Staff
from training.vocabulary import Source, q2, themes_from_db, themes_to_db


def to_outs(session: Session, reports: list[SelfReport]) -> list[SelfReportOut]:
    names = records_repository.staff_names(session, (r.staff_id for r in reports))
    out = []
    for r in reports:
        no, name = names.get(r.staff_id, (None, None))
        out.append(
            SelfReportOut(
                id=r.id,
                staff_id=r.staff_id,
                employee_no=no,
                staff_name=name,
                university_id=r.university_id,
                department_id=r.department_id,
                title=r.title,
                taken_on=r.taken_on,
                hours=float(q2(r.hours)),
                days=float(q2(r.days)),
                themes=themes_from_db(r.themes),
                organizer_level=r.organizer_level,
                evidence=r.evidence,
                status=r.status,
                reason=r.reason,
                submitted_at=r.submitted_at,
                decided_by=r.decided_by,
                decided_at=r.decided_at,
                record_id=r.record_id,
                version=r.version,
            )
        )
    return out


def _snapshot(r: SelfReport) -> dict[str, Any]:
    return {"status": r.status, "reason": r.reason, "record_id": r.record_id}


def submit(session: Session, principal: Principal, scope: Scope, body: SelfReportCreate) -> SelfReport:
    assert principal.user_id is not None
    staff = staff_repository.get_for_account(session, scope, principal.user_id)
    if staff is None:
        raise Forbidden("Your account is not linked to an entry of the staff register")
    records_service.check_taken_on(body.taken_on)
    report = SelfReport(
        staff_id=staff.id,
        university_id=staff.university_id,
        department_id=staff.department_id,
        title=body.title.strip(),
        taken_on=body.taken_on,
        hours=q2(body.hours),
        days=q2(body.days),
        themes=themes_to_db(body.themes),
        organizer_level=body.organizer_level.value,
        evidence=body.evidence,
        status=SelfReportStatus.PENDING.value,
        submitted_by=principal.subject,
        version=1,
    )
    session.add(report)
    session.flush()
    audit(
        session,
        principal,
        "self_report.submit",
        "self_report",
        report.id,
        university_id=staff.university_id,
        after=_snapshot(report),
    )
    _event(session, "self_report.submitted", report)
    return report


def _event(session: Session, type: str, report: SelfReport, recipients: list[int] | None = None) -> None:
    """Issue #18: submitted (for those who decide) and decided (for the person), in the change's transaction."""
    emit(
        session,
        type,
        subject=f"self_report:{report.id}",
        university_id=report.university_id,
        department_id=report.department_id,
        data={"self_report_id": report.id, "title": report.title, "status": report.status},
        recipients=recipients,
    )


def get_or_404(session: Session, scope: Scope, report_id: int) -> SelfReport:
    report = repository.get(session, scope, report_id)
    if report is None:
        raise NotFound("Self-report not found")
    return report


def _require_pending(report: SelfReport) -> None:
    if report.status != SelfReportStatus.PENDING.value:
        raise Conflict(f"The self-report is already {report.status}")


def approve(session: Session, request: Request, principal: Principal, scope: Scope, report_id: int) -> SelfReport:
    """The approval and the ledger record it makes are one transaction."""
    report = get_or_404(session, scope, report_id)
    with edit(session, request, report, principal, "self_report.approve", entity="self_report", fields=_snapshot) as e:
        _require_pending(report)
        staff = session.get(Staff, report.staff_id)
        assert staff is not None
        record, _ = records_service.store(
            session,
            records_service.NewRecord(
                staff=staff,
                title=report.title,
                taken_on=report.taken_on,
                hours=report.hours,
                days=report.days,
                themes=report.themes,
                organizer_level=report.organizer_level,
                source=Source.SELF_REPORT.value,
                created_by=principal.subject,
                external_id=f"self-report:{report.id}",
                evidence=report.evidence,
            ),
        )
        e.set(
            status=SelfReportStatus.APPROVED.value,
            record_id=record.id,
            decided_by=principal.subject,
            decided_at=utcnow(),
        )
        _event(session, "self_report.decided", report, [staff.account_id] if staff.account_id else None)
    return report


def reject(
    session: Session, request: Request, principal: Principal, scope: Scope, report_id: int, reason: str
) -> SelfReport:
    report = get_or_404(session, scope, report_id)
    with edit(session, request, report, principal, "self_report.reject", entity="self_report", fields=_snapshot) as e:
        _require_pending(report)
        e.set(
            status=SelfReportStatus.REJECTED.value,
            reason=reason.strip(),
            decided_by=principal.subject,
            decided_at=utcnow(),
        )
        staff = session.get(Staff, report.staff_id)
        _event(session, "self_report.decided", report, [staff.account_id] if staff and staff.account_id else None)
    return report
