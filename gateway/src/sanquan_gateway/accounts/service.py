"""Rules for accounts and clients (A2): roles fit their organisation's level, nobody creates an account above
their own level, university admins manage only their own university, disabling revokes tokens at once."""

from __future__ import annotations

import secrets

from fastapi import Request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sanquan_gateway.accounts import repository as repo
from sanquan_gateway.accounts.models import Client, User
from sanquan_gateway.accounts.schemas import ClientCreate, ClientUpdate, PasswordReset, UserCreate, UserUpdate
from sanquan_gateway.audit.service import audit
from sanquan_gateway.auth.passwords import hash_password, password_problems
from sanquan_gateway.auth.revocations import clear_subject, revoke_refresh_tokens_of_user, revoke_subject
from sanquan_gateway.orgs import repository as org_repo
from sanquan_gateway.orgs.models import Organisation
from sanquan_kernel.db import utcnow
from sanquan_kernel.errors import Conflict, Forbidden, NotFound, Unprocessable
from sanquan_kernel.principal import Principal, Role, Scope

#: Which organisation level each person role is bound to.
ROLE_ORG_LEVELS: dict[Role, frozenset[str]] = {
    Role.PROVINCE_ADMIN: frozenset({"province"}),
    Role.INSPECTOR: frozenset({"province"}),  # 督导 (issue #19): made by the province admin only
    Role.EXPERT: frozenset({"province", "university"}),
    Role.UNIVERSITY_ADMIN: frozenset({"university"}),
    Role.DEPARTMENT_MANAGER: frozenset({"department"}),
    Role.STAFF: frozenset({"department"}),
}

#: Roles each manager role may grant: never above its own level.
GRANTABLE: dict[Role, frozenset[Role]] = {
    Role.PROVINCE_ADMIN: frozenset(ROLE_ORG_LEVELS),
    Role.UNIVERSITY_ADMIN: frozenset({Role.UNIVERSITY_ADMIN, Role.DEPARTMENT_MANAGER, Role.STAFF}),
}


def _snapshot(u: User) -> dict[str, object]:
    return {
        "username": u.username,
        "display_name": u.display_name,
        "role": u.role,
        "org_id": u.org_id,
        "active": u.active,
    }


def _target_org(
    session: Session, principal: Principal, scope: Scope, org_id: int, role: Role, field: str = "org_id"
) -> Organisation:
    org = org_repo.get_visible(session, scope, principal, org_id)
    if org is None:
        raise NotFound("No such organisation")
    if principal.role is Role.UNIVERSITY_ADMIN and org.university_id != principal.university_id:
        raise NotFound("No such organisation")
    if org.level not in ROLE_ORG_LEVELS[role]:
        raise Unprocessable(
            f"A {role.value} belongs to an organisation of level {' or '.join(sorted(ROLE_ORG_LEVELS[role]))}",
            errors=[{"loc": ["body", field], "msg": f"wrong organisation level for {role.value}"}],
        )
    if org_repo.any_inactive(session, org.id, org.university_id):
        raise Conflict("The organisation or its university is deactivated")
    return org


def _check_grant(principal: Principal, role: Role) -> None:
    if role not in ROLE_ORG_LEVELS:
        raise Unprocessable(
            "Clients are created at /api/clients", errors=[{"loc": ["body", "role"], "msg": "not a person's role"}]
        )
    allowed = GRANTABLE.get(principal.role)
    if allowed is None:
        raise Forbidden("Your role may not manage accounts")
    if role not in allowed:
        raise Forbidden(f"You may not grant the role {role.value}")


def _place(user: User, org: Organisation) -> None:
    user.org_id = org.id
    user.university_id = org.university_id
    user.department_id = org.id if org.level == "department" else None


def create_user(session: Session, request: Request, principal: Principal, scope: Scope, data: UserCreate) -> User:
    _check_grant(principal, data.role)
    org = _target_org(session, principal, scope, data.org_id, data.role)
    if repo.username_taken(session, data.username):
        raise Conflict(f"The username {data.username} is taken")
    user = User(
        username=data.username,
        display_name=data.display_name.strip(),
        password_hash=hash_password(data.password),
        role=data.role.value,
        active=True,
        password_changed_at=utcnow(),
        must_change_password=data.must_change_password,
    )
    _place(user, org)
    session.add(user)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"The username {data.username} is taken") from None
    audit(
        session,
        request,
        actor=principal.subject,
        action="user.create",
        target=f"user:{user.id}",
        university_id=user.university_id,
        after=_snapshot(user),
        must_change_password=user.must_change_password,
    )
    return user


def _may_manage(principal: Principal, user: User) -> None:
    if principal.role not in GRANTABLE:
        raise Forbidden("Your role may not manage accounts")
    if Role(user.role) not in GRANTABLE[principal.role]:
        raise Forbidden("You may not manage an account of this role")


