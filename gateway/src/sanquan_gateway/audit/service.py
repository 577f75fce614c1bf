"""Writing the gateway's audit log: in the same transaction as the change it records; security events about a
refused request (failed or throttled sign-ins, refresh-token reuse) in a transaction of their own, so that they
survive the refusal."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session, sessionmaker

from sanquan_gateway.audit.models import AuthAudit
from sanquan_kernel.logging import request_id_var

#: Actions that are always security events; changes (``before``/``after``) are when a field below changes.
SECURITY_ACTIONS = frozenset(
    {
        "login.failure",
        "login.throttled",
        "client.failure",
        "client.throttled",
        "token.reuse_detected",
        "session.expired",
        "user.password_change",
        "user.password_change_failure",
        "user.password_reset",
        "user.create",
        "client.create",
        # The service hall's identities (issue #20): refused campus sign-ins, roster activations and sign-ins.
        "hall.sso.failure",
        "hall.activate.failure",
        "hall.activate.throttled",
        "hall.login.failure",
        "hall.login.throttled",
        "hall.sso_config.update",
    }
)
SECURITY_FIELDS = ("role", "org_id", "active", "parent_id", "level", "scopes")


def client_ip(request: Request | None) -> str | None:
    """The client's address: the one function for the audit log and every throttle. Behind nginx (compose) the
    real address comes in X-Real-IP (nginx overwrites it with the socket's), trusted only when configured."""
    if request is None:
        return None
    if request.app.state.kernel.settings.trust_proxy_headers:
        fwd = request.headers.get("x-real-ip", "").strip()
        if fwd:
            return fwd[:64]
    return request.client.host if request.client else None


def is_security_event(action: str, detail: dict[str, Any]) -> bool:
    if action in SECURITY_ACTIONS:
        return True
    before, after = detail.get("before"), detail.get("after")
    if isinstance(before, dict) and isinstance(after, dict):
        return any(f in before and before.get(f) != after.get(f) for f in SECURITY_FIELDS)
    return action.endswith((".deactivate", ".activate", ".reactivate"))


def _entry(
    request: Request | None, actor: str, action: str, target: str | None, university_id: int | None, detail: Any
) -> AuthAudit:
    return AuthAudit(
        actor=actor[:100],
        action=action,
        target=target[:200] if target else None,
        ip=client_ip(request),
        university_id=university_id,
        detail=detail or None,
        request_id=request_id_var.get(),
        security=is_security_event(action, detail),
    )


def audit(
    session: Session,
    request: Request | None,
    *,
    actor: str,
    action: str,
    target: str | None = None,
    university_id: int | None = None,
    **detail: Any,
) -> None:
    session.add(_entry(request, actor, action, target, university_id, detail))


def security_event(
    factory: sessionmaker[Session],
    request: Request | None,
    *,
    actor: str,
    action: str,
    target: str | None = None,
    university_id: int | None = None,
    **detail: Any,
) -> None:
    """A security event about a request that is refused: written and committed on its own."""
    with factory.begin() as session:
        session.add(_entry(request, actor, action, target, university_id, detail))
