"""The token endpoint (RFC 6749), the JWKS, the web sign-in with an HttpOnly refresh cookie, me, password, logout."""

from __future__ import annotations

import base64
import binascii
import contextlib
from functools import partial
from typing import Any
from urllib.parse import unquote

from fastapi import APIRouter, Request, Response, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from sanquan_gateway.accounts.models import User
from sanquan_gateway.accounts.repository import get_client_by_client_id
from sanquan_gateway.accounts.schemas import PasswordChange
from sanquan_gateway.audit.service import audit
from sanquan_gateway.auth import devices, service
from sanquan_gateway.auth.keys import retired_public_keys
from sanquan_gateway.auth.passwords import hash_password, password_problems
from sanquan_gateway.auth.permissions import permissions_for
from sanquan_gateway.auth.revocations import revoke_jti, revoke_refresh_tokens_of_user, revoke_subject
from sanquan_kernel.auth import CurrentPrincipal
from sanquan_kernel.db import SessionDep, utcnow
from sanquan_kernel.errors import Conflict, Forbidden, TooManyRequests, Unauthorized, Unprocessable, problem_response
from sanquan_kernel.principal import Role

router = APIRouter(tags=["auth"])
jwks_router = APIRouter(tags=["auth"])

COOKIE = "sq_refresh"
COOKIE_PATH = "/api/auth/web"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    refresh_token: str | None = None
    scope: str | None = None


class WebTokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class WebLogin(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=128)


class MeOut(BaseModel):
    id: int | str
    username: str
    display_name: str | None
    role: str
    org_id: int | None
    university_id: int | None
    department_id: int | None
    scopes: list[str]
    permissions: list[str]
    #: A service-hall student or teacher (issue #20): the student or staff number and the university's name.
    number: str | None = None
    university_name: str | None = None


def _oauth_error(exc: service.OAuthError) -> JSONResponse:
    if exc.problem is not None:
        # A problem document (RFC 9457) that OAuth clients still read: it carries error/error_description too.
        return problem_response(
            exc.status,
            exc.description,
            headers={**NO_STORE, **exc.headers},
            **{"error": exc.error, "error_description": exc.description, **exc.problem},
        )
    return JSONResponse(
        {"error": exc.error, "error_description": exc.description},
        status_code=exc.status,
        headers={**NO_STORE, **exc.headers},
    )


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    cid, sep, secret = decoded.partition(":")
    return (unquote(cid), unquote(secret)) if sep else None


@router.post(
    "/auth/token",
    response_model=TokenOut,
    responses={400: {}, 401: {}, 429: {}},
    openapi_extra={
        "requestBody": {
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "required": ["grant_type"],
                        "properties": {
                            "grant_type": {
                                "type": "string",
                                "enum": ["password", "client_credentials", "refresh_token"],
                            },
                            "username": {"type": "string"},
                            "password": {"type": "string"},
                            "client_id": {"type": "string"},
                            "client_secret": {"type": "string"},
                            "refresh_token": {"type": "string"},
                        },
                    }
                }
            }
        }
    },
)
async def token(request: Request) -> JSONResponse:
    """OAuth 2.0 token endpoint (RFC 6749): `password`, `client_credentials` and `refresh_token` grants.
    Errors answer as RFC 6749 §5.2 says (`{"error", "error_description"}`)."""
    k = request.app.state.kernel
    issuer = k.extras["issuer"]
    ctype = request.headers.get("content-type", "")
    if not ctype.startswith("application/x-www-form-urlencoded"):
        return _oauth_error(service.OAuthError("invalid_request", "Use application/x-www-form-urlencoded"))
    try:
        form = await request.form()
    except Exception:  # noqa: BLE001
        return _oauth_error(service.OAuthError("invalid_request", "The form could not be read"))

    def field(name: str) -> str | None:
        v = form.get(name)
        return v if isinstance(v, str) and 0 < len(v) <= 4096 else None

    grant = field("grant_type")
    try:
        if grant == "password":
            username, password = field("username"), field("password")
            if not username or not password:
                raise service.OAuthError("invalid_request", "username and password are required")
            body = await run_in_threadpool(
                partial(service.password_grant, require_change=False),
                k.sessionmaker,
                issuer,
                request,
                username,
                password,
            )
            body.pop("refresh_expires_in", None)
        elif grant == "client_credentials":
            creds = _basic_credentials(request)
            cid, secret = creds if creds else (field("client_id"), field("client_secret"))
            if not cid or not secret:
                raise service.OAuthError("invalid_client", "client_id and client_secret are required", 401)
            body = await run_in_threadpool(
                service.client_credentials_grant, k.sessionmaker, issuer, request, cid, secret
            )
        elif grant == "refresh_token":
            raw = field("refresh_token")
            if not raw:
                raise service.OAuthError("invalid_request", "refresh_token is required")
            body = await run_in_threadpool(service.refresh_grant, k.sessionmaker, issuer, request, raw)
        elif grant is None:
            raise service.OAuthError("invalid_request", "grant_type is required")
        else:
            raise service.OAuthError("unsupported_grant_type", f"grant_type {grant!r} is not supported")
    except service.OAuthError as exc:
        return _oauth_error(exc)
    return JSONResponse(body, headers=NO_STORE)