def update_user(
    session: Session,
    request: Request,
    principal: Principal,
    scope: Scope,
    user: User,
    data: UserUpdate,
    access_ttl: int,
) -> User:
    _may_manage(principal, user)
    changes = data.model_dump(exclude_unset=True)
    before = _snapshot(user)
    new_role = Role(changes["role"]) if changes.get("role") is not None else Role(user.role)
    if changes.get("role") is not None:
        _check_grant(principal, new_role)
    if changes.get("org_id") is not None or changes.get("role") is not None:
        org = _target_org(
            session,
            principal,
            scope,
            changes.get("org_id") or user.org_id,
            new_role,
            "org_id" if changes.get("org_id") is not None else "role",
        )
        _place(user, org)
        user.role = new_role.value
    if changes.get("display_name") is not None:
        user.display_name = changes["display_name"].strip()
    identity_changed = before["role"] != user.role or before["org_id"] != user.org_id
    if changes.get("active") is not None and changes["active"] != user.active:
        if user.id == principal.user_id and not changes["active"]:
            raise Conflict("You cannot disable your own account")
        user.active = bool(changes["active"])
        if user.active:
            clear_subject(session, str(user.id))
    if (before["active"] and not user.active) or identity_changed:
        # Tokens carry role and organisation: old ones must stop at once (gateway and every service).
        revoke_subject(session, str(user.id), access_ttl)
        revoke_refresh_tokens_of_user(session, user.id)
    user.version += 1
    audit(
        session,
        request,
        actor=principal.subject,
        action="user.update",
        target=f"user:{user.id}",
        university_id=user.university_id,
        before=before,
        after=_snapshot(user),
    )
    return user


def reset_password(
    session: Session, request: Request, principal: Principal, user: User, data: PasswordReset, access_ttl: int
) -> None:
    _may_manage(principal, user)
    problem = password_problems(data.new_password, user.username)
    if problem:
        raise Unprocessable(
            f"The password needs {problem}", errors=[{"loc": ["body", "new_password"], "msg": f"needs {problem}"}]
        )
    user.password_hash = hash_password(data.new_password)
    user.password_changed_at = utcnow()
    user.must_change_password = data.must_change_password
    user.version += 1
    revoke_subject(session, str(user.id), access_ttl)
    revoke_refresh_tokens_of_user(session, user.id)
    audit(
        session,
        request,
        actor=principal.subject,
        action="user.password_reset",
        target=f"user:{user.id}",
        university_id=user.university_id,
        must_change_password=user.must_change_password,
    )


# -- clients -----------------------------------------------------------------------------------------------
def create_client(
    session: Session, request: Request, principal: Principal, scope: Scope, data: ClientCreate
) -> tuple[Client, str]:
    if principal.role not in (Role.PROVINCE_ADMIN, Role.UNIVERSITY_ADMIN):
        raise Forbidden("Your role may not manage clients")
    org = org_repo.get_visible(session, scope, principal, data.org_id)
    if org is None or (principal.role is Role.UNIVERSITY_ADMIN and org.university_id != principal.university_id):
        raise NotFound("No such organisation")
    if org.level != "university":
        raise Unprocessable(
            "An integration client acts for one university",
            errors=[{"loc": ["body", "org_id"], "msg": "must be a university"}],
        )
    if not org.active:
        raise Conflict("The university is deactivated")
    secret = secrets.token_urlsafe(32)
    client = Client(
        client_id=f"c-{secrets.token_hex(8)}",
        name=data.name.strip(),
        secret_hash=hash_password(secret),
        role=Role.INTEGRATION.value,
        org_id=org.id,
        university_id=org.university_id,
        scopes=" ".join(data.scopes),
        active=True,
    )
    session.add(client)
    session.flush()
    audit(
        session,
        request,
        actor=principal.subject,
        action="client.create",
        target=f"client:{client.client_id}",
        university_id=client.university_id,
        scopes=data.scopes,
    )
    return client, secret


def update_client(
    session: Session, request: Request, principal: Principal, client: Client, data: ClientUpdate, access_ttl: int
) -> Client:
    if principal.role not in (Role.PROVINCE_ADMIN, Role.UNIVERSITY_ADMIN):
        raise Forbidden("Your role may not manage clients")
    before = {"name": client.name, "active": client.active}
    if data.name is not None:
        client.name = data.name.strip()
    if data.active is not None and data.active != client.active:
        client.active = data.active
        subject = f"client:{client.client_id}"
        if client.active:
            clear_subject(session, subject)
        else:
            revoke_subject(session, subject, access_ttl)
    client.version += 1
    audit(
        session,
        request,
        actor=principal.subject,
        action="client.update",
        target=f"client:{client.client_id}",
        university_id=client.university_id,
        before=before,
        after={"name": client.name, "active": client.active},
    )
    return client
