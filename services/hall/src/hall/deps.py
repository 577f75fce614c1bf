"""Who may call each kind of the hall's endpoints (S1); what they see comes from ``CurrentScope`` and the
repositories (``hall.requests.repository.visible``)."""

from __future__ import annotations

from typing import Annotated

from hall.models import AuditEntry
from sanquan_kernel.audit import Auditor
from sanquan_kernel.deps import Accounts, Orgs, only, require
from sanquan_kernel.editing import Editor
from sanquan_kernel.principal import Principal, Role

__all__ = [
    "Accounts",
    "ConfigReader",
    "Configurer",
    "HallUser",
    "Handler",
    "Orgs",
    "Reader",
    "Requester",
    "StatsReader",
    "audit",
    "edit",
    "only",
]

#: Students and teachers (S1): they report, add information, rate, reopen, withdraw.
Requester = Annotated[Principal, require(Role.STUDENT, Role.TEACHER)]
#: The logistics side that works on requests: department staff and managers, the university's administrator.
Handler = Annotated[Principal, require(Role.STAFF, Role.DEPARTMENT_MANAGER, Role.UNIVERSITY_ADMIN)]
#: Who reads requests (each their own part): requesters, the logistics side, the province (read-only).
Reader = Annotated[
    Principal,
    require(
        Role.STUDENT,
        Role.TEACHER,
        Role.STAFF,
        Role.DEPARTMENT_MANAGER,
        Role.UNIVERSITY_ADMIN,
        Role.PROVINCE_ADMIN,
        Role.INSPECTOR,
    ),
]
#: Everyone signed in to the hall or its logistics side (the vocabulary, the list of places).
HallUser = Reader
#: The university's administrator configures places, routing and promises.
Configurer = Annotated[Principal, require(Role.UNIVERSITY_ADMIN)]
#: Who reads the configuration: its administrator, the departments that work by it, the province.
ConfigReader = Annotated[
    Principal,
    require(Role.UNIVERSITY_ADMIN, Role.DEPARTMENT_MANAGER, Role.STAFF, Role.PROVINCE_ADMIN, Role.INSPECTOR),
]
#: The figures: the province (per university), a university's administrator, a department's manager.
StatsReader = Annotated[
    Principal, require(Role.PROVINCE_ADMIN, Role.INSPECTOR, Role.UNIVERSITY_ADMIN, Role.DEPARTMENT_MANAGER)
]

#: The audit trail of the service (``hall.models.AuditEntry``), written with the change it describes.
audit = Auditor(AuditEntry)
#: A versioned change of a row (lock, If-Match, the change, the version, the audit entry).
edit = Editor(audit)
