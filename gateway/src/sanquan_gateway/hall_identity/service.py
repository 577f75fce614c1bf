"""The hall identity's rules (S1, docs/hall.md "Identity"): a university's SSO configuration, the OpenID Connect
sign-in (state, nonce and PKCE verifier kept server-side for 10 minutes, used once, bound to the browser), the
identity upsert and the platform tokens of a hall identity; the roster fallback (push, one-time codes,
activation, number + password sign-in, throttled like staff sign-in)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi import Request
from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from sanquan_gateway.audit.service import audit, client_ip, security_event
from sanquan_gateway.auth import throttle
from sanquan_gateway.auth.models import RefreshToken
from sanquan_gateway.auth.passwords import hash_password, password_problems, verify_password
from sanquan_gateway.auth.revocations import org_subjects, revoke_subject
from sanquan_gateway.auth.service import OAuthError, TokenIssuer, _new_refresh, _refuse, _wait_past_revocation
from sanquan_gateway.hall_identity import crypto
from sanquan_gateway.hall_identity.models import HallIdentity, SsoConfig, SsoState
from sanquan_gateway.hall_identity.oidc import OidcClient, SsoError, authorization_url, s256
from sanquan_gateway.hall_identity.schemas import (
    ActivationCode,
    HallIdentityOut,
    RosterIn,
    RosterOut,
    SsoConfigIn,
    SsoConfigOut,
    SsoProvider,
)
from sanquan_gateway.hall_identity.settings import hall_settings
from sanquan_gateway.orgs.models import Organisation
from sanquan_gateway.orgs.repository import any_inactive
from sanquan_kernel.db import utcnow
from sanquan_kernel.errors import Conflict, NotFound, Unprocessable
from sanquan_kernel.pagination import Page, PageParams, paginate
from sanquan_kernel.principal import HALL_SUBJECT_PREFIX
from sanquan_kernel.tokens import issue_access_token

STATE_TTL = timedelta(minutes=10)
CALLBACK_PATH = "/api/auth/sso/callback"
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud or typed from paper


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def subject_of(identity_id: int) -> str:
    return f"{HALL_SUBJECT_PREFIX}{identity_id}"


_oidc: OidcClient | None = None


def oidc_client(production: bool) -> OidcClient:
    global _oidc
    if _oidc is None:
        s = hall_settings()
        allow_http = (
            (not production) if s.sso_allow_http_issuer is None else (s.sso_allow_http_issuer and not production)
        )
        allow_private = (not production) if s.sso_allow_private_issuers is None else s.sso_allow_private_issuers
        _oidc = OidcClient(s.sso_http_timeout, allow_http, allow_private)
    return _oidc


# -- tokens ------------------------------------------------------------------------------------------------------
def access_for_identity(issuer: TokenIssuer, identity: HallIdentity) -> tuple[str, dict[str, Any]]:
    """Role student|teacher, subject ``hall:<id>``, the university as org and university, no department."""
    return issue_access_token(
        issuer.key,
        issuer=issuer.settings.jwt_issuer,
        audience=issuer.settings.jwt_audience,
        subject=subject_of(identity.id),
        ttl_seconds=issuer.settings.access_token_ttl,
        claims={
            "role": identity.kind,
            "org_id": identity.university_id,
            "university_id": identity.university_id,
            "department_id": None,
            "scope": "",
            "preferred_username": identity.number,
        },
    )


def hall_pair(
    issuer: TokenIssuer, session: Session, identity: HallIdentity, family: RefreshToken | None = None
) -> dict[str, Any]:
    _wait_past_revocation(session, subject_of(identity.id), *org_subjects(identity.university_id))
    access, _ = access_for_identity(issuer, identity)
    refresh, refresh_ttl = _new_refresh(session, issuer.settings, None, family, hall_identity_id=identity.id)
    return {
        "access_token": access,
        "token_type": "bearer",
        "expires_in": issuer.settings.access_token_ttl,
        "refresh_token": refresh,
        "refresh_expires_in": refresh_ttl,
    }


def refresh_pair(issuer: TokenIssuer, session: Session, row: RefreshToken) -> dict[str, Any] | OAuthError:
    """The refresh grant of a hall identity's sign-in (``auth.service.refresh_grant`` after its rotation checks)."""
    identity = session.get(HallIdentity, row.hall_identity_id)
    if identity is None or identity.disabled or any_inactive(session, identity.university_id):
        return OAuthError("invalid_grant", "The identity or its university is disabled")
    return hall_pair(issuer, session, identity, row)


