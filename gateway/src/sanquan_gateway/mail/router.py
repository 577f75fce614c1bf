"""``/api/mail/preference``: the signed-in person's own e-mail preference (off, immediate, daily digest)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from sanquan_gateway.deps import Person
from sanquan_gateway.mail.models import MailPreference
from sanquan_gateway.mail.schemas import MailPreferenceIn, MailPreferenceOut
from sanquan_kernel import clock
from sanquan_kernel.db import SessionDep
from sanquan_kernel.errors import NotFound
from sanquan_kernel.principal import Principal

router = APIRouter(prefix="/mail", tags=["notifications"])


def _user(principal: Principal) -> int:
    if principal.user_id is None:
        raise NotFound("No preference")
    return principal.user_id


def _out(request: Request, pref: MailPreference | None) -> MailPreferenceOut:
    enabled = bool(request.app.state.kernel.settings.smtp_host)
    if pref is None:
        return MailPreferenceOut(email="", mode="off", language="zh-CN", enabled=enabled)
    return MailPreferenceOut(email=pref.email, mode=pref.mode, language=pref.language, enabled=enabled)


@router.get("/preference", response_model=MailPreferenceOut)
def get_preference(request: Request, session: SessionDep, principal: Person) -> MailPreferenceOut:
    return _out(request, session.get(MailPreference, _user(principal)))


@router.put("/preference", response_model=MailPreferenceOut)
def put_preference(
    request: Request, session: SessionDep, principal: Person, body: MailPreferenceIn
) -> MailPreferenceOut:
    """Set one's own preference. Switching e-mail on (or to another mode) mails what arrives from now on, not the
    backlog."""
    user_id = _user(principal)
    pref = session.get(MailPreference, user_id, with_for_update=True)
    if pref is None:
        pref = MailPreference(user_id=user_id, email=body.email, mode=body.mode, language=body.language)
        pref.since = clock.now()
        session.add(pref)
    else:
        if pref.mode != body.mode:
            pref.since = clock.now()
        pref.email, pref.mode, pref.language = body.email, body.mode, body.language
    session.flush()
    return _out(request, pref)
