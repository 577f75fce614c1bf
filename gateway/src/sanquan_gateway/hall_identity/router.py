"""The hall identity's endpoints (docs/hall.md "Identity"): the public list of SSO universities, the SSO
configuration (university admin), the OpenID Connect sign-in (start, callback), the roster push (integration
client with ``hall:roster``), activation and number + password sign-in."""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from sanquan_gateway.auth import router as auth_router
from sanquan_gateway.auth.service import OAuthError
from sanquan_gateway.hall_identity import service
from sanquan_gateway.hall_identity.models import SsoConfig
from sanquan_gateway.hall_identity.oidc import SsoError
from sanquan_gateway.hall_identity.schemas import (
    ActivationCode,
    HallActivate,
    HallIdentityOut,
    HallLogin,
    RosterIn,
    RosterOut,
    SsoConfigIn,
    SsoConfigOut,
    SsoProvider,
)
from sanquan_kernel.db import SessionDep
from sanquan_kernel.deps import require
from sanquan_kernel.errors import problem_response
from sanquan_kernel.pagination import Page, PageDep
from sanquan_kernel.principal import Principal, Role

router = APIRouter(tags=["hall identity"])

SsoAdmin = Annotated[Principal, require(Role.UNIVERSITY_ADMIN)]
RosterPusher = Annotated[Principal, require(Role.INTEGRATION, client_scope="hall:roster")]

#: Binds a sign-in to the browser that started it: sent back on the issuer's top-level redirect (Lax), HttpOnly.
BROWSER_COOKIE = "sq_sso"
BROWSER_COOKIE_PATH = "/api/auth/sso"
SIGN_IN_PAGE = "/hall/sign-in"


@router.get("/auth/sso/providers", response_model=list[SsoProvider])
def sso_providers(session: SessionDep) -> list[SsoProvider]:
    """The universities whose students can sign in to the hall (public: the hall's sign-in page): with their campus
    SSO (``sso``), or with a roster activation's number and password."""
    return service.providers(session)


@router.get("/auth/sso-config", response_model=SsoConfigOut)
def get_sso_config(request: Request, principal: SsoAdmin, session: SessionDep) -> SsoConfigOut:
    """The caller's university's campus SSO (the client secret is never returned)."""
    uni = principal.university_id
    assert uni is not None
    return service.config_out(request, uni, session.get(SsoConfig, uni))


@router.put("/auth/sso-config", response_model=SsoConfigOut, responses={422: {}})
def put_sso_config(data: SsoConfigIn, request: Request, principal: SsoAdmin, session: SessionDep) -> SsoConfigOut:
    """Set the caller's university's campus SSO: issuer (its discovery document is read when enabled), client id
    and secret (stored encrypted; omit it to keep the stored one), which claim holds the student or staff number,
    which claim (if any) says student or teacher. Register `redirect_uri` at the identity provider."""
    uni = principal.university_id
    assert uni is not None
    config = service.put_config(session, request, uni, data, principal.subject)
    return service.config_out(request, uni, config)


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _sso_failure(request: Request, exc: SsoError) -> Response:
    if _wants_json(request):
        return problem_response(exc.status, exc.detail, code=exc.code)
    return RedirectResponse(f"{SIGN_IN_PAGE}?{urlencode({'error': exc.code})}", status_code=302)


