"""The training service's dependencies: who may call each kind of endpoint, the org directory and the auditor.

People are judged by role; integration and service clients also need the named scope (``training:read`` for
reading, ``training:write`` for writing). What is visible always comes from ``CurrentScope``. The kernel gives the
one way to say it (``sanquan_kernel.deps.require``); the service's words are here.
"""

from __future__ import annotations

from typing import Annotated

from sanquan_kernel.audit import Auditor
from sanquan_kernel.deps import Accounts, Orgs, require
from sanquan_kernel.editing import Editor
from sanquan_kernel.principal import Principal, Role
from training.models import AuditEntry

__all__ = [
    "READERS",
    "READ_SCOPE",
    "RECORD_WRITERS",
    "STAFF_WRITERS",
    "WRITE_SCOPE",
    "Accounts",
    "CourseDeclarer",
    "IndicatorReader",
    "Organiser",
    "Orgs",
    "ProvinceAdmin",
    "Reader",
    "RecordWriter",
    "SelfReportDecider",
    "StaffImporter",
    "StaffMember",
    "StaffWriter",
    "audit",
]

READ_SCOPE = "training:read"
WRITE_SCOPE = "training:write"

#: Who may read the training data at all (an expert's scope sees nothing here; it is simply empty).
READERS = frozenset(Role)
#: Who may enter, correct and delete ledger records (and import them).
RECORD_WRITERS = frozenset({Role.PROVINCE_ADMIN, Role.UNIVERSITY_ADMIN, Role.DEPARTMENT_MANAGER, Role.INTEGRATION})
#: Who may create and replace staff (CONTRACT.md: an integration client, a university admin, a province admin).
STAFF_WRITERS = frozenset({Role.PROVINCE_ADMIN, Role.UNIVERSITY_ADMIN, Role.INTEGRATION})

Reader = Annotated[Principal, require(*READERS, client_scope=READ_SCOPE)]
RecordWriter = Annotated[Principal, require(*RECORD_WRITERS, client_scope=WRITE_SCOPE)]
StaffWriter = Annotated[Principal, require(*STAFF_WRITERS, client_scope=WRITE_SCOPE)]
#: Who imports the staff register from Excel (#17): the province, a university admin, a department manager (their
#: own department's people only, refused per row otherwise).
StaffImporter = Annotated[Principal, require(Role.PROVINCE_ADMIN, Role.UNIVERSITY_ADMIN, Role.DEPARTMENT_MANAGER)]
#: Who organises courses (people only).
Organiser = Annotated[Principal, require(Role.PROVINCE_ADMIN, Role.UNIVERSITY_ADMIN, Role.DEPARTMENT_MANAGER)]
#: Another service declaring a course (#19: the evaluation service, for an event declared a training).
CourseDeclarer = Annotated[Principal, require(Role.SERVICE, client_scope="training:courses")]
#: The province sets the yearly rule.
ProvinceAdmin = Annotated[Principal, require(Role.PROVINCE_ADMIN)]
#: The indicators for the evaluation service (E3): the province (and its inspector), or a service client with
#: ``training:indicators``.
IndicatorReader = Annotated[
    Principal, require(Role.PROVINCE_ADMIN, Role.INSPECTOR, Role.SERVICE, client_scope="training:indicators")
]
#: A staff member reports their own training.
StaffMember = Annotated[Principal, require(Role.STAFF)]
#: The staff member's department manager decides; a university admin may stand in for a department without one.
SelfReportDecider = Annotated[Principal, require(Role.DEPARTMENT_MANAGER, Role.UNIVERSITY_ADMIN)]

#: The audit trail of the service (``training.models.AuditEntry``), written with the change it describes.
audit = Auditor(AuditEntry)
#: A versioned change of a row (lock, If-Match, the change, the version, the audit entry): sanquan_kernel.editing.
edit = Editor(audit)
