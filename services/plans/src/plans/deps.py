"""The plans service's dependencies: who may call each kind of endpoint, the org directory, the accounts, the
university a writer acts for, and the auditor.

People are judged by role; campus systems (integration clients) and service clients also need the named scope
(``plans:read``, ``plans:write``, ``plans:indicators``). What is visible comes from ``CurrentScope`` and
``plans.visibility``. A route takes the principal (``principal: PlanEditor``) or only checks the caller
(``dependencies=[only(PlanEditor)]``).
"""

from __future__ import annotations

from typing import Annotated

from plans.models import AuditEntry
from sanquan_kernel.audit import Auditor
from sanquan_kernel.deps import Accounts, Orgs, only, require
from sanquan_kernel.editing import Editor, lock
from sanquan_kernel.errors import Forbidden
from sanquan_kernel.principal import Principal, Role

__all__ = [
    "READ_SCOPE",
    "WRITE_SCOPE",
    "Accounts",
    "IndicatorReader",
    "LetterReader",
    "Orgs",
    "PlanEditor",
    "PlanReader",
    "ProgressReporter",
    "ProvinceOnly",
    "ProvinceReader",
    "RectificationReader",
    "ReviewReader",
    "Supervisor",
    "UniversityAdmin",
    "audit",
    "edit",
    "lock",
    "only",
    "own_university",
]

READ_SCOPE = "plans:read"
WRITE_SCOPE = "plans:write"

#: Writing a plan's content: the university's own administrators and its campus systems (P1, P4).
PlanEditor = Annotated[Principal, require(Role.UNIVERSITY_ADMIN, Role.INTEGRATION, client_scope=WRITE_SCOPE)]
#: Only the province approves, returns and decides change requests (P4).
ProvinceOnly = Annotated[Principal, require(Role.PROVINCE_ADMIN)]
#: What only the province reads (the overview, acknowledgements): its administrator and its inspector (督导, #19).
ProvinceReader = Annotated[Principal, require(Role.PROVINCE_ADMIN, Role.INSPECTOR)]
#: Supervision (issue #19): the province and its inspector record visits and findings and verify rectifications.
Supervisor = Annotated[Principal, require(Role.PROVINCE_ADMIN, Role.INSPECTOR)]
#: Rectifications are read by the province, its inspector, the university and its department managers (the ones
#: naming their department); the university's administrator answers them.
RectificationReader = Annotated[
    Principal, require(Role.PROVINCE_ADMIN, Role.INSPECTOR, Role.UNIVERSITY_ADMIN, Role.DEPARTMENT_MANAGER)
]
#: Progress on tasks: department managers (their department only), the university and its campus systems.
ProgressReporter = Annotated[
    Principal, require(Role.DEPARTMENT_MANAGER, Role.UNIVERSITY_ADMIN, Role.INTEGRATION, client_scope=WRITE_SCOPE)
]
#: Acknowledging the year's notice (issue #18): a person of the university, who is recorded.
UniversityAdmin = Annotated[Principal, require(Role.UNIVERSITY_ADMIN)]
#: Reading: everyone with an org scope; campus systems need ``plans:read``; staff and experts are refused.
PlanReader = Annotated[
    Principal,
    require(
        Role.PROVINCE_ADMIN,
        Role.INSPECTOR,
        Role.UNIVERSITY_ADMIN,
        Role.DEPARTMENT_MANAGER,
        Role.INTEGRATION,
        Role.SERVICE,
        client_scope=READ_SCOPE,
    ),
]
#: The review record (submissions, snapshots, diffs, comments, change requests) covers the whole plan, so it is
#: for the province and the university, not for one department.
ReviewReader = Annotated[
    Principal,
    require(Role.PROVINCE_ADMIN, Role.INSPECTOR, Role.UNIVERSITY_ADMIN, Role.INTEGRATION, client_scope=READ_SCOPE),
]
#: Letters are read by scope (a staff member sees the letters naming them); campus systems need ``plans:read``.
LetterReader = Annotated[Principal, require(*Role, client_scope=READ_SCOPE)]
#: The indicators of a year for the annual assessment: the province (and its inspector), or a service client with
#: ``plans:indicators``.
IndicatorReader = Annotated[
    Principal, require(Role.PROVINCE_ADMIN, Role.INSPECTOR, Role.SERVICE, client_scope="plans:indicators")
]


def own_university(principal: Principal) -> int:
    """The university a university-level writer acts for."""
    if principal.university_id is None:
        raise Forbidden("Your account is not bound to a university")
    return principal.university_id


#: The audit trail of the service (``plans.models.AuditEntry``), its before/after made JSON-ready.
audit = Auditor(AuditEntry)
#: A versioned change of a row (lock, If-Match, the change, the version, the audit entry): sanquan_kernel.editing.
edit = Editor(audit)
