"""Who reads and who edits each thing a plans file is attached to; the routes are the kernel's
(``sanquan_kernel.storage.api``).

- A plan's documents (rules, systems, the signed letter scan): read by the plan's readers (the province, the
  university and its departments, ``plans:read`` clients); changed by the university (``plans:write``).
- A milestone's files and a progress report's photos and documents: read by those who see the task; changed by
  those who report progress on it — a department manager on their department's tasks, the university.
  A progress report is either of a milestone or of the task itself, so reports take files of their own.
- A responsibility letter's signed scan: read by whoever sees the letter (the person it names too); changed by
  the university.
- The year's notice (issue #18): read by the plan readers once issued (a draft: the province only); the province
  attaches files to a draft, an issued notice's files stay as issued.
Deleting a plan, a task or a milestone soft-deletes the files of everything that goes with it (``detach_with``).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from plans.attachments.models import PURPOSES, Attachment
from plans.letters import repository as letters
from plans.letters.models import ResponsibilityLetter
from plans.models import AuditEntry
from plans.notices import repository as notices
from plans.plan import repository as plans
from plans.plan.models import Plan
from plans.supervision import repository as supervision
from plans.tasks import repository as tasks
from plans.tasks.models import Milestone, ProgressReport, Task
from sanquan_kernel.errors import Conflict, Forbidden
from sanquan_kernel.principal import Principal, Role, Scope
from sanquan_kernel.storage import Attachments, Owner, OwnerAccess

READ, WRITE = "plans:read", "plans:write"
CLIENTS = frozenset({Role.INTEGRATION, Role.SERVICE})
READERS = frozenset(
    {
        Role.PROVINCE_ADMIN,
        Role.INSPECTOR,
        Role.UNIVERSITY_ADMIN,
        Role.DEPARTMENT_MANAGER,
        Role.INTEGRATION,
        Role.SERVICE,
    }
)
EDITORS = frozenset({Role.UNIVERSITY_ADMIN, Role.INTEGRATION})
REPORTERS = frozenset({Role.DEPARTMENT_MANAGER, Role.UNIVERSITY_ADMIN, Role.INTEGRATION})


def _may(principal: Principal, roles: frozenset[Role], client_scope: str) -> None:
    if principal.role not in roles:
        raise Forbidden("Your role may not do this")
    if principal.role in CLIENTS and client_scope not in principal.scopes:
        raise Forbidden(f"The client lacks the scope {client_scope}")


def _plan(session: Session, scope: Scope, plan_id: int) -> OwnerAccess | None:
    p = plans.get_plan(session, scope, plan_id)
    return OwnerAccess(p.university_id) if p is not None else None


def read_plan(session: Session, principal: Principal, scope: Scope, plan_id: int) -> OwnerAccess | None:
    _may(principal, READERS, READ)
    return _plan(session, scope, plan_id)


def edit_plan(session: Session, principal: Principal, scope: Scope, plan_id: int) -> OwnerAccess | None:
    _may(principal, EDITORS, WRITE)
    return _plan(session, scope, plan_id)


def _milestone(session: Session, scope: Scope, milestone_id: int) -> OwnerAccess | None:
    found = tasks.get_milestone(session, scope, milestone_id)  # a manager: their department's tasks only
    return OwnerAccess(found[0].university_id, found[0].department_id) if found is not None else None


def read_milestone(session: Session, principal: Principal, scope: Scope, milestone_id: int) -> OwnerAccess | None:
    _may(principal, READERS, READ)
    return _milestone(session, scope, milestone_id)


def edit_milestone(session: Session, principal: Principal, scope: Scope, milestone_id: int) -> OwnerAccess | None:
    _may(principal, REPORTERS, WRITE)
    return _milestone(session, scope, milestone_id)


def _progress(session: Session, scope: Scope, report_id: int) -> OwnerAccess | None:
    report = session.get(ProgressReport, report_id)
    if report is None or tasks.get_task(session, scope, report.task_id) is None:
        return None
    return OwnerAccess(report.university_id, report.department_id)


def read_progress(session: Session, principal: Principal, scope: Scope, report_id: int) -> OwnerAccess | None:
    _may(principal, READERS, READ)
    return _progress(session, scope, report_id)


def edit_progress(session: Session, principal: Principal, scope: Scope, report_id: int) -> OwnerAccess | None:
    _may(principal, REPORTERS, WRITE)
    return _progress(session, scope, report_id)


def _letter(session: Session, principal: Principal, scope: Scope, letter_id: int) -> OwnerAccess | None:
    letter = letters.get_letter(session, scope, principal, letter_id)
    if letter is None:
        return None
    return OwnerAccess(letter.university_id, letter.department_id or None)


def read_letter(session: Session, principal: Principal, scope: Scope, letter_id: int) -> OwnerAccess | None:
    if principal.role in CLIENTS and READ not in principal.scopes:
        raise Forbidden(f"The client lacks the scope {READ}")
    return _letter(session, principal, scope, letter_id)


def edit_letter(session: Session, principal: Principal, scope: Scope, letter_id: int) -> OwnerAccess | None:
    _may(principal, EDITORS, WRITE)
    return _letter(session, principal, scope, letter_id)


def read_notice(session: Session, principal: Principal, scope: Scope, notice_id: int) -> OwnerAccess | None:
    """The year's notice (issue #18): its readers read its files (a draft: the province only)."""
    _may(principal, READERS, READ)
    return OwnerAccess(None) if notices.get_notice(session, principal, notice_id) is not None else None