@router.get(
    "/auth/sso/{university_id}/start",
    status_code=302,
    response_class=RedirectResponse,  # no body: the document names no media type for the 302
    responses={302: {"description": "To the issuer's authorization endpoint"}, 404: {}, 502: {}},
)
async def sso_start(
    request: Request,
    university_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    next: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    """Begin the campus sign-in: 302 to the issuer's authorization endpoint (authorization code + PKCE S256)."""
    k = request.app.state.kernel
    browser = request.cookies.get(BROWSER_COOKIE)
    if not browser or len(browser) != 43:
        browser = secrets.token_urlsafe(32)
    try:
        url = await run_in_threadpool(service.start, k.sessionmaker, request, university_id, next, browser)
    except SsoError as exc:
        return _sso_failure(request, exc)
    resp = RedirectResponse(url, status_code=302, headers={"Cache-Control": "no-store"})
    resp.set_cookie(
        BROWSER_COOKIE,
        browser,
        max_age=int(service.STATE_TTL.total_seconds()),
        path=BROWSER_COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=k.settings.cookie_secure,
    )
    return resp


@router.get(
    "/auth/sso/callback",
    status_code=302,
    response_class=RedirectResponse,
    responses={
        302: {"description": "To `next` (the refresh cookie set), or to the sign-in page with `error`"},
        200: {"description": "A caller accepting JSON only: the access token", "content": {"application/json": {}}},
        400: {},
        502: {},
    },
)
async def sso_callback(
    request: Request,
    code: Annotated[str | None, Query(max_length=2000)] = None,
    state: Annotated[str | None, Query(max_length=200)] = None,
    iss: Annotated[str | None, Query(max_length=500)] = None,
    error: Annotated[str | None, Query(max_length=200)] = None,
) -> Response:
    """The issuer's answer: on success the refresh cookie of a web sign-in is set and the browser goes to `next`
    (the SPA then calls `/api/auth/web/refresh`); on failure to `/hall/sign-in?error=<code>` (or a problem+json
    for a caller that accepts JSON only). Codes: `sso_invalid_state`, `sso_wrong_issuer`, `sso_wrong_audience`,
    `sso_expired_token`, `sso_invalid_token`, `sso_code_refused`, `sso_denied`, `sso_no_number`,
    `sso_not_configured`, `sso_identity_conflict`, `sso_disabled`, `sso_unavailable`."""
    k = request.app.state.kernel
    try:
        done = await run_in_threadpool(
            lambda: service.callback(
                k.sessionmaker,
                k.extras["issuer"],
                request,
                code=code,
                state=state,
                iss=iss,
                error=error,
                browser=request.cookies.get(BROWSER_COOKIE),
            )
        )
    except SsoError as exc:
        resp = _sso_failure(request, exc)
    else:
        if _wants_json(request):
            resp = JSONResponse(
                {
                    "access_token": done.tokens["access_token"],
                    "token_type": "bearer",
                    "expires_in": done.tokens["expires_in"],
                    "next": done.next_path,
                },
                headers=auth_router.NO_STORE,
            )
        else:
            resp = RedirectResponse(done.next_path, status_code=302, headers={"Cache-Control": "no-store"})
        auth_router._set_cookie(request, resp, done.tokens["refresh_token"], done.tokens["refresh_expires_in"])
    resp.delete_cookie(BROWSER_COOKIE, path=BROWSER_COOKIE_PATH)
    return resp


@router.get("/auth/hall-identities", response_model=Page[HallIdentityOut])
def list_hall_identities(
    principal: SsoAdmin,
    session: SessionDep,
    page: PageDep,
    q: Annotated[str | None, Query(max_length=64, description="The number's beginning or a part of the name")] = None,
) -> Page[HallIdentityOut]:
    """The caller's university's service-hall identities (students and teachers), by number: whether each signs in
    with the campus SSO or the roster's number and password, and whether it is active, waiting for its one-time
    code, or disabled."""
    uni = principal.university_id
    assert uni is not None
    return service.list_identities(session, uni, q, page)


@router.post(
    "/auth/hall-identities/{identity_id}/reset",
    response_model=ActivationCode,
    responses={404: {}, 409: {}},
)
def reset_hall_identity(
    identity_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    request: Request,
    principal: SsoAdmin,
    session: SessionDep,
) -> ActivationCode:
    """A roster identity of the caller's university forgot its password: the password is removed, its sign-ins
    end, and a new one-time code is answered (once; only its hash is kept). The student activates again with it
    (`/api/auth/hall/activate`) and sets a new password. Another university's identity is 404; one that signs in
    with the campus SSO, or a disabled one, 409. Audited."""
    uni = principal.university_id
    assert uni is not None
    return service.reset_password(session, request, uni, identity_id, principal.subject)


@router.put("/auth/hall-roster", response_model=RosterOut, responses={422: {}})
def put_hall_roster(
    data: RosterIn,
    request: Request,
    principal: RosterPusher,
    session: SessionDep,
    reissue: bool = False,
) -> RosterOut:
    """The roster of the client's university (up to 5,000 entries a call): `{"items": [{"number", "name",
    "kind", "active"}]}`. New identities get one-time activation codes (in the answer only, once); `reissue=true`
    gives new codes to those not yet activated; `active: false` disables an identity and ends its sign-ins."""
    uni = principal.university_id
    assert uni is not None
    return service.push_roster(session, request, uni, data, principal.subject, reissue)


def _token_answer(request: Request, body: dict[str, object]) -> JSONResponse:
    resp = JSONResponse(
        {"access_token": body["access_token"], "token_type": "bearer", "expires_in": body["expires_in"]},
        headers=auth_router.NO_STORE,
    )
    auth_router._set_cookie(request, resp, str(body["refresh_token"]), int(body["refresh_expires_in"]))  # type: ignore[call-overload]
    return resp


def _refused(exc: OAuthError) -> JSONResponse:
    if exc.status == 429:
        return problem_response(429, exc.description, headers=exc.headers, retry_after=int(exc.headers["Retry-After"]))
    return problem_response(400, exc.description, code="hall_sign_in_failed")


@router.post("/auth/hall/activate", response_model=auth_router.WebTokenOut, responses={400: {}, 422: {}, 429: {}})
async def hall_activate(data: HallActivate, request: Request) -> JSONResponse:
    """Activate a roster identity with its one-time code and set its password; signs in (the refresh cookie as
    a web sign-in). Throttled like a sign-in."""
    k = request.app.state.kernel
    try:
        body = await run_in_threadpool(
            service.activate,
            k.sessionmaker,
            k.extras["issuer"],
            request,
            data.university_id,
            data.number,
            data.code,
            data.password,
        )
    except OAuthError as exc:
        return _refused(exc)
    return _token_answer(request, body)


@router.post("/auth/hall/login", response_model=auth_router.WebTokenOut, responses={400: {}, 429: {}})
async def hall_login(data: HallLogin, request: Request) -> JSONResponse:
    """Sign in with the university, the student or staff number and the password set at activation."""
    k = request.app.state.kernel
    try:
        body = await run_in_threadpool(
            service.login, k.sessionmaker, k.extras["issuer"], request, data.university_id, data.number, data.password
        )
    except OAuthError as exc:
        return _refused(exc)
    return _token_answer(request, body)
