"""The append-only audit trail each service keeps in its own database (who, when, what, before and after).

A service declares ``class AuditEntry(AuditMixin, Base)``, binds it once in its ``deps.py``
(``audit = Auditor(AuditEntry)``) and calls ``audit(session, principal, action, entity, id, before=…, after=…)``
in the same transaction as the change it describes, so the trail and the data never disagree. ``snapshot(row,
*fields)`` is the audited view of a row; ``jsonable`` makes dates, decimals and enums JSON-ready.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
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


def jsonable(value: Any) -> Any:
    """One value as the audit trail stores it: days and instants in ISO 8601, decimals as numbers, enums as their
    values; anything else unchanged."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, enum.Enum):
        return value.value
    return value


def jsonable_dict(d: dict[str, Any] | None) -> dict[str, Any] | None:
    """A before/after dict with each value ``jsonable`` (``None`` stays ``None``)."""
    if d is None:
        return None
    return {k: jsonable(v) for k, v in d.items()}


def snapshot(obj: Any, *fields: str) -> dict[str, Any]:
    """The audited view of a row: the named fields, JSON-ready."""
    return {f: jsonable(getattr(obj, f)) for f in fields}


class Auditor:
    """``record_audit`` bound to a service's ``AuditEntry`` model, its before/after made JSON-ready."""

    def __init__(self, model: type[Any]) -> None:
        self.model = model

    def __call__(
        self,
        session: Session,
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
        record_audit(
            session,
            self.model,
            principal,
            action,
            entity,
            entity_id,
            university_id=university_id,
            before=jsonable_dict(before),
            after=jsonable_dict(after),
            now=now,
        )


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
