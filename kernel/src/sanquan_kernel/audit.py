"""The append-only audit trail each service keeps in its own database (who, when, what, before and after).

A service declares ``class AuditEntry(AuditMixin, Base)`` and calls ``record_audit`` in the same transaction as
the change it describes, so the trail and the data never disagree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, Session, mapped_column

from sanquan_kernel.db import UTCDateTime, utcnow
from sanquan_kernel.logging import request_id_var
from sanquan_kernel.principal import Principal


class AuditMixin:
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(100))
    actor_role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64), index=True)
    entity_id: Mapped[str] = mapped_column(String(64), index=True)
    university_id: Mapped[int | None] = mapped_column(Integer, index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    request_id: Mapped[str | None] = mapped_column(String(128))


def record_audit(
    session: Session,
    model: type[Any],
    principal: Principal | None,
    action: str,
    entity: str,
    entity_id: Any,
    *,
    university_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    now: bool = False,
) -> None:
    """Add the audit entry to the session (written with the change it describes). ``now``: as one INSERT on the
    session's connection at once, without the unit of work (a hot write's entry); its business event is counted
    when the session commits either way."""
    values = audit_values(principal, action, entity, entity_id, university_id=university_id, before=before, after=after)
    if not now:
        session.add(model(**values))
        return
    from sqlalchemy import insert

    from sanquan_kernel.metrics import note_audited

    session.connection().execute(insert(model.__table__), values)
    note_audited(session, action)


def audit_values(
    principal: Principal | None,
    action: str,
    entity: str,
    entity_id: Any,
    *,
    university_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The columns of the audit entry ``record_audit`` adds (for a service that writes it in SQL of its own)."""
    return {
        "at": utcnow(),
        "actor": principal.subject if principal else "system",
        "actor_role": str(principal.role) if principal else "system",
        "action": action,
        "entity": entity,
        "entity_id": str(entity_id),
        "university_id": university_id,
        "before": before,
        "after": after,
        "request_id": request_id_var.get(),
    }