# -- SSO configuration (university admin) --------------------------------------------------------------------------
def redirect_uri(request: Request) -> str:
    base: str = request.app.state.kernel.settings.public_url
    return base.rstrip("/") + CALLBACK_PATH


def config_out(request: Request, university_id: int, config: SsoConfig | None) -> SsoConfigOut:
    if config is None:
        return SsoConfigOut(university_id=university_id, configured=False, redirect_uri=redirect_uri(request))
    return SsoConfigOut(
        university_id=university_id,
        configured=True,
        issuer=config.issuer,
        client_id=config.client_id,
        has_client_secret=bool(config.client_secret_encrypted),
        number_claim=config.number_claim,
        kind_claim=config.kind_claim,
        default_kind="teacher" if config.default_kind == "teacher" else "student",
        scopes=config.scopes,
        enabled=config.enabled,
        redirect_uri=redirect_uri(request),
        version=config.version,
        updated_at=config.updated_at,
    )


def put_config(session: Session, request: Request, university_id: int, data: SsoConfigIn, actor: str) -> SsoConfig:
    production = request.app.state.kernel.settings.is_production
    if "openid" not in data.scopes.split():
        raise Unprocessable(
            "The scopes must include openid", errors=[{"loc": ["body", "scopes"], "msg": "needs openid"}]
        )
    config = session.get(SsoConfig, university_id, with_for_update=True)
    if config is None and data.client_secret is None:
        raise Unprocessable(
            "The client secret is required the first time",
            errors=[{"loc": ["body", "client_secret"], "msg": "required"}],
        )
    if data.enabled:
        try:
            oidc_client(production).discover(data.issuer)
        except SsoError as exc:
            raise Unprocessable(
                f"The issuer cannot be used: {exc.detail}",
                code="sso_discovery_failed",
                errors=[{"loc": ["body", "issuer"], "msg": exc.detail}],
            ) from None
    before = None
    if config is None:
        config = SsoConfig(university_id=university_id, version=0)
        session.add(config)
    else:
        before = {"issuer": config.issuer, "client_id": config.client_id, "enabled": config.enabled}
    config.issuer = data.issuer
    config.client_id = data.client_id
    if data.client_secret is not None:
        config.client_secret_encrypted = crypto.encrypt(data.client_secret, university_id)
    config.number_claim = data.number_claim
    config.kind_claim = data.kind_claim
    config.default_kind = data.default_kind
    config.scopes = data.scopes
    config.enabled = data.enabled
    config.version = (config.version or 0) + 1
    config.updated_at = utcnow()
    audit(
        session,
        request,
        actor=actor,
        action="hall.sso_config.update",
        target=f"org:{university_id}",
        university_id=university_id,
        before=before,
        after={
            "issuer": config.issuer,
            "client_id": config.client_id,
            "enabled": config.enabled,
            "secret_changed": data.client_secret is not None,
        },
    )
    session.flush()
    return config


def providers(session: Session) -> list[SsoProvider]:
    """The universities whose students can sign in to the hall: with their campus SSO (``sso``), or with the
    number and password of a roster activation (a university that pushed its roster); active ones, by name."""
    sso = set(session.scalars(select(SsoConfig.university_id).where(SsoConfig.enabled.is_(True))))
    roster = select(HallIdentity.id).where(
        HallIdentity.university_id == Organisation.id, HallIdentity.source == "roster"
    )
    rows = session.execute(
        select(Organisation.id, Organisation.name)
        .where(Organisation.active.is_(True), Organisation.id.in_(sso) | roster.exists())
        .order_by(Organisation.name, Organisation.id)
    )
    return [SsoProvider(university_id=i, name=n, sso=i in sso) for i, n in rows]


# -- the OpenID Connect sign-in ------------------------------------------------------------------------------------
def safe_next(value: str | None) -> str:
    """Only a path of this site (no scheme, no host, no ``//`` or backslash, no control characters)."""
    if (
        not value
        or not value.startswith("/")
        or value.startswith("//")
        or "\\" in value
        or any(ord(c) < 32 or ord(c) == 127 for c in value)
        or len(value) > 500
    ):
        return "/hall"
    return value


