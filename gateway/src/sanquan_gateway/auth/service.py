"""Tokens (CONTRACT.md): access tokens (RS256, ~15 min), refresh tokens stored hashed and rotated on each use
with reuse detection that revokes the whole family, client credentials for integration and service clients."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi import Request
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from sanquan_gateway.accounts import repository as accounts
from sanquan_gateway.accounts.models import Client, User
from sanquan_gateway.audit.service import audit
from sanquan_gateway.auth import throttle
from sanquan_gateway.auth.models import RefreshToken, Revocation
from sanquan_gateway.auth.passwords import verify_password
from sanquan_gateway.auth.revocations import org_subjects
from sanquan_gateway.config import Settings
from sanquan_gateway.orgs.repository import any_inactive
from sanquan_kernel.db import utcnow
from sanquan_kernel.tokens import SigningKey, issue_access_token


class OAuthError(Exception):
    """An RFC 6749 §5.2 error answer."""

    def __init__(self, error: str, description: str, status: int = 400, headers: dict[str, str] | None = None):
        super().__init__(description)
        self.error, self.description, self.status, self.headers = error, description, status, headers or {}


@dataclass
class TokenIssuer:
    key: SigningKey
    settings: Settings

    def access_for_user(self, user: User) -> tuple[str, dict[str, Any]]:
        return issue_access_token(
            self.key,
            issuer=self.settings.jwt_issuer,
            audience=self.settings.jwt_audience,
            subject=str(user.id),
            ttl_seconds=self.settings.access_token_ttl,
            claims={
                "role": user.role,
                "org_id": user.org_id,
                "university_id": user.university_id,
                "department_id": user.department_id,
                "scope": "",
                "preferred_username": user.username,
            },
        )

    def access_for_client(self, client: Client) -> tuple[str, dict[str, Any]]:
        return issue_access_token(
            self.key,
            issuer=self.settings.jwt_issuer,
            audience=self.settings.jwt_audience,
            subject=f"client:{client.client_id}",
            ttl_seconds=self.settings.access_token_ttl,
            claims={
                "role": client.role,
                "org_id": client.org_id,
                "university_id": client.university_id,
                "department_id": None,
                "scope": client.scopes,
            },
        )


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_refresh(session: Session, settings: Settings, user_id: int, family_id: str | None = None) -> str:
    raw = secrets.token_urlsafe(48)
    session.add(
        RefreshToken(
            token_hash=_hash(raw),
            family_id=family_id or secrets.token_hex(16),
            user_id=user_id,
            expires_at=utcnow() + timedelta(seconds=settings.refresh_token_ttl),
        )
    )
    return raw


def _wait_past_revocation(session: Session, *subjects: str) -> None:
    """``iat`` has one-second resolution: a token issued in the very second its subject (or organisation) was
    revoked would be refused, so issuing waits for the next second (only ever right after a password change or an
    organisation's reactivation)."""
    cutoff = session.scalar(select(func.max(Revocation.revoked_before)).where(Revocation.subject.in_(subjects)))
    if cutoff is not None and cutoff >= int(time.time()):
        time.sleep(min(1.5, max(0.0, cutoff + 1 - time.time())))


def _pair(issuer: TokenIssuer, session: Session, user: User, family_id: str | None = None) -> dict[str, Any]:
    _wait_past_revocation(session, str(user.id), *org_subjects(user.org_id, user.university_id, user.department_id))
    access, _ = issuer.access_for_user(user)
    refresh = _new_refresh(session, issuer.settings, user.id, family_id)
    return {
        "access_token": access,
        "token_type": "bearer",
        "expires_in": issuer.settings.access_token_ttl,
        "refresh_token": refresh,
    }


def password_grant(
    factory: sessionmaker[Session], issuer: TokenIssuer, request: Request, username: str, password: str
) -> dict[str, Any]:
    settings = issuer.settings
    ip = request.client.host if request.client else "unknown"
    keys = [f"user:{username.lower()}", f"ip:{ip}"]
    with factory.begin() as session:
        wait = throttle.retry_after(session, keys)
        if wait is not None:
            audit(session, request, actor=username[:100], action="login.throttled", target=f"user:{username[:80]}")
            raise OAuthError(
                "invalid_grant",
                f"Too many failed attempts; try again in {wait} seconds",
                429,
                {"Retry-After": str(wait)},
            )
        user = accounts.get_user_by_username(session, username)
        ok = verify_password(password, user.password_hash if user else None)
        if (
            ok
            and user is not None
            and user.active
            and not any_inactive(session, user.org_id, user.university_id, user.department_id)
        ):
            throttle.clear(session, keys[0])
            audit(
                session,
                request,
                actor=user.username,
                action="login.success",
                target=f"user:{user.id}",
                university_id=user.university_id,
            )
            return _pair(issuer, session, user)
        audit(
            session,
            request,
            actor=username[:100],
            action="login.failure",
            target=f"user:{username[:80]}",
            university_id=user.university_id if user else None,
            reason="disabled" if ok and user is not None else "bad credentials",
        )
    throttle.record_failure(factory, keys[0], settings.login_max_failures_per_account, settings.login_window_seconds)
    throttle.record_failure(factory, keys[1], settings.login_max_failures_per_address, settings.login_window_seconds)
    raise OAuthError(
        "invalid_grant", "The username or password is wrong, or the account or its organisation is disabled"
    )


def client_credentials_grant(
    factory: sessionmaker[Session], issuer: TokenIssuer, request: Request, client_id: str, secret: str
) -> dict[str, Any]:
    ip = request.client.host if request.client else "unknown"
    keys = [f"client:{client_id}", f"ip:{ip}"]
    settings = issuer.settings
    with factory.begin() as session:
        wait = throttle.retry_after(session, keys)
        if wait is not None:
            raise OAuthError(
                "invalid_client",
                f"Too many failed attempts; try again in {wait} seconds",
                429,
                {"Retry-After": str(wait)},
            )
        client = accounts.get_client_by_client_id(session, client_id)
        ok = verify_password(secret, client.secret_hash if client else None)
        if (
            ok
            and client is not None
            and client.active
            and not any_inactive(session, client.org_id, client.university_id)
        ):
            _wait_past_revocation(
                session, f"client:{client.client_id}", *org_subjects(client.org_id, client.university_id)
            )
            access, _ = issuer.access_for_client(client)
            if client.role != "service":
                audit(
                    session,
                    request,
                    actor=client.client_id,
                    action="client.token",
                    target=f"client:{client.client_id}",
                    university_id=client.university_id,
                )
            return {
                "access_token": access,
                "token_type": "bearer",
                "expires_in": settings.access_token_ttl,
                "scope": client.scopes,
            }
        audit(session, request, actor=client_id[:100], action="client.failure", target=f"client:{client_id[:80]}")
    throttle.record_failure(factory, keys[0], settings.login_max_failures_per_account, settings.login_window_seconds)
    throttle.record_failure(factory, keys[1], settings.login_max_failures_per_address, settings.login_window_seconds)
    raise OAuthError("invalid_client", "Client authentication failed", 401, {"WWW-Authenticate": 'Basic realm="token"'})


def _revoke_family(session: Session, family_id: str) -> None:
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def refresh_grant(factory: sessionmaker[Session], issuer: TokenIssuer, request: Request, raw: str) -> dict[str, Any]:
    with factory.begin() as session:
        row = session.scalar(select(RefreshToken).where(RefreshToken.token_hash == _hash(raw)))
        if row is None:
            raise OAuthError("invalid_grant", "The refresh token is not valid")
        now = utcnow()
        reused = row.used_at is not None or row.revoked_at is not None
        if not reused:
            # Atomic: of two concurrent uses of one token, exactly one wins; the other is a reuse.
            won = session.execute(  # type: ignore[attr-defined]
                update(RefreshToken)
                .where(RefreshToken.id == row.id, RefreshToken.used_at.is_(None), RefreshToken.revoked_at.is_(None))
                .values(used_at=now)
            ).rowcount
            reused = won == 0
        if reused:
            _revoke_family(session, row.family_id)
            audit(
                session,
                request,
                actor=f"user:{row.user_id}",
                action="token.reuse_detected",
                target=f"family:{row.family_id}",
            )
            error: OAuthError | None = OAuthError(
                "invalid_grant", "The refresh token was already used; every token of its sign-in has been revoked"
            )
        elif row.expires_at < now:
            error = OAuthError("invalid_grant", "The refresh token has expired")
        else:
            user = session.get(User, row.user_id)
            if (
                user is None
                or not user.active
                or any_inactive(session, user.org_id, user.university_id, user.department_id)
            ):
                _revoke_family(session, row.family_id)
                error = OAuthError("invalid_grant", "The account or its organisation is disabled")
            else:
                return _pair(issuer, session, user, row.family_id)
    assert error is not None
    raise error


def revoke_refresh(session: Session, raw: str) -> int | None:
    """Logout: revoke the family of this refresh token; returns the user id, if the token was known."""
    row = session.scalar(select(RefreshToken).where(RefreshToken.token_hash == _hash(raw)))
    if row is None:
        return None
    _revoke_family(session, row.family_id)
    return row.user_id
