"""First start: the province, the first province administrator (from ADMIN_USERNAME / ADMIN_PASSWORD when no
account exists) and the service clients of the three services. Idempotent; safe on every start."""

from __future__ import annotations

import logging
import os

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from sanquan_gateway.accounts.models import Client, User
from sanquan_gateway.auth.passwords import hash_password, password_problems, verify_password
from sanquan_gateway.orgs.models import Organisation
from sanquan_kernel.secrets import service_secret

log = logging.getLogger("gateway.bootstrap")

SERVICE_SCOPES = {
    "plans": "internal:read internal:events",
    "training": "internal:read internal:events",
    "evaluation": (
        "internal:read internal:events plans:indicators training:indicators training:read training:courses"
        " hall:indicators"
    ),
    "hall": "internal:read internal:events",
}


def ensure_province(session: Session) -> Organisation:
    province = session.scalar(select(Organisation).where(Organisation.level == "province"))
    if province is None:
        province = Organisation(
            level="province",
            name=os.environ.get("PROVINCE_NAME", "河南省教育厅"),
            code=os.environ.get("PROVINCE_CODE", "HA"),
            parent_id=None,
        )
        session.add(province)
        session.flush()
        province.path = f"/{province.id}/"
        log.info("created the province %s", province.name)
    return province


def ensure_admin(session: Session, province: Organisation, username: str | None, password: str | None) -> None:
    if session.scalar(select(func.count(User.id))):
        return
    if not username or not password:
        log.warning("no accounts yet: set ADMIN_USERNAME and ADMIN_PASSWORD to create the first administrator")
        return
    problem = password_problems(password, username)
    if problem:
        raise SystemExit(f"ADMIN_PASSWORD needs {problem}")
    session.add(
        User(
            username=username.lower(),
            display_name="省级管理员",
            password_hash=hash_password(password),
            role="province_admin",
            org_id=province.id,
            university_id=None,
            department_id=None,
        )
    )
    log.info("created the first province administrator %s", username)


def ensure_service_clients(session: Session) -> None:
    for name, scopes in SERVICE_SCOPES.items():
        secret = service_secret(name)
        client_id = f"svc-{name}"
        client = session.scalar(select(Client).where(Client.client_id == client_id))
        if client is None:
            session.add(
                Client(
                    client_id=client_id,
                    name=f"{name} service",
                    secret_hash=hash_password(secret),
                    role="service",
                    org_id=None,
                    university_id=None,
                    scopes=scopes,
                )
            )
        else:
            if not verify_password(secret, client.secret_hash):
                client.secret_hash = hash_password(secret)
            client.scopes, client.active, client.role = scopes, True, "service"


def bootstrap(factory: sessionmaker[Session], admin_username: str | None, admin_password: str | None) -> None:
    with factory.begin() as session:
        if session.get_bind().dialect.name == "postgresql":
            # Replicas starting together: one bootstraps, the others wait and then find everything in place.
            session.execute(text("SELECT pg_advisory_xact_lock(7301)"))
        province = ensure_province(session)
        ensure_admin(session, province, admin_username, admin_password)
        ensure_service_clients(session)


def create_admin(factory: sessionmaker[Session], username: str, password: str) -> None:
    """The documented command for another province administrator (e.g. when the first one left)."""
    problem = password_problems(password, username)
    if problem:
        raise SystemExit(f"The password needs {problem}")
    with factory.begin() as session:
        province = ensure_province(session)
        if session.scalar(select(User).where(User.username == username.lower())) is not None:
            raise SystemExit(f"{username} exists already")
        session.add(
            User(
                username=username.lower(),
                display_name=username,
                password_hash=hash_password(password),
                role="province_admin",
                org_id=province.id,
                university_id=None,
                department_id=None,
            )
        )
