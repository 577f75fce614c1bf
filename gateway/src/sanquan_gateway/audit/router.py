from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel
from sqlalchemy import Select, select

from sanquan_gateway.audit.models import AuthAudit
from sanquan_gateway.deps import AuditReader, only
from sanquan_kernel.auth import CurrentScope
from sanquan_kernel.db import SessionDep
from sanquan_kernel.errors import Unprocessable
from sanquan_kernel.exports import XLSX_MEDIA, ExportFormat, table_response
from sanquan_kernel.pagination import Page, PageDep, paginate
from sanquan_kernel.principal import Scope

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
    security: bool


@dataclass
class AuditFilter:
    """The audit log's filters (list and export alike); every one optional, combined with AND."""

    action: Annotated[str | None, Query(max_length=64, description="one action, e.g. login.failure")] = None
    security: Annotated[
        bool | None, Query(description="only security events (failed and throttled sign-ins, token reuse, ...)")
    ] = None
    actor: Annotated[str | None, Query(max_length=100, description="the actor, exactly (e.g. admin, user:12)")] = None
    since: Annotated[date | None, Query(description="from this day (UTC), inclusive")] = None
    until: Annotated[date | None, Query(description="to this day (UTC), inclusive")] = None

    def statement(self, scope: Scope) -> Select[tuple[AuthAudit]]:
        if self.since and self.until and self.since > self.until:
            raise Unprocessable(
                "since is after until", errors=[{"loc": ["query", "since"], "msg": "must not be after until"}]
            )
        # Own university only for a university admin; the province sees everything (also entries of no university).
        stmt = select(AuthAudit).where(scope.where(university=AuthAudit.university_id))
        if self.action:
            stmt = stmt.where(AuthAudit.action == self.action)
        if self.security is not None:
            stmt = stmt.where(AuthAudit.security.is_(self.security))
        if self.actor:
            stmt = stmt.where(AuthAudit.actor == self.actor)
        if self.since:
            stmt = stmt.where(AuthAudit.at >= datetime.combine(self.since, time.min, UTC))
        if self.until:
            stmt = stmt.where(AuthAudit.at < datetime.combine(self.until + timedelta(days=1), time.min, UTC))
        return stmt.order_by(AuthAudit.id.desc())


AuditFilterDep = Annotated[AuditFilter, Depends()]
_admins = [only(AuditReader)]


@router.get("", response_model=Page[AuditOut], dependencies=_admins)
def list_audit(session: SessionDep, scope: CurrentScope, page: PageDep, filters: AuditFilterDep) -> Page[AuditOut]:
    """The audit log of sign-ins, security events, revocations and changes to organisations and accounts (own
    university only), newest first; filter by action, security events, actor and date."""
    items, total = paginate(session, filters.statement(scope), page)
    return Page[AuditOut](
        items=[AuditOut.model_validate(i, from_attributes=True) for i in items],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.get(
    "/export",
    response_class=Response,
    dependencies=_admins,
    responses={200: {"content": {XLSX_MEDIA: {}, "text/csv": {}}}},
)
def export_audit(
    session: SessionDep, scope: CurrentScope, filters: AuditFilterDep, format: ExportFormat = ExportFormat.XLSX
) -> Response:
    """The audit log (own university only, the list's filters) as XLSX or CSV, newest first, at most 100,000
    entries; cells that a spreadsheet would run as formulas are neutralised."""
    rows = [
        (
            e.id,
            e.at.isoformat(timespec="seconds"),
            e.actor,
            e.action,
            "是" if e.security else "否",
            e.target,
            e.ip,
            e.university_id,
            json.dumps(e.detail, ensure_ascii=False, sort_keys=True) if e.detail else None,
            e.request_id,
        )
        for e in session.scalars(filters.statement(scope).limit(100_000))
    ]
    headers = ("编号", "时间", "操作者", "操作", "安全事件", "对象", "来源地址", "高校编号", "详情", "请求编号")
    return table_response(headers, rows, format, "审计日志", sheet="审计日志")
