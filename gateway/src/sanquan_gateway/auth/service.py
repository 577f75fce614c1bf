"""Tokens (CONTRACT.md): access tokens (RS256, ~15 min), refresh tokens stored hashed and rotated on each use
with reuse detection that revokes the whole family, client credentials for integration and service clients."""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, NoReturn

from fastapi import Request
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from sanquan_gateway.accounts import repository as accounts
from sanquan_gateway.accounts.models import Client, User
from sanquan_gateway.audit.service import audit, client_ip, security_event
from sanquan_gateway.auth import throttle
from sanquan_gateway.auth.models import RefreshToken, Revocation
from sanquan_gateway.auth.passwords import verify_password
from sanquan_gateway.auth.revocations import org_subjects
from sanquan_gateway.config import Settings
from sanquan_gateway.orgs.repository import any_inactive
from sanquan_kernel.db import utcnow
from sanquan_kernel.tokens import SigningKey, issue_access_token

PASSWORD_CHANGE_REQUIRED = "urn:sanquan:problem:password-change-required"


class OAuthError(Exception):
    """An RFC 6749 §5.2 error answer."""

    def __init__(
        self,
        error: str,
        description: str,
        status: int = 400,
        headers: dict[str, str] | None = None,
        problem: dict[str, Any] | None = None,
    ):
        super().__init__(description)
        self.error, self.description, self.status, self.headers = error, description, status, headers or {}
        #: When set, the answer is a problem document (RFC 9457) carrying ``error``/``error_description`` too.
        self.problem = problem


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


def _new_refresh(
    session: Session,
    settings: Settings,
    user_id: int | None,
    family: RefreshToken | None = None,
    *,
    hall_identity_id: int | None = None,
) -> tuple[str, int]:
    """A refresh token (a new sign-in's, or ``family``'s next) and its lifetime in seconds: never past the
    session's absolute end (``session_max_age`` after its sign-in), however often it is rotated. It belongs to an
    account or (``hall_identity_id``, issue #20) to a service-hall identity."""
    raw = secrets.token_urlsafe(48)
    now = utcnow()
    started = family.session_started_at if family is not None else now
    expires = min(
        now + timedelta(seconds=settings.refresh_token_ttl), started + timedelta(seconds=settings.session_max_age)
    )
    session.add(
        RefreshToken(
            token_hash=_hash(raw),
            family_id=family.family_id if family is not None else secrets.token_hex(16),
            user_id=user_id,
            hall_identity_id=hall_identity_id,
            session_started_at=started,
            expires_at=expires,
        )
    )
    return raw, max(0, int((expires - now).total_seconds()))


def _wait_past_revocation(session: Session, *subjects: str) -> None:
    """``iat`` has one-second resolution: a token issued in the very second its subject (or organisation) was
    revoked would be refused, so issuing waits for the next second (only ever right after a password change or an
    organisation's reactivation)."""
    cutoff = session.scalar(select(func.max(Revocation.revoked_before)).where(Revocation.subject.in_(subjects)))
    if cutoff is not None and cutoff >= int(time.time()):
        time.sleep(min(1.5, max(0.0, cutoff + 1 - time.time())))


def _pair(issuer: TokenIssuer, session: Session, user: User, family: RefreshToken | None = None) -> dict[str, Any]:
    _wait_past_revocation(session, str(user.id), *org_subjects(user.org_id, user.university_id, user.department_id))
    access, _ = issuer.access_for_user(user)
    refresh, refresh_ttl = _new_refresh(session, issuer.settings, user.id, family)
    return {
        "access_token": access,
        "token_type": "bearer",
        "expires_in": issuer.settings.access_token_ttl,
        "refresh_token": refresh,
        "refresh_expires_in": refresh_ttl,
    }


def _throttled(error: str, wait: int) -> OAuthError:
    return OAuthError(
        error,
        f"Too many failed attempts; try again in {wait} seconds",
        429,
        {"Retry-After": str(wait)},
        problem={"title": "Too Many Requests", "retry_after": wait},
    )


