"""Every query on organisations, filtered by the caller's scope."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import Session

from sanquan_gateway.orgs.models import Organisation
from sanquan_kernel.principal import Principal, Scope


def visible(scope: Scope, principal: Principal) -> ColumnElement[bool]:
    """A1: the province sees all; a university its own tree; a department itself. Everyone sees their own org."""
    cond = scope.where(university=Organisation.university_id, department=Organisation.id)
    if principal.org_id is not None:
        cond = or_(cond, Organisation.id == principal.org_id)
    return cond


def list_stmt(
    scope: Scope,
    principal: Principal,
    *,
    level: str | None,
    parent_id: int | None,
    q: str | None,
    active: bool | None,
    city: str | None = None,
) -> Select[tuple[Organisation]]:
    stmt = select(Organisation).where(visible(scope, principal))
    if level:
        stmt = stmt.where(Organisation.level == level)
    if parent_id is not None:
        stmt = stmt.where(Organisation.parent_id == parent_id)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(Organisation.name.ilike(like), Organisation.code.ilike(like)))
    if active is not None:
        stmt = stmt.where(Organisation.active == active)
    if city:
        stmt = stmt.where(Organisation.city == city)
    return stmt.order_by(Organisation.path)


def get_visible(session: Session, scope: Scope, principal: Principal, org_id: int) -> Organisation | None:
    return session.scalar(select(Organisation).where(Organisation.id == org_id, visible(scope, principal)))


def get(session: Session, org_id: int) -> Organisation | None:
    return session.get(Organisation, org_id)


def province(session: Session) -> Organisation | None:
    return session.scalar(select(Organisation).where(Organisation.level == "province"))


def code_taken(session: Session, code: str, *, exclude_id: int | None = None) -> bool:
    stmt = select(Organisation.id).where(Organisation.code == code)
    if exclude_id is not None:
        stmt = stmt.where(Organisation.id != exclude_id)
    return session.scalar(stmt) is not None


def subtree(session: Session, org: Organisation) -> list[Organisation]:
    """The org and everything below it: one indexed prefix query on the materialised path."""
    return list(
        session.scalars(select(Organisation).where(Organisation.path.startswith(org.path)).order_by(Organisation.path))
    )


def all_orgs(session: Session) -> list[Organisation]:
    return list(session.scalars(select(Organisation).order_by(Organisation.id)))


def any_inactive(session: Session, *org_ids: int | None) -> bool:
    """Whether any of these organisations (an account's org, university and department) is deactivated: its
    people and clients may not sign in."""
    ids = {i for i in org_ids if i is not None}
    if not ids:
        return False
    stmt = select(Organisation.id).where(Organisation.id.in_(ids), Organisation.active.is_(False)).limit(1)
    return session.scalar(stmt) is not None
