"""Who reads and who edits each thing a training file is attached to; the routes are the kernel's
(``sanquan_kernel.storage.api``).

- A ledger record's certificates: read by whoever reads the record (the person, their department, university,
  the province); attached and removed by those who may correct it (record writers). Downloads are audited.
- A self-report's certificates: the staff member attaches them to their own report while it is pending; the
  deciders read them. Downloads are audited.
- A course's attendance sheets: read by whoever sees the course; attached by its organiser's level (a province
  course by the province, a university course by the university, a department course by the department too).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from sanquan_kernel.errors import Conflict, Forbidden
from sanquan_kernel.principal import Principal, Role, Scope
from sanquan_kernel.storage import Attachments, Owner, OwnerAccess
from training.attachments.models import Attachment
from training.courses import repository as courses
from training.deps import READ_SCOPE, WRITE_SCOPE
from training.models import AuditEntry
from training.records import repository as records
from training.self_reports import repository as self_reports
from training.self_reports.models import SelfReportStatus

CLIENTS = frozenset({Role.INTEGRATION, Role.SERVICE})
ORGANISERS = frozenset({Role.PROVINCE_ADMIN, Role.UNIVERSITY_ADMIN, Role.DEPARTMENT_MANAGER})
#: As ``training.deps.RecordWriter``: those who may correct a record may change its files.
RECORD_WRITERS = ORGANISERS | {Role.INTEGRATION}


def _client_may(principal: Principal, client_scope: str) -> None:
    if principal.role in CLIENTS and client_scope not in principal.scopes:
        raise Forbidden(f"The client lacks the scope {client_scope}")


def _role(principal: Principal, roles: frozenset[Role]) -> None:
    if principal.role not in roles:
        raise Forbidden("Your role may not change the files of this record")


def read_record(session: Session, principal: Principal, scope: Scope, record_id: int) -> OwnerAccess | None:
    _client_may(principal, READ_SCOPE)
    r = records.get(session, scope, record_id)
    return OwnerAccess(r.university_id, r.department_id) if r is not None else None


def edit_record(session: Session, principal: Principal, scope: Scope, record_id: int) -> OwnerAccess | None:
    _role(principal, RECORD_WRITERS)
    _client_may(principal, WRITE_SCOPE)
    return read_record(session, principal, scope, record_id)


def read_self_report(session: Session, principal: Principal, scope: Scope, report_id: int) -> OwnerAccess | None:
    _client_may(principal, READ_SCOPE)
    r = self_reports.get(session, scope, report_id)
    return OwnerAccess(r.university_id, r.department_id) if r is not None else None


def edit_self_report(session: Session, principal: Principal, scope: Scope, report_id: int) -> OwnerAccess | None:
    _role(principal, frozenset({Role.STAFF}))
    r = self_reports.get(session, scope, report_id)  # a staff member's scope holds their own reports only
    if r is None:
        return None
    if r.status != SelfReportStatus.PENDING.value:
        raise Conflict(f"The self-report is already {r.status}; its files can no longer change")
    return OwnerAccess(r.university_id, r.department_id)


def read_course(session: Session, principal: Principal, scope: Scope, course_id: int) -> OwnerAccess | None:
    _client_may(principal, READ_SCOPE)
    c = courses.get(session, scope, course_id)
    return OwnerAccess(c.university_id, c.department_id) if c is not None else None


def edit_course(session: Session, principal: Principal, scope: Scope, course_id: int) -> OwnerAccess | None:
    _role(principal, ORGANISERS)
    c = courses.get(session, scope, course_id)
    if c is None:
        return None
    if not scope.covers_org(c.university_id, c.department_id) and not scope.is_all:
        raise Forbidden("Only the course's organiser may change its files")
    return OwnerAccess(c.university_id, c.department_id)


ATTACHMENTS = Attachments(
    service="training",
    api_prefix="/api/training",
    model=Attachment,
    audit_model=AuditEntry,
    owners=[
        Owner("record", "records", "record_id", read_record, edit_record, "a training record", audited=True),
        Owner(
            "self_report",
            "self-reports",
            "report_id",
            read_self_report,
            edit_self_report,
            "your self-report (pending)",
            audited=True,
        ),
        Owner("course", "courses", "course_id", read_course, edit_course, "a course (attendance sheets)"),
    ],
    uploaders=frozenset({Role.PROVINCE_ADMIN, Role.UNIVERSITY_ADMIN, Role.DEPARTMENT_MANAGER, Role.STAFF}),
)
