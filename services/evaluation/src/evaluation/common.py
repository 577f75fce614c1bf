"""What every domain package of the service shares: role dependencies, the audit helper, the org directory."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from evaluation.models import AuditEntry
from sanquan_kernel.accounts import AccountDirectory
from sanquan_kernel.audit import record_audit
from sanquan_kernel.auth import require_roles
from sanquan_kernel.errors import NotFound
from sanquan_kernel.orgdir import OrgDirectory
from sanquan_kernel.principal import Principal, Role, Scope, ScopeKind

ProvinceAdmin = Annotated[Principal, Depends(require_roles(Role.PROVINCE_ADMIN))]
UniversityAdmin = Annotated[Principal, Depends(require_roles(Role.UNIVERSITY_ADMIN))]
Expert = Annotated[Principal, Depends(require_roles(Role.EXPERT))]
#: people who may see campaigns, nominations in their scope and published results
Person = Annotated[
    Principal,
    Depends(
        require_roles(Role.PROVINCE_ADMIN, Role.EXPERT, Role.UNIVERSITY_ADMIN, Role.DEPARTMENT_MANAGER, Role.STAFF)
    ),
]


async def _orgdir(request: Request) -> OrgDirectory:
    orgdir: OrgDirectory = request.app.state.kernel.orgdir
    return orgdir


OrgDir = Annotated[OrgDirectory, Depends(_orgdir)]


def require_orgs(
    orgdir: OrgDirectory, scope: Scope | None, university_id: int | None, department_id: int | None = None
) -> None:
    """A university or department named in a query exists and lies in the caller's organisation (a university's
    or a department's people): 404 otherwise, the same answer for both."""
    dept = orgdir.get(department_id) if department_id is not None else None
    unknown = (university_id is not None and not orgdir.is_university(university_id)) or (
        department_id is not None
        and (dept is None or dept.level != "department" or university_id not in (None, dept.university_id))
    )
    outside = False
    if scope is not None and scope.kind in (ScopeKind.UNIVERSITY, ScopeKind.DEPARTMENT):
        outside = university_id not in (None, scope.university_id) or (
            dept is not None and dept.university_id != scope.university_id
        )
        if scope.kind is ScopeKind.DEPARTMENT:
            outside = outside or department_id not in (None, scope.department_id)
    if unknown or outside:
        raise NotFound("No such university or department")


async def _accounts(request: Request) -> AccountDirectory:
    accounts: AccountDirectory = request.app.state.kernel.accounts
    return accounts


#: Where accounts belong (asked of the gateway): an expert's university is their account's.
Accounts = Annotated[AccountDirectory, Depends(_accounts)]


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def snapshot(obj: Any, *fields: str) -> dict[str, Any]:
    """The audited view of a row: the named fields, JSON-ready."""
    return {f: _jsonable(getattr(obj, f)) for f in fields}


def audit(
    session: Session,
    principal: Principal | None,
    action: str,
    entity: str,
    entity_id: Any,
    *,
    university_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    record_audit(
        session,
        AuditEntry,
        principal,
        action,
        entity,
        entity_id,
        university_id=university_id,
        before=before,
        after=after,
    )


#: Phase windows and publicity periods are the province's calendar days.
PROVINCE_TZ = ZoneInfo("Asia/Shanghai")


def today() -> date:
    return datetime.now(PROVINCE_TZ).date()