@jwks_router.get("/.well-known/jwks.json", tags=["auth"])
def jwks(request: Request) -> JSONResponse:
    """The public keys that verify access tokens (RS256)."""
    key = request.app.state.kernel.extras["issuer"].key
    keys = [key.public_jwk] + [k for k in retired_public_keys() if k["kid"] != key.kid]
    return JSONResponse({"keys": keys}, headers={"Cache-Control": "public, max-age=300"})


# -- the web client: refresh token in an HttpOnly, SameSite=Strict cookie -------------------------------------
def _set_cookie(request: Request, response: Response, refresh: str, max_age: int) -> None:
    settings = request.app.state.kernel.settings
    response.set_cookie(
        COOKIE,
        refresh,
        max_age=max_age,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=settings.cookie_secure,
    )


def _require_xhr(request: Request) -> None:
    # A cross-site form cannot set this header; with SameSite=Strict it closes CSRF on the cookie endpoints.
    if request.headers.get("x-requested-with", "").lower() != "xmlhttprequest":
        raise Forbidden("This endpoint requires the X-Requested-With: XMLHttpRequest header")


@router.post("/auth/web/login", response_model=WebTokenOut, responses={400: {}, 429: {}})
async def web_login(data: WebLogin, request: Request) -> JSONResponse:
    """Sign in from the SPA: the access token in the body, the refresh token in an HttpOnly cookie, and a device
    cookie that lets this browser sign in to this account while strangers are throttled (docs/decisions.md).
    An account whose password an administrator set answers 403 `password-change-required`: set it at
    `/api/auth/password/initial`, then sign in."""
    k = request.app.state.kernel
    issuer = k.extras["issuer"]
    device = devices.verify(issuer.key, request.cookies.get(devices.COOKIE), data.username)
    try:
        body = await run_in_threadpool(
            service.password_grant, k.sessionmaker, issuer, request, data.username, data.password, device
        )
    except service.OAuthError as exc:
        return _oauth_error(exc)
    resp = JSONResponse(
        {"access_token": body["access_token"], "token_type": "bearer", "expires_in": body["expires_in"]},
        headers=NO_STORE,
    )
    _set_cookie(request, resp, body["refresh_token"], body["refresh_expires_in"])
    _set_device_cookie(request, resp, data.username)
    return resp


def _set_device_cookie(request: Request, response: Response, username: str) -> None:
    k = request.app.state.kernel
    response.set_cookie(
        devices.COOKIE,
        devices.issue(k.extras["issuer"].key, username),
        max_age=devices.MAX_AGE,
        path=devices.COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=k.settings.cookie_secure,
    )