def password_rules(settings: Settings, request: Request, username: str, device: str | None) -> list[throttle.Rule]:
    """The counters of a sign-in attempt (docs/decisions.md, "Sign-in defences"): a known device of the account
    has its own growing delay only; any other attempt a growing delay per (account, address) and the soft limits
    per account and per address."""
    window, free, max_delay = (
        settings.login_window_seconds,
        settings.login_free_failures,
        settings.login_max_delay_seconds,
    )
    name = username.lower()
    if device is not None:
        return [throttle.Rule(throttle.key("device", name, device), window, free=free, max_delay=max_delay)]
    ip = client_ip(request) or "unknown"
    return [
        throttle.Rule(throttle.key("user-ip", name, ip), window, free=free, max_delay=max_delay),
        throttle.Rule(throttle.key("user", name), window, limit=settings.login_max_failures_per_account),
        throttle.Rule(throttle.key("ip", ip), window, limit=settings.login_max_failures_per_address),
    ]


def check_password(
    factory: sessionmaker[Session],
    request: Request,
    settings: Settings,
    username: str,
    password: str,
    device: str | None,
) -> User:
    """A person's username and password, throttled; every failure and refusal audited in its own transaction.
    Returns the active account (in no session) or raises the OAuth error to answer."""
    rules = password_rules(settings, request, username, device)
    with factory() as session:
        user = accounts.get_user_by_username(session, username)
        university_id = user.university_id if user else None
        refused = throttle.refusal(session, [r.key for r in rules])
        password_ok = False
        if refused is None:
            password_ok = verify_password(password, user.password_hash if user else None)
            if (
                password_ok
                and user is not None
                and user.active
                and not any_inactive(session, user.org_id, user.university_id, user.department_id)
            ):
                session.expunge(user)
                return user
    _refuse(
        factory,
        request,
        ("login", "user", username),
        university_id,
        refused,
        rules,
        OAuthError(
            "invalid_grant", "The username or password is wrong, or the account or its organisation is disabled"
        ),
        known_device=device is not None,
        **({} if refused else {"reason": "disabled" if password_ok and user is not None else "bad credentials"}),
    )


def password_grant(
    factory: sessionmaker[Session],
    issuer: TokenIssuer,
    request: Request,
    username: str,
    password: str,
    device: str | None = None,
    *,
    require_change: bool = True,
) -> dict[str, Any]:
    """The password grant; ``device`` is the id of a valid device cookie of this account (web sign-in).

    An account whose password an administrator set (``must_change_password``) gets no token at the web sign-in
    (``require_change``): the person sets their own password first. The OAuth token endpoint is the public contract
    (CONTRACT.md: an account created with ``POST /api/users`` signs in with the password grant), so there the
    tokens are issued with ``password_change_required: true`` added, and the sign-in is audited as such
    (docs/decisions.md, "Password change at first sign-in and the public contract")."""
    settings = issuer.settings
    checked = check_password(factory, request, settings, username, password, device)
    rules = password_rules(settings, request, username, device)
    with factory.begin() as session:
        user = session.get(User, checked.id)
        assert user is not None
        throttle.clear(session, [r.key for r in rules if r.free is not None])
        if user.must_change_password and not require_change:
            audit(
                session,
                request,
                actor=user.username,
                action="login.success_password_change_required",
                target=f"user:{user.id}",
                university_id=user.university_id,
            )
            return {**_pair(issuer, session, user), "password_change_required": True}
        if user.must_change_password:
            audit(
                session,
                request,
                actor=user.username,
                action="login.password_change_required",
                target=f"user:{user.id}",
                university_id=user.university_id,
            )
            error = OAuthError(
                "invalid_grant",
                "The password was set by an administrator: set your own at /api/auth/password/initial first",
                403,
                problem={
                    "title": "Password change required",
                    "type": PASSWORD_CHANGE_REQUIRED,
                    "code": "password_change_required",
                    "change_password_endpoint": "/api/auth/password/initial",
                },
            )
        else:
            audit(
                session,
                request,
                actor=user.username,
                action="login.success",
                target=f"user:{user.id}",
                university_id=user.university_id,
            )
            return _pair(issuer, session, user)
    raise error


