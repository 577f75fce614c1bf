"""Who reads and who changes a nomination's files; the routes are the kernel's (``sanquan_kernel.storage.api``).

Read by whoever reads the nomination: the province, its university (a department manager: their department's),
and the experts it is assigned to (never one of its own university). In a blind campaign an expert receives the
documents without their author and organisation properties and under a neutral name. Changed by the university
(a department manager while it is only proposed) before it is submitted, in the nomination or preselection phase.
Every download is audited.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from evaluation.attachments.models import Attachment
from evaluation.campaigns.models import Campaign
from evaluation.models import AuditEntry
from evaluation.nominations import repository as nominations
from sanquan_kernel.errors import Conflict, Forbidden
from sanquan_kernel.principal import Principal, Role, Scope, ScopeKind
from sanquan_kernel.storage import Attachments, Owner, OwnerAccess

PEOPLE = frozenset(
    {Role.PROVINCE_ADMIN, Role.INSPECTOR, Role.EXPERT, Role.UNIVERSITY_ADMIN, Role.DEPARTMENT_MANAGER, Role.STAFF}
)
EDITORS = frozenset({Role.UNIVERSITY_ADMIN, Role.DEPARTMENT_MANAGER})
#: A nomination's files change until it is submitted, while the campaign takes nominations.
OPEN_STATUSES = ("proposed", "preselected")
OPEN_PHASES = ("nomination", "preselection")


def read_nomination(session: Session, principal: Principal, scope: Scope, nomination_id: int) -> OwnerAccess | None:
    if principal.role not in PEOPLE:
        raise Forbidden("Your role may not do this")
    n = nominations.get(session, scope, nomination_id)
    if n is None:
        return None
    campaign = session.get(Campaign, n.campaign_id)
    blind = bool(campaign is not None and campaign.blind and scope.kind is ScopeKind.ASSIGNED)
    return OwnerAccess(n.university_id, n.department_id, blind=blind)


def edit_nomination(session: Session, principal: Principal, scope: Scope, nomination_id: int) -> OwnerAccess | None:
    if principal.role not in EDITORS:
        raise Forbidden("Your role may not change this nomination's files")
    n = nominations.get(session, scope, nomination_id)
    if n is None:
        return None
    if principal.role is Role.DEPARTMENT_MANAGER and n.status != "proposed":
        raise Forbidden("Only the university changes a preselected nomination")
    if n.status not in OPEN_STATUSES:
        raise Conflict(f"A {n.status} nomination's files can no longer change")
    campaign = session.get(Campaign, n.campaign_id)
    if campaign is None or campaign.phase not in OPEN_PHASES:
        raise Conflict("The campaign no longer takes changes to nominations")
    return OwnerAccess(n.university_id, n.department_id)


ATTACHMENTS = Attachments(
    service="evaluation",
    api_prefix="/api/evaluation",
    model=Attachment,
    audit_model=AuditEntry,
    owners=[
        Owner(
            "nomination",
            "nominations",
            "nomination_id",
            read_nomination,
            edit_nomination,
            "a nomination (its application form and materials)",
            audited=True,
        )
    ],
    uploaders=EDITORS,
)
