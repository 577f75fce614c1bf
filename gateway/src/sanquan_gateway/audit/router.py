from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel
from sqlalchemy import select

from sanquan_gateway.audit.models import AuthAudit
from sanquan_kernel.auth import CurrentScope, require_roles
from sanquan_kernel.db import SessionDep
from sanquan_kernel.exports import XLSX_MEDIA, ExportFormat, table_response
from sanquan_kernel.pagination import Page, PageDep, paginate
from sanquan_kernel.principal import Role

router = APIRouter(prefix="/audit", tags=["audit"])


class AuditOut(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    target: str | None
    ip: str | None
    university_id: int | None
    detail: dict[str, Any] | None
    request_id: str | None


@router.get(
    "", response_model=Page[AuditOut], dependencies=[Depends(require_roles(Role.PROVINCE_ADMIN, Role.UNIVERSITY_ADMIN))]
)
def list_audit(
    session: SessionDep, scope: CurrentScope, page: PageDep, action: Annotated[str | None, Query(max_length=64)] = None
) -> Page[AuditOut]:
    """The audit log of sign-ins, revocations and changes to organisations and accounts (own university only)."""
    stmt = select(AuthAudit).where(scope.where(university=AuthAudit.university_id)).order_by(AuthAudit.id.desc())
    if action:
        stmt = stmt.where(AuthAudit.action == action)
    items, total = paginate(session, stmt, page)
    return Page[AuditOut](
        items=[AuditOut.model_validate(i, from_attributes=True) for i in items],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get(
    "/export",
    response_class=Response,
    dependencies=[Depends(require_roles(Role.PROVINCE_ADMIN, Role.UNIVERSITY_ADMIN))],
    responses={200: {"content": {XLSX_MEDIA: {}, "text/csv": {}}}},
)
def export_audit(
    session: SessionDep,
    scope: CurrentScope,
    format: ExportFormat = ExportFormat.XLSX,
    action: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """The audit log (own university only) as XLSX or CSV, newest first, at most 100,000 entries."""
    stmt = select(AuthAudit).where(scope.where(university=AuthAudit.university_id)).order_by(AuthAudit.id.desc())
    if action:
        stmt = stmt.where(AuthAudit.action == action)
    rows = [
        (e.id, e.at.isoformat(timespec="seconds"), e.actor, e.action, e.target, e.ip, e.request_id)
        for e in session.scalars(stmt.limit(100_000))
    ]
    headers = ("编号", "时间", "操作者", "操作", "对象", "来源地址", "请求编号")
    return table_response(headers, rows, format, "审计日志", sheet="审计日志")
