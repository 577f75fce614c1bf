"""Rules for organisations (A1, A2): who may create and change what, and how the tree is kept."""

from __future__ import annotations

import re

from fastapi import Request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sanquan_gateway.audit.service import audit
from sanquan_gateway.auth.revocations import CHANGED, deactivate_org, reactivate_org
from sanquan_gateway.orgs import repository as repo
from sanquan_gateway.orgs.models import Organisation
from sanquan_gateway.orgs.schemas import OrgCreate, OrgLevel, OrgUpdate
from sanquan_kernel.errors import Conflict, Forbidden, NotFound, Unprocessable
from sanquan_kernel.principal import Principal, Role, Scope

UNIVERSITY_CODE = re.compile(r"^\d{10}$")


def _snapshot(org: Organisation) -> dict[str, object]:
    return {"name": org.name, "code": org.code, "type": org.type, "city": org.city, "active": org.active}


def create_org(session: Session, request: Request, principal: Principal, scope: Scope, data: OrgCreate) -> Organisation:
    if data.level is OrgLevel.PROVINCE:
        raise Forbidden("The province is created at installation only")
    if principal.role not in (Role.PROVINCE_ADMIN, Role.UNIVERSITY_ADMIN):
        raise Forbidden("Your role may not create organisations")
    if data.level is OrgLevel.UNIVERSITY:
        if principal.role is not Role.PROVINCE_ADMIN:
            raise Forbidden("Only province administrators create universities")
        parent = repo.province(session)
        if parent is None:
            raise Conflict("There is no province yet")
        if data.parent_id not in (None, parent.id):
            raise Unprocessable(
                "A university's parent is the province",
                errors=[{"loc": ["body", "parent_id"], "msg": "must be the province"}],
            )
        if not data.code or not UNIVERSITY_CODE.match(data.code):
            raise Unprocessable(
                "A university needs its 10-digit national institution code",
                errors=[{"loc": ["body", "code"], "msg": "must be 10 digits"}],
            )
        if data.type is None:
            raise Unprocessable(
                "A university needs a type", errors=[{"loc": ["body", "type"], "msg": "required for a university"}]
            )
    else:
        if data.parent_id is None:
            raise Unprocessable(
                "A department needs its university",
                errors=[{"loc": ["body", "parent_id"], "msg": "required for a department"}],
            )
        parent_or_none = repo.get_visible(session, scope, principal, data.parent_id)
        if parent_or_none is None:
            raise NotFound("No such university")
        parent = parent_or_none
        if parent.level != OrgLevel.UNIVERSITY:
            raise Unprocessable(
                "A department belongs to a university",
                errors=[{"loc": ["body", "parent_id"], "msg": "must be a university"}],
            )
        if principal.role is Role.UNIVERSITY_ADMIN and parent.id != principal.university_id:
            raise NotFound("No such university")
        if not parent.active:
            raise Conflict("The university is deactivated; reactivate it before adding departments")
        if data.type is not None:
            raise Unprocessable(
                "A department has no type", errors=[{"loc": ["body", "type"], "msg": "must be empty for a department"}]
            )
        if data.city is not None:
            raise Unprocessable(
                "A department has no city of its own",
                errors=[{"loc": ["body", "city"], "msg": "must be empty for a department"}],
            )
    if data.code and repo.code_taken(session, data.code):
        raise Conflict(f"The code {data.code} is already used")
    org = Organisation(
        parent_id=parent.id,
        level=data.level.value,
        type=data.type.value if data.type else None,
        name=data.name,
        code=data.code or None,
        city=data.city,
    )
    session.add(org)
    session.info[CHANGED] = True  # /internal/orgs' ETag (the poller's copy) moves right after the commit
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"The code {data.code} is already used") from None
    org.path = f"{parent.path}{org.id}/"
    org.university_id = org.id if org.level == OrgLevel.UNIVERSITY else parent.university_id
    audit(
        session,
        request,
        actor=principal.subject,
        action="org.create",
        target=f"org:{org.id}",
        university_id=org.university_id,
        after=_snapshot(org),
        level=org.level,
    )
    return org


def update_org(
    session: Session, request: Request, principal: Principal, org: Organisation, data: OrgUpdate
) -> Organisation:
    if org.level == OrgLevel.PROVINCE or org.level == OrgLevel.UNIVERSITY:
        if principal.role is not Role.PROVINCE_ADMIN:
            raise Forbidden("Only province administrators change universities")
    elif principal.role not in (Role.PROVINCE_ADMIN, Role.UNIVERSITY_ADMIN):
        raise Forbidden("Your role may not change organisations")
    before = _snapshot(org)
    changes = data.model_dump(exclude_unset=True)
    if "code" in changes:
        code = changes["code"]
        if org.level == OrgLevel.UNIVERSITY and (not code or not UNIVERSITY_CODE.match(code)):
            raise Unprocessable(
                "A university needs its 10-digit national institution code",
                errors=[{"loc": ["body", "code"], "msg": "must be 10 digits"}],
            )
        if code and repo.code_taken(session, code, exclude_id=org.id):
            raise Conflict(f"The code {code} is already used")
    if changes.get("active") is False and org.level == OrgLevel.PROVINCE:
        raise Unprocessable(
            "The province cannot be deactivated",
            errors=[{"loc": ["body", "active"], "msg": "the province is always active"}],
        )
    if "type" in changes and org.level != OrgLevel.UNIVERSITY and changes["type"] is not None:
        raise Unprocessable(
            "Only universities have a type", errors=[{"loc": ["body", "type"], "msg": "must be empty for a department"}]
        )
    if "city" in changes and org.level != OrgLevel.UNIVERSITY and changes["city"] is not None:
        raise Unprocessable(
            "Only universities have a city", errors=[{"loc": ["body", "city"], "msg": "must be empty for a department"}]
        )
    if changes.get("name") is not None:
        org.name = changes["name"].strip()
    if "code" in changes:
        org.code = changes["code"] or None
    if "type" in changes and org.level == OrgLevel.UNIVERSITY and changes["type"] is not None:
        org.type = changes["type"].value if hasattr(changes["type"], "value") else changes["type"]
    if "city" in changes and org.level == OrgLevel.UNIVERSITY:
        org.city = changes["city"]
    if changes.get("active") is not None and bool(changes["active"]) != org.active:
        # Deactivation ends every sign-in of the organisation's people and clients (and of its departments') and
        # refuses their tokens everywhere within the revocation poll; reactivation lets new sign-ins work.
        org.active = bool(changes["active"])
        if org.active:
            reactivate_org(session, org.id, request.app.state.kernel.settings.access_token_ttl)
        else:
            deactivate_org(session, org.id)
    org.version += 1
    session.info[CHANGED] = True
    audit(
        session,
        request,
        actor=principal.subject,
        action="org.update",
        target=f"org:{org.id}",
        university_id=org.university_id,
        before=before,
        after=_snapshot(org),
    )
    return org