def start(
    factory: sessionmaker[Session], request: Request, university_id: int, next_path: str | None, browser: str
) -> str:
    """The authorization request's URL; the sign-in's state, nonce and verifier are stored (10 minutes, one use)."""
    with factory() as session:
        config = session.get(SsoConfig, university_id)
        if config is None or not config.enabled or any_inactive(session, university_id):
            raise NotFound("This university has no campus sign-in")
        issuer, client_id, scope = config.issuer, config.client_id, config.scopes
    found = oidc_client(request.app.state.kernel.settings.is_production).discover(issuer)
    state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(64)
    now = utcnow()
    with factory.begin() as session:
        # Sign-ins abandoned long ago go as new ones start (no job needed; the index makes it cheap).
        session.execute(delete(SsoState).where(SsoState.expires_at < now - timedelta(days=1)))
        session.add(
            SsoState(
                state_hash=_sha(state),
                university_id=university_id,
                browser_hash=_sha(browser),
                nonce=nonce,
                code_verifier=verifier,
                issuer=issuer,
                client_id=client_id,
                next_path=safe_next(next_path),
                created_at=now,
                expires_at=now + STATE_TTL,
            )
        )
    return authorization_url(
        found,
        client_id=client_id,
        redirect_uri=redirect_uri(request),
        scope=scope,
        state=state,
        nonce=nonce,
        challenge=s256(verifier),
    )


@dataclass
class SignedIn:
    tokens: dict[str, Any]
    next_path: str
    identity_id: int


def _consume_state(factory: sessionmaker[Session], state: str | None, browser: str | None) -> SsoState:
    """The sign-in this callback belongs to, marked used — once: a replayed, expired, unknown state, or one that
    another browser started, is refused (and a refused one is used up too when it was real)."""
    if not state or len(state) > 200 or not browser:
        raise SsoError("sso_invalid_state", "The sign-in is unknown, expired or already used")
    now = utcnow()
    with factory.begin() as session:
        row = session.get(SsoState, _sha(state))
        if row is None:
            raise SsoError("sso_invalid_state", "The sign-in is unknown, expired or already used")
        won = session.execute(  # type: ignore[attr-defined]
            update(SsoState)
            .where(SsoState.state_hash == row.state_hash, SsoState.used_at.is_(None))
            .values(used_at=now)
        ).rowcount
        if won != 1 or row.expires_at <= now:
            raise SsoError("sso_invalid_state", "The sign-in is unknown, expired or already used")
        if not hmac.compare_digest(row.browser_hash, _sha(browser)):
            raise SsoError("sso_invalid_state", "The sign-in was started in another browser")
        session.expunge(row)
        return row


def callback(
    factory: sessionmaker[Session],
    issuer: TokenIssuer,
    request: Request,
    *,
    code: str | None,
    state: str | None,
    iss: str | None,
    error: str | None,
    browser: str | None,
) -> SignedIn:
    """The authorization response: the state (used once), the issuer (RFC 9207), the token exchange, the ID
    token's checks, then the identity and the platform's tokens."""
    university_id: int | None = None
    try:
        flow = _consume_state(factory, state, browser)
        university_id = flow.university_id
        if iss is not None and iss != flow.issuer:
            raise SsoError("sso_wrong_issuer", f"The answer came from {iss!r}, not {flow.issuer!r}")
        if error is not None:
            raise SsoError("sso_denied", f"The campus sign-in answered {error[:100]!r}")
        if not code or len(code) > 2000:
            raise SsoError("sso_invalid_state", "The answer carries no code")
        production = request.app.state.kernel.settings.is_production
        with factory() as session:
            config = session.get(SsoConfig, flow.university_id)
            if (
                config is None
                or not config.enabled
                or config.issuer != flow.issuer
                or config.client_id != flow.client_id
                or any_inactive(session, flow.university_id)
            ):
                raise SsoError("sso_not_configured", "The university's campus sign-in changed or was switched off")
            number_claim, kind_claim, default_kind = config.number_claim, config.kind_claim, config.default_kind
            try:
                secret = crypto.decrypt(config.client_secret_encrypted, flow.university_id)
            except ValueError:
                raise SsoError("sso_not_configured", "The stored client secret cannot be read; set it again") from None
        oidc = oidc_client(production)
        found = oidc.discover(flow.issuer)
        if iss is None and found.iss_parameter_supported:
            raise SsoError("sso_wrong_issuer", "The answer does not say which issuer sent it")
        tokens = oidc.exchange_code(found, flow.client_id, secret, code, redirect_uri(request), flow.code_verifier)
        claims = oidc.verify_id_token(
            tokens["id_token"],
            found,
            client_id=flow.client_id,
            nonce=flow.nonce,
            leeway=hall_settings().sso_leeway_seconds,
        )
        number = claims.get(number_claim)
        if isinstance(number, int) and not isinstance(number, bool):
            number = str(number)
        if not isinstance(number, str) or not number.strip() or len(number.strip()) > 64:
            raise SsoError("sso_no_number", f"The campus sign-in sent no {number_claim!r} claim")
        kind = claims.get(kind_claim) if kind_claim else None
        kind = kind if kind in ("student", "teacher") else default_kind
        name = claims.get("name")
        with factory.begin() as session:
            identity = _upsert_sso_identity(
                session,
                flow.university_id,
                number.strip(),
                str(claims["sub"]),
                str(kind),
                name if isinstance(name, str) else "",
            )
            identity.last_sign_in_at = utcnow()
            audit(
                session,
                request,
                actor=subject_of(identity.id),
                action="hall.sso.login",
                target=subject_of(identity.id),
                university_id=identity.university_id,
            )
            return SignedIn(hall_pair(issuer, session, identity), flow.next_path, identity.id)
    except SsoError as exc:
        security_event(
            factory,
            request,
            actor="anonymous",
            action="hall.sso.failure",
            target=f"org:{university_id}" if university_id else None,
            university_id=university_id,
            code=exc.code,
            reason=exc.detail[:300],
        )
        raise