@router.post("/auth/web/refresh", response_model=WebTokenOut, responses={401: {}, 403: {}})
async def web_refresh(request: Request) -> JSONResponse:
    """A new access token from the refresh cookie (rotated)."""
    _require_xhr(request)
    raw = request.cookies.get(COOKIE)
    if not raw or len(raw) > 4096:
        raise Unauthorized("Not signed in")
    k = request.app.state.kernel
    try:
        body = await run_in_threadpool(service.refresh_grant, k.sessionmaker, k.extras["issuer"], request, raw)
    except service.OAuthError as exc:
        resp = JSONResponse(
            {
                "type": "about:blank",
                "title": "Unauthorized",
                "status": 401,
                "code": "unauthorized",
                "detail": exc.description,
            },
            status_code=401,
            media_type="application/problem+json",
        )
        resp.delete_cookie(COOKIE, path=COOKIE_PATH)
        return resp
    resp = JSONResponse(
        {"access_token": body["access_token"], "token_type": "bearer", "expires_in": body["expires_in"]},
        headers=NO_STORE,
    )
    _set_cookie(request, resp, body["refresh_token"], body["refresh_expires_in"])
    return resp


def _revoke_access(session: Any, request: Request) -> None:
    principal = getattr(request.state, "principal", None)
    if principal is not None:
        revoke_jti(session, principal.token_id, principal.expires_at)


@router.post("/auth/web/logout", status_code=status.HTTP_204_NO_CONTENT)
def web_logout(request: Request, session: SessionDep) -> Response:
    """Sign out of the SPA: the cookie's sign-in family is revoked and the cookie cleared."""
    _require_xhr(request)
    raw = request.cookies.get(COOKIE)
    user_id = service.revoke_refresh(session, raw) if raw else None
    _try_principal(request)
    _revoke_access(session, request)
    audit(session, request, actor=f"user:{user_id}" if user_id else "anonymous", action="logout")
    resp = Response(status_code=status.HTTP_204_NO_CONTENT)
    resp.delete_cookie(COOKIE, path=COOKIE_PATH)
    return resp


def _try_principal(request: Request) -> None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        with contextlib.suppress(Unauthorized):
            request.state.principal = request.app.state.kernel.authenticator.authenticate(header[7:].strip())


class LogoutIn(BaseModel):
    refresh_token: str | None = Field(default=None, max_length=4096)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(request: Request, principal: CurrentPrincipal) -> Response:
    """Revoke this access token (at the gateway and every service within seconds) and, when given (form or
    JSON `refresh_token`), its refresh token family."""
    raw: str | None = None
    ctype = request.headers.get("content-type", "")
    if ctype.startswith("application/x-www-form-urlencoded"):
        v = (await request.form()).get("refresh_token")
        raw = v if isinstance(v, str) else None
    elif ctype.startswith("application/json"):
        try:
            raw = LogoutIn.model_validate_json(await request.body()).refresh_token
        except ValueError:
            raise Unprocessable("The body is malformed") from None

    def _do() -> None:
        with request.app.state.kernel.sessionmaker.begin() as session:
            if raw:
                service.revoke_refresh(session, raw)
            revoke_jti(session, principal.token_id, principal.expires_at)
            audit(session, request, actor=principal.subject, action="logout", university_id=principal.university_id)

    await run_in_threadpool(_do)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/auth/me", response_model=MeOut)
def me(principal: CurrentPrincipal, session: SessionDep) -> MeOut:
    """The caller."""
    if principal.requester_id is not None:
        from sanquan_gateway.hall_identity.service import hall_me  # the service hall's students (issue #20)

        return MeOut(**hall_me(session, principal))
    if principal.user_id is not None:
        user = session.get(User, principal.user_id)
        if user is None or not user.active:
            raise Unauthorized("The account is disabled")
        return MeOut(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            role=user.role,
            org_id=user.org_id,
            university_id=user.university_id,
            department_id=user.department_id,
            scopes=[],
            permissions=permissions_for(Role(user.role)),
        )
    client = get_client_by_client_id(session, principal.client_id or "")
    if client is None or not client.active:
        raise Unauthorized("The client is disabled")
    return MeOut(
        id=client.client_id,
        username=client.client_id,
        display_name=client.name,
        role=client.role,
        org_id=client.org_id,
        university_id=client.university_id,
        department_id=None,
        scopes=sorted(principal.scopes),
        permissions=permissions_for(Role(client.role)),
    )


