"""Every query on accounts and clients, filtered by the caller's scope."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import Session

from sanquan_gateway.accounts.models import Client, User
from sanquan_kernel.principal import Scope


def users_visible(scope: Scope) -> ColumnElement[bool]:
    return scope.where(
        university=User.university_id, department=User.department_id, owner=User.id, assigned=User.id == scope.user_id
    )


def list_users_stmt(
    scope: Scope, *, org_id: int | None, role: str | None, q: str | None, active: bool | None
) -> Select[tuple[User]]:
    stmt = select(User).where(users_visible(scope))
    if org_id is not None:
        stmt = stmt.where(User.org_id == org_id)
    if role:
        stmt = stmt.where(User.role == role)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(User.username.ilike(like), User.display_name.ilike(like)))
    if active is not None:
        stmt = stmt.where(User.active == active)
    return stmt.order_by(User.id)


def get_user_visible(session: Session, scope: Scope, user_id: int) -> User | None:
    return session.scalar(select(User).where(User.id == user_id, users_visible(scope)))


def get_user_by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username.lower()))


def username_taken(session: Session, username: str) -> bool:
    return session.scalar(select(User.id).where(User.username == username.lower())) is not None


def clients_visible(scope: Scope) -> ColumnElement[bool]:
    # Service clients are the platform's own: never listed through the API.
    return (Client.role == "integration") & scope.where(university=Client.university_id)


def list_clients_stmt(scope: Scope) -> Select[tuple[Client]]:
    return select(Client).where(clients_visible(scope)).order_by(Client.id)


def get_client_visible(session: Session, scope: Scope, client_pk: int) -> Client | None:
    return session.scalar(select(Client).where(Client.id == client_pk, clients_visible(scope)))


def get_client_by_client_id(session: Session, client_id: str) -> Client | None:
    return session.scalar(select(Client).where(Client.client_id == client_id))
