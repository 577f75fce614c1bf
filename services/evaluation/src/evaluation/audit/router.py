"""The service's audit trail, for the province: who changed what (scores, assignments, decisions), when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from evaluation.deps import ProvinceReader
from evaluation.models import AuditEntry
from sanquan_kernel.db import SessionDep
from sanquan_kernel.pagination import Page, PageDep, paginate
from sanquan_kernel.routing import ServiceRouter

router = ServiceRouter(tags=["audit"])


class AuditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str
    actor_role: str
    action: str
    entity: str
    entity_id: str
    university_id: int | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str | None


@router.get("/audit", response_model=Page[AuditOut])
def list_audit(
    session: SessionDep,
    _: ProvinceReader,
    page: PageDep,
    entity: str | None = None,
    entity_id: str | None = None,
    action: str | None = None,
    actor: str | None = None,
) -> Page[AuditOut]:
    """Newest first; filter by entity (campaign, nomination, score, assignment, ...), its id, action or actor."""
    stmt = select(AuditEntry)
    for column, value in (
        (AuditEntry.entity, entity),
        (AuditEntry.entity_id, entity_id),
        (AuditEntry.action, action),
        (AuditEntry.actor, actor),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    items, total = paginate(session, stmt.order_by(AuditEntry.id.desc()), page)
    return Page(items=[AuditOut.model_validate(a) for a in items], total=total, limit=page.limit, offset=page.offset)