def client_credentials_grant(
    factory: sessionmaker[Session], issuer: TokenIssuer, request: Request, client_id: str, secret: str
) -> dict[str, Any]:
    settings = issuer.settings
    ip = client_ip(request) or "unknown"
    window = settings.login_window_seconds
    rules = [
        throttle.Rule(
            throttle.key("client-ip", client_id, ip),
            window,
            free=settings.login_free_failures,
            max_delay=settings.login_max_delay_seconds,
        ),
    ]
    with factory.begin() as session:
        client = accounts.get_client_by_client_id(session, client_id)
        university_id = client.university_id if client else None
        if client is None or client.role != "service":
            # Not for our own services: their generated secrets cannot be guessed, and a per-client or per-address
            # lock that others' failures set off (all of the embedded run comes from 127.0.0.1) would stop the
            # platform (docs/decisions.md).
            rules += [
                throttle.Rule(throttle.key("client", client_id), window, limit=settings.login_max_failures_per_client),
                throttle.Rule(throttle.key("ip", ip), window, limit=settings.login_max_failures_per_address),
            ]
        refused = throttle.refusal(session, [r.key for r in rules])
        if refused is None:
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
    _refuse(
        factory,
        request,
        ("client", "client", client_id),
        university_id,
        refused,
        rules,
        OAuthError("invalid_client", "Client authentication failed", 401, {"WWW-Authenticate": 'Basic realm="token"'}),
    )


def _refuse(
    factory: sessionmaker[Session],
    request: Request,
    who: tuple[str, str, str],
    university_id: int | None,
    refused: throttle.Refusal | None,
    rules: list[throttle.Rule],
    error: OAuthError,
    **details: Any,
) -> NoReturn:
    """A refused sign-in of a person or a client (``who``: the action's prefix, the target's kind, the name given):
    a throttled attempt is audited once per lock and answered 429; a failed one is audited, counted and answered
    ``error``. Each audit entry in its own transaction, so that it survives the refusal."""
    prefix, kind, name = who
    if refused is not None:
        if refused.first_seen():
            security_event(
                factory,
                request,
                actor=name[:100],
                action=f"{prefix}.throttled",
                target=f"{kind}:{name[:80]}",
                university_id=university_id,
                retry_after=refused.wait,
                **details,
            )
        raise _throttled(error.error, refused.wait)
    security_event(
        factory,
        request,
        actor=name[:100],
        action=f"{prefix}.failure",
        target=f"{kind}:{name[:80]}",
        university_id=university_id,
        **details,
    )
    throttle.record_failures(factory, rules)
    raise error


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
            owner = session.get(User, row.user_id) if row.user_id is not None else None
            audit(
                session,
                request,
                actor=f"user:{row.user_id}" if row.user_id is not None else f"hall:{row.hall_identity_id}",
                action="token.reuse_detected",
                target=f"family:{row.family_id}",
                university_id=owner.university_id if owner else None,
            )
            error: OAuthError | None = OAuthError(
                "invalid_grant", "The refresh token was already used; every token of its sign-in has been revoked"
            )
        elif row.expires_at < now:
            error = OAuthError("invalid_grant", "The refresh token has expired")
        elif row.session_started_at + timedelta(seconds=issuer.settings.session_max_age) <= now:
            _revoke_family(session, row.family_id)
            error = OAuthError("invalid_grant", "The session has reached its maximum length; sign in again")
        elif row.hall_identity_id is not None:
            from sanquan_gateway.hall_identity.service import refresh_pair  # the hall's sign-ins (issue #20)

            answer = refresh_pair(issuer, session, row)
            if isinstance(answer, OAuthError):
                _revoke_family(session, row.family_id)
                error = answer
            else:
                return answer
        else:
            user = session.get(User, row.user_id)
            if (
                user is None
                or not user.active
                or any_inactive(session, user.org_id, user.university_id, user.department_id)
            ):
                _revoke_family(session, row.family_id)
                error = OAuthError("invalid_grant", "The account or its organisation is disabled")
            elif user.must_change_password:
                # Set after this sign-in began (an administrator's reset): no token until the person sets theirs.
                _revoke_family(session, row.family_id)
                error = OAuthError("invalid_grant", "The password must be changed; sign in again")
            else:
                return _pair(issuer, session, user, row)
    assert error is not None
    raise error


def revoke_refresh(session: Session, raw: str) -> int | None:
    """Logout: revoke the family of this refresh token; returns the user id, if the token was known."""
    row = session.scalar(select(RefreshToken).where(RefreshToken.token_hash == _hash(raw)))
    if row is None:
        return None
    _revoke_family(session, row.family_id)
    return row.user_id
