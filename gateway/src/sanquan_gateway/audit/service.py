"""Writing the gateway's audit log: in the same transaction as the change it records."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from sanquan_gateway.audit.models import AuthAudit
from sanquan_kernel.logging import request_id_var


def client_ip(request: Request | None) -> str | None:
    if request is None:
        return None
    # Behind nginx (compose) the real address comes in X-Real-IP, trusted only when configured.
    if request.app.state.kernel.settings.trust_proxy_headers:
        fwd = request.headers.get("x-real-ip")
        if fwd:
            return fwd[:64]
    return request.client.host if request.client else None


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
    session.add(
        AuthAudit(
            actor=actor,
            action=action,
            target=target,
            ip=client_ip(request),
            university_id=university_id,
            detail=detail or None,
            request_id=request_id_var.get(),
        )
    )