def _upsert_sso_identity(
    session: Session, university_id: int, number: str, subject: str, kind: str, name: str
) -> HallIdentity:
    def find() -> HallIdentity | None:
        return session.scalar(
            select(HallIdentity)
            .where(HallIdentity.university_id == university_id, HallIdentity.number == number)
            .with_for_update()
        )

    identity = find()
    if identity is None:
        try:
            with session.begin_nested():
                identity = HallIdentity(
                    university_id=university_id,
                    kind=kind,
                    number=number,
                    display_name=name[:100],
                    source="sso",
                    subject=subject,
                    disabled=False,
                )
                session.add(identity)
        except IntegrityError:  # two first sign-ins at once: the other one created it
            identity = find()
            assert identity is not None
    if identity.subject is not None and identity.subject != subject:
        raise SsoError("sso_identity_conflict", "This number belongs to another campus account", 409)
    if identity.disabled:
        raise SsoError("sso_disabled", "This identity is disabled", 403)
    identity.subject = subject
    identity.kind = kind
    if name:
        identity.display_name = name[:100]
    session.flush()
    return identity


# -- the roster fallback -------------------------------------------------------------------------------------------
def _new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def _norm_code(code: str) -> str:
    return code.replace("-", "").replace(" ", "").upper()


def push_roster(
    session: Session, request: Request, university_id: int, data: RosterIn, actor: str, reissue: bool
) -> RosterOut:
    """Upsert the roster of one university (its integration client's). A new identity gets a one-time activation
    code (returned once, stored hashed); ``reissue`` gives new codes to identities not yet activated."""
    numbers = [e.number for e in data.items]
    if len(set(numbers)) != len(numbers):
        dup = sorted({n for n in numbers if numbers.count(n) > 1})[:5]
        raise Unprocessable(
            f"Numbers appear twice: {dup}", errors=[{"loc": ["body", "items"], "msg": "duplicate number"}]
        )
    existing = {
        i.number: i
        for i in session.scalars(
            select(HallIdentity).where(HallIdentity.university_id == university_id, HallIdentity.number.in_(numbers))
        )
    }
    now = utcnow()
    expires = now + timedelta(days=hall_settings().roster_code_days)
    created = updated = disabled = 0
    codes: list[ActivationCode] = []
    for entry in data.items:
        identity = existing.get(entry.number)
        issue_code = False
        if identity is None:
            identity = HallIdentity(
                university_id=university_id,
                kind=entry.kind,
                number=entry.number,
                display_name=entry.name,
                source="roster",
                disabled=not entry.active,
            )
            session.add(identity)
            created += 1
            issue_code = entry.active
        else:
            if identity.disabled != (not entry.active) and not entry.active:
                disabled += 1
                session.flush()
                _end_sign_ins(session, request, identity.id)
            identity.kind, identity.display_name, identity.disabled = entry.kind, entry.name, not entry.active
            updated += 1
            issue_code = reissue and entry.active and identity.source == "roster" and identity.password_hash is None
        if issue_code:
            code = _new_code()
            identity.activation_code_hash = _sha(_norm_code(code))
            identity.activation_expires_at = expires
            codes.append(ActivationCode(number=entry.number, activation_code=code, expires_at=expires))
    audit(
        session,
        request,
        actor=actor,
        action="hall.roster.push",
        target=f"org:{university_id}",
        university_id=university_id,
        created=created,
        updated=updated,
        disabled=disabled,
    )
    return RosterOut(created=created, updated=updated, disabled=disabled, codes=codes)