def edit_notice(session: Session, principal: Principal, scope: Scope, notice_id: int) -> OwnerAccess | None:
    """The province attaches files to a draft; an issued notice's files are as issued."""
    _may(principal, frozenset({Role.PROVINCE_ADMIN}), WRITE)
    notice = notices.get_notice(session, principal, notice_id)
    if notice is not None and notice.status != "draft":
        raise Conflict("The notice has been issued: its files are as issued", code="notice_issued")
    return OwnerAccess(None) if notice is not None else None


SUPERVISORS = frozenset({Role.PROVINCE_ADMIN, Role.INSPECTOR})
RECTIFICATION_READERS = frozenset({*SUPERVISORS, Role.UNIVERSITY_ADMIN, Role.DEPARTMENT_MANAGER})


def _finding(session: Session, scope: Scope, finding_id: int) -> OwnerAccess | None:
    found = supervision.get_finding(session, scope, finding_id)
    return OwnerAccess(found[0].university_id, found[0].department_id) if found is not None else None


def read_finding(session: Session, principal: Principal, scope: Scope, finding_id: int) -> OwnerAccess | None:
    """A finding's evidence (issue #19): read by whoever sees the finding (the university it concerns, too)."""
    _may(principal, RECTIFICATION_READERS, READ)
    return _finding(session, scope, finding_id)


def edit_finding(session: Session, principal: Principal, scope: Scope, finding_id: int) -> OwnerAccess | None:
    """The province and its inspector attach the evidence of what they found."""
    _may(principal, SUPERVISORS, WRITE)
    return _finding(session, scope, finding_id)


def _rectification(session: Session, scope: Scope, rectification_id: int) -> OwnerAccess | None:
    r = supervision.get_rectification(session, scope, rectification_id)
    return OwnerAccess(r.university_id, r.department_id) if r is not None else None


def read_rectification(
    session: Session, principal: Principal, scope: Scope, rectification_id: int
) -> OwnerAccess | None:
    _may(principal, RECTIFICATION_READERS, READ)
    return _rectification(session, scope, rectification_id)


def edit_rectification(
    session: Session, principal: Principal, scope: Scope, rectification_id: int
) -> OwnerAccess | None:
    """The university's administrator attaches the evidence of its rectification until it is closed."""
    _may(principal, frozenset({Role.UNIVERSITY_ADMIN}), WRITE)
    r = supervision.get_rectification(session, scope, rectification_id)
    if r is not None and r.status == "closed":
        raise Conflict("The rectification is closed: its files are as verified", code="rectification_state")
    return OwnerAccess(r.university_id, r.department_id) if r is not None else None


ATTACHMENTS = Attachments(
    service="plans",
    api_prefix="/api/plans",
    model=Attachment,
    audit_model=AuditEntry,
    owners=[
        Owner(
            "plan",
            "plans",
            "plan_id",
            read_plan,
            edit_plan,
            "a plan (its rules, systems, letter scans)",
            purposes=PURPOSES,
        ),
        Owner("milestone", "milestones", "milestone_id", read_milestone, edit_milestone, "a milestone"),
        Owner(
            "progress", "progress", "report_id", read_progress, edit_progress, "a progress report (photos, documents)"
        ),
        Owner("letter", "letters", "letter_id", read_letter, edit_letter, "a responsibility letter (its signed scan)"),
        Owner("notice", "notices", "notice_id", read_notice, edit_notice, "the year's notice of the province"),
        Owner("finding", "findings", "finding_id", read_finding, edit_finding, "a supervision finding (its evidence)"),
        Owner(
            "rectification",
            "rectifications",
            "rectification_id",
            read_rectification,
            edit_rectification,
            "a rectification (the university's evidence)",
        ),
    ],
    uploaders=frozenset({Role.PROVINCE_ADMIN, Role.INSPECTOR, Role.UNIVERSITY_ADMIN, Role.DEPARTMENT_MANAGER}),
)


def detach_with(session: Session, obj: Plan | Task | Milestone) -> None:
    """Before ``obj`` is deleted (its rows cascade): soft-delete the files of it and of everything deleted with it."""
    ms = select(Milestone.id)
    reports = select(ProgressReport.id)
    if isinstance(obj, Plan):
        ATTACHMENTS.detach_owned(session, "plan", [obj.id])
        ms = ms.where(Milestone.plan_id == obj.id)
        reports = reports.where(ProgressReport.task_id.in_(select(Task.id).where(Task.plan_id == obj.id)))
        letter_ids = session.scalars(select(ResponsibilityLetter.id).where(ResponsibilityLetter.plan_id == obj.id))
        ATTACHMENTS.detach_owned(session, "letter", list(letter_ids))
    elif isinstance(obj, Task):
        ms = ms.where(Milestone.task_id == obj.id)
        reports = reports.where(ProgressReport.task_id == obj.id)
    else:
        ms = ms.where(Milestone.id == obj.id)
        reports = reports.where(ProgressReport.milestone_id == obj.id)
    ATTACHMENTS.detach_owned(session, "milestone", list(session.scalars(ms)))
    ATTACHMENTS.detach_owned(session, "progress", list(session.scalars(reports)))
