"""What every plans package shares: the vocabulary (P1–P6), the roles allowed to act, "today", the plan-level
visibility rule and the audit helper."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from sanquan_kernel.audit import record_audit
from sanquan_kernel.auth import require_roles, require_scope
from sanquan_kernel.errors import Forbidden, NotFound
from sanquan_kernel.orgdir import OrgDirectory
from sanquan_kernel.principal import Principal, Role, Scope, ScopeKind

#: The province's calendar decides what is "overdue" and "on time".
LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def today() -> date:
    return datetime.now(LOCAL_TZ).date()


def local_date(at: datetime | None) -> date | None:
    return at.astimezone(LOCAL_TZ).date() if at is not None else None


class PlanStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"


#: Plans that the university may still edit (P4: revise after a return).
EDITABLE = frozenset({PlanStatus.DRAFT, PlanStatus.RETURNED})


class Category(enum.StrEnum):
    """P3: the five main tasks, then the four safeguards."""

    SERVICE = "service"
    MANAGEMENT = "management"
    ENVIRONMENT = "environment"
    CULTURE = "culture"
    COLLABORATION = "collaboration"
    ORGANISATION = "organisation"
    PUBLICITY = "publicity"
    FUNDING_INCENTIVE = "funding_incentive"
    ACCOUNTABILITY = "accountability"


class WorkStatus(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    DONE = "done"


class FundingKind(enum.StrEnum):
    SPECIAL_FUND = "special_fund"  # P5: 后勤思政专项经费
    OTHER = "other"


# -- who may act ---------------------------------------------------------------------------------------
#: Writing a plan's content: the university's own administrators and its campus systems (P1, P4).
_editor_roles = require_roles(Role.UNIVERSITY_ADMIN, Role.INTEGRATION)
_editor_scope = require_scope("plans:write")


async def _editor(principal: Principal = Depends(_editor_roles), _: Principal = Depends(_editor_scope)) -> Principal:
    return principal


PlanEditor = Depends(_editor)
#: Only the province approves, returns and decides change requests (P4).
ProvinceOnly = Depends(require_roles(Role.PROVINCE_ADMIN))
#: Progress on tasks: department managers (their department only), the university and its campus systems.
_reporter_roles = require_roles(Role.DEPARTMENT_MANAGER, Role.UNIVERSITY_ADMIN, Role.INTEGRATION)


async def _reporter(
    principal: Principal = Depends(_reporter_roles), _: Principal = Depends(_editor_scope)
) -> Principal:
    return principal


ProgressReporter = Depends(_reporter)
#: Reading: everyone with an org scope; campus systems need ``plans:read``; staff and experts are refused.
_reader_roles = require_roles(
    Role.PROVINCE_ADMIN, Role.UNIVERSITY_ADMIN, Role.DEPARTMENT_MANAGER, Role.INTEGRATION, Role.SERVICE
)
_reader_scope = require_scope("plans:read")


async def _reader(principal: Principal = Depends(_reader_roles), _: Principal = Depends(_reader_scope)) -> Principal:
    return principal


PlanReader = Depends(_reader)
#: The review record (submissions, snapshots, diffs, comments, change requests) covers the whole plan, so it is
#: for the province and the university, not for one department.
_review_roles = require_roles(Role.PROVINCE_ADMIN, Role.UNIVERSITY_ADMIN, Role.INTEGRATION)


async def _review_reader(
    principal: Principal = Depends(_review_roles), _: Principal = Depends(_reader_scope)
) -> Principal:
    return principal


ReviewReader = Depends(_review_reader)


def plan_visible(scope: Scope, university_col: ColumnElement[Any] | Any) -> ColumnElement[bool]:
    """Plan-level rows (plans, funding, work-study, submissions): a department manager reads the plan of their
    university (read-only); every other level is the kernel's university rule."""
    if scope.kind is ScopeKind.DEPARTMENT:
        return university_col == scope.university_id
    return scope.where(university=university_col)


def plan_covers(scope: Scope, university_id: int) -> bool:
    if scope.kind is ScopeKind.DEPARTMENT:
        return scope.university_id == university_id
    return scope.covers_org(university_id)


def require_university(orgdir: OrgDirectory, scope: Scope, university_id: int | None) -> None:
    """A university named in a query is one that exists and the caller may see: 404 otherwise, the same answer
    for unknown and out-of-scope ones (never an empty page that looks like "nothing yet")."""
    if university_id is not None and (not orgdir.is_university(university_id) or not plan_covers(scope, university_id)):
        raise NotFound("No such university")


def own_university(principal: Principal) -> int:
    """The university a university-level writer acts for."""
    if principal.university_id is None:
        raise Forbidden("Your account is not bound to a university")
    return principal.university_id


async def orgdir_of(request: Request) -> OrgDirectory:
    directory: OrgDirectory = request.app.state.kernel.orgdir
    return directory


#: The service's copy of the org tree (names of universities and departments, department checks).
Orgs = Annotated[OrgDirectory, Depends(orgdir_of)]


def lock(session: Session, obj: Any) -> None:
    """Re-read a row under ``SELECT … FOR UPDATE`` before a version check or a state change, so that two
    concurrent writers cannot both pass the check (SQLite writers are already serialised by BEGIN IMMEDIATE)."""
    session.refresh(obj, with_for_update=True)


def audit(
    session: Session,
    principal: Principal | None,
    action: str,
    entity: str,
    entity_id: Any,
    *,
    university_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    from plans.models import AuditEntry

    record_audit(
        session,
        AuditEntry,
        principal,
        action,
        entity,
        entity_id,
        university_id=university_id,
        before=_jsonable(before),
        after=_jsonable(after),
    )


def _jsonable(d: dict[str, Any] | None) -> dict[str, Any] | None:
    if d is None:
        return None
    out: dict[str, Any] = {}
    for k, v in d.items():
        if isinstance(v, date | datetime):
            v = v.isoformat()
        elif isinstance(v, Decimal):
            v = float(v)
        elif isinstance(v, enum.Enum):
            v = v.value
        out[k] = v
    return out