def _end_sign_ins(session: Session, request: Request, identity_id: int) -> None:
    """Every access token of the identity issued until now stops, and every refresh token of it is revoked."""
    revoke_subject(session, subject_of(identity_id), request.app.state.kernel.settings.access_token_ttl)
    session.execute(
        update(RefreshToken)
        .where(RefreshToken.hall_identity_id == identity_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


# -- the university's administrator: its identities, a password reset ---------------------------------------------
def _status(identity: HallIdentity) -> str:
    if identity.disabled:
        return "disabled"
    if identity.source == "roster" and identity.password_hash is None:
        return "pending"
    return "active"


def identity_out(identity: HallIdentity) -> HallIdentityOut:
    pending = _status(identity) == "pending"
    return HallIdentityOut(
        id=identity.id,
        number=identity.number,
        display_name=identity.display_name,
        kind="teacher" if identity.kind == "teacher" else "student",
        source="sso" if identity.source == "sso" else "roster",
        status=_status(identity),
        code_expires_at=identity.activation_expires_at if pending else None,
        last_sign_in_at=identity.last_sign_in_at,
    )


def list_identities(session: Session, university_id: int, q: str | None, page: PageParams) -> Page[HallIdentityOut]:
    """The university's identities, by number; ``q``: the number's beginning or a part of the name."""
    stmt = select(HallIdentity).where(HallIdentity.university_id == university_id)
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(
            or_(
                HallIdentity.number.like(f"{escaped}%", escape="\\"),
                HallIdentity.display_name.like(f"%{escaped}%", escape="\\"),
            )
        )
    rows, total = paginate(session, stmt.order_by(HallIdentity.number, HallIdentity.id), page)
    return Page[HallIdentityOut](
        items=[identity_out(i) for i in rows], total=total, limit=page.limit, offset=page.offset
    )


def reset_password(
    session: Session, request: Request, university_id: int, identity_id: int, actor: str
) -> ActivationCode:
    """A roster identity that forgot its password (docs/decisions.md "Hall password reset"): its password is
    removed, every sign-in of it ends (access and refresh tokens), and a new one-time code (hashed, single use,
    valid ``reset_code_hours``) is returned once; the identity activates again with it, throttled like any
    activation. Another university's identity is 404; an SSO or disabled one 409."""
    identity = session.scalar(
        select(HallIdentity)
        .where(HallIdentity.id == identity_id, HallIdentity.university_id == university_id)
        .with_for_update()
    )
    if identity is None:
        raise NotFound("No such identity")
    if identity.source != "roster":
        raise Conflict(
            "This identity signs in with the campus sign-on; its password is the campus's", code="hall_sso_identity"
        )
    if identity.disabled:
        raise Conflict("This identity is disabled by the roster", code="hall_identity_disabled")
    had_password = identity.password_hash is not None
    code = _new_code()
    expires = utcnow() + timedelta(hours=hall_settings().reset_code_hours)
    identity.password_hash = None
    identity.activation_code_hash = _sha(_norm_code(code))
    identity.activation_expires_at = expires
    session.flush()
    _end_sign_ins(session, request, identity.id)
    audit(
        session,
        request,
        actor=actor,
        action="hall.identity.reset",
        target=subject_of(identity.id),
        university_id=university_id,
        had_password=had_password,
        code_expires_at=expires.isoformat(),
    )
    return ActivationCode(number=identity.number, activation_code=code, expires_at=expires)


def _rules(request: Request, university_id: int, number: str) -> list[throttle.Rule]:
    """As a staff sign-in (docs/decisions.md "Sign-in defences"): a growing delay per (identity, address), soft
    limits per identity and per address."""
    s = request.app.state.kernel.settings
    ip = client_ip(request) or "unknown"
    name = f"{university_id}|{number}"
    return [
        throttle.Rule(
            throttle.key("hall-ip", name, ip),
            s.login_window_seconds,
            free=s.login_free_failures,
            max_delay=s.login_max_delay_seconds,
        ),
        throttle.Rule(throttle.key("hall", name), s.login_window_seconds, limit=s.login_max_failures_per_account),
        throttle.Rule(throttle.key("ip", ip), s.login_window_seconds, limit=s.login_max_failures_per_address),
    ]


def _password_sign_in(
    factory: sessionmaker[Session],
    issuer: TokenIssuer,
    request: Request,
    university_id: int,
    number: str,
    secret: str,
    *,
    activation_password: str | None,
) -> dict[str, Any]:
    """Activation (``activation_password`` set: ``secret`` is the one-time code) or sign-in (``secret`` is the
    password); both throttled and audited alike, and both end with the platform's tokens."""
    rules = _rules(request, university_id, number)
    action = "hall.activate" if activation_password is not None else "hall.login"
    now = utcnow()
    with factory.begin() as session:
        identity = session.scalar(
            select(HallIdentity)
            .where(HallIdentity.university_id == university_id, HallIdentity.number == number)
            .with_for_update()
        )
        refused = throttle.refusal(session, [r.key for r in rules])
        ok = False
        if refused is None:
            if activation_password is not None:
                stored = identity.activation_code_hash if identity else None
                ok = (
                    identity is not None
                    and stored is not None
                    and identity.activation_expires_at is not None
                    and identity.activation_expires_at > now
                    and hmac.compare_digest(stored, _sha(_norm_code(secret)))
                )
            else:
                ok = verify_password(secret, identity.password_hash if identity else None)
            if ok and identity is not None and not identity.disabled and not any_inactive(session, university_id):
                if activation_password is not None:
                    problem = password_problems(activation_password, number)
                    if problem:
                        raise Unprocessable(
                            f"The password needs {problem}",
                            errors=[{"loc": ["body", "password"], "msg": f"needs {problem}"}],
                        )
                    identity.password_hash = hash_password(activation_password)
                    identity.activation_code_hash = None
                    identity.activation_expires_at = None
                throttle.clear(session, [r.key for r in rules if r.free is not None])
                identity.last_sign_in_at = now
                audit(
                    session,
                    request,
                    actor=subject_of(identity.id),
                    action=f"{action}.success",
                    target=subject_of(identity.id),
                    university_id=university_id,
                )
                return hall_pair(issuer, session, identity)
    _refuse(
        factory,
        request,
        (action, "hall", f"{university_id}|{number}"),
        university_id,
        refused,
        rules,
        OAuthError("invalid_grant", "The number, code or password is wrong, or the identity is disabled"),
    )


def activate(
    factory: sessionmaker[Session],
    issuer: TokenIssuer,
    request: Request,
    university_id: int,
    number: str,
    code: str,
    password: str,
) -> dict[str, Any]:
    return _password_sign_in(factory, issuer, request, university_id, number, code, activation_password=password)


def login(
    factory: sessionmaker[Session],
    issuer: TokenIssuer,
    request: Request,
    university_id: int,
    number: str,
    password: str,
) -> dict[str, Any]:
    return _password_sign_in(factory, issuer, request, university_id, number, password, activation_password=None)


def get_identity(session: Session, identity_id: int) -> HallIdentity | None:
    return session.get(HallIdentity, identity_id)


def hall_me(session: Session, principal: Any) -> dict[str, Any]:
    """``/api/auth/me`` of a hall identity; a disabled one (or of a deactivated university) is 401."""
    from sanquan_kernel.errors import Unauthorized

    identity = session.get(HallIdentity, principal.requester_id)
    if (
        identity is None
        or identity.disabled
        or identity.university_id != principal.university_id
        or any_inactive(session, identity.university_id)
    ):
        raise Unauthorized("The identity is disabled")
    university = session.get(Organisation, identity.university_id)
    return {
        "id": subject_of(identity.id),
        "username": identity.number,
        "display_name": identity.display_name or None,
        "role": identity.kind,
        "org_id": identity.university_id,
        "university_id": identity.university_id,
        "department_id": None,
        "scopes": [],
        "permissions": [],
        "number": identity.number,
        "university_name": university.name if university else None,
    }