@router.post("/auth/password", status_code=status.HTTP_204_NO_CONTENT)
def change_password(data: PasswordChange, request: Request, principal: CurrentPrincipal) -> Response:
    """Change one's own password; every other sign-in of the account ends."""
    if principal.user_id is None:
        raise Forbidden("Clients have no password")
    k = request.app.state.kernel
    with k.sessionmaker() as session:
        username = session.scalar(select(User.username).where(User.id == principal.user_id))
    if username is None:
        raise Unauthorized()
    # A stolen access token must not become a password oracle: the same throttle and audit as a sign-in (each
    # in its own transaction, so none is held open while they are written).
    try:
        checked = service.check_password(k.sessionmaker, request, k.settings, username, data.current_password, None)
    except service.OAuthError as exc:
        if exc.status == 429:
            raise TooManyRequests(
                exc.description, headers=exc.headers, retry_after=int(exc.headers["Retry-After"])
            ) from None
        raise Unprocessable(
            "The current password is wrong", errors=[{"loc": ["body", "current_password"], "msg": "wrong password"}]
        ) from None
    with k.sessionmaker.begin() as session:
        _set_password(session, request, checked.id, data, actor=principal.subject)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _set_password(
    session: Session, request: Request, user_id: int, data: PasswordChange, *, actor: str, initial: bool = False
) -> None:
    """A person sets their own password: the policy (with their username), not the same as the current one;
    every sign-in of the account ends; a pending change required by an administrator is done."""
    user = session.get(User, user_id, with_for_update=True)
    if user is None:
        raise Unauthorized()
    if initial and not user.must_change_password:
        raise Conflict("No password change is pending for this account: sign in and change it in your profile")
    problem = password_problems(data.new_password, user.username)
    if problem is None and data.new_password == data.current_password:
        problem = "to differ from the current password"
    if problem:
        raise Unprocessable(
            f"The new password needs {problem}", errors=[{"loc": ["body", "new_password"], "msg": f"needs {problem}"}]
        )
    user.password_hash = hash_password(data.new_password)
    user.password_changed_at = utcnow()
    user.must_change_password = False
    user.version += 1
    revoke_refresh_tokens_of_user(session, user.id)
    revoke_subject(session, str(user.id), request.app.state.kernel.settings.access_token_ttl)
    audit(
        session,
        request,
        actor=actor,
        action="user.password_change",
        target=f"user:{user.id}",
        university_id=user.university_id,
    )


class InitialPasswordChange(PasswordChange):
    username: str = Field(min_length=1, max_length=64)


@router.post(
    "/auth/password/initial", status_code=status.HTTP_204_NO_CONTENT, responses={403: {}, 409: {}, 422: {}, 429: {}}
)
def change_initial_password(data: InitialPasswordChange, request: Request) -> Response:
    """Set one's own password when an administrator created or reset the account (sign-in answers 403
    `password-change-required` until then): no token needed, the current password proves who it is, throttled
    and audited like a sign-in. Then sign in with the new password."""
    k = request.app.state.kernel
    device = devices.verify(k.extras["issuer"].key, request.cookies.get(devices.COOKIE), data.username)
    try:
        checked = service.check_password(
            k.sessionmaker, request, k.settings, data.username, data.current_password, device
        )
    except service.OAuthError as exc:
        if exc.status == 429:
            raise TooManyRequests(
                exc.description, headers=exc.headers, retry_after=int(exc.headers["Retry-After"])
            ) from None
        raise Forbidden(exc.description) from None
    with k.sessionmaker.begin() as session:
        _set_password(session, request, checked.id, data, actor=checked.username, initial=True)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
