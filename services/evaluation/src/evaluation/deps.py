"""The evaluation service's dependencies: who may call each kind of endpoint, the org directory, the accounts and
the auditor. Only people call this service's public endpoints (no client scope is named); what is visible comes
from ``CurrentScope`` and ``evaluation.visibility``."""

from __future__ import annotations

from typing import Annotated

from evaluation.models import AuditEntry
from sanquan_kernel.audit import Auditor
from sanquan_kernel.deps import Accounts, Orgs, only, require
from sanquan_kernel.editing import Editor
from sanquan_kernel.principal import Principal, Role

__all__ = [
    "Accounts",
    "Expert",
    "Orgs",
    "Person",
    "ProvinceAdmin",
    "ProvinceReader",
    "UniversityAdmin",
    "audit",
    "edit",
    "only",
]

ProvinceAdmin = Annotated[Principal, require(Role.PROVINCE_ADMIN)]
UniversityAdmin = Annotated[Principal, require(Role.UNIVERSITY_ADMIN)]
Expert = Annotated[Principal, require(Role.EXPERT)]
#: People who may see campaigns, nominations in their scope and published results.
Person = Annotated[
    Principal,
    require(
        Role.PROVINCE_ADMIN, Role.INSPECTOR, Role.EXPERT, Role.UNIVERSITY_ADMIN, Role.DEPARTMENT_MANAGER, Role.STAFF
    ),
]
#: What the province reads (the audit trail, rankings, acknowledgements): its administrator and its inspector (督导,
#: issue #19), who reads everything the province reads and writes nothing but supervision.
ProvinceReader = Annotated[Principal, require(Role.PROVINCE_ADMIN, Role.INSPECTOR)]

#: The audit trail of the service (``evaluation.models.AuditEntry``), written with the change it describes.
audit = Auditor(AuditEntry)
#: A versioned change of a row (lock, If-Match, the change, the version, the audit entry): sanquan_kernel.editing.
edit = Editor(audit)
