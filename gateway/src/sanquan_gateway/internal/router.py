"""Endpoints for the platform's own services (role ``service``, scope ``internal:read``): the org directory and the
revocation list, with ETags so that the services' frequent polls cost almost nothing, and the organisation of
accounts (a service checks that an account it is told about belongs where the record says)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import func, select

from sanquan_gateway.accounts.models import User
from sanquan_gateway.auth.revocations import active_entries, entries_etag
from sanquan_gateway.deps import InternalReader, only
from sanquan_gateway.orgs.models import Organisation
from sanquan_kernel.db import SessionDep

router = APIRouter(
    prefix="/internal",
    tags=["internal"],
    include_in_schema=False,
    dependencies=[only(InternalReader)],
)


def _not_modified(request: Request, etag: str) -> bool:
    return request.headers.get("if-none-match") == etag


@router.get("/orgs")
def orgs(request: Request, session: SessionDep) -> Response:
    count, last = session.execute(select(func.count(Organisation.id), func.max(Organisation.updated_at))).one()
    versions = session.scalar(select(func.sum(Organisation.version))) or 0
    etag = '"' + hashlib.sha256(f"{count}:{last}:{versions}".encode()).hexdigest()[:32] + '"'
    if _not_modified(request, etag):
        return Response(status_code=304, headers={"ETag": etag})
    items: list[dict[str, Any]] = [
        {
            "id": o.id,
            "parent_id": o.parent_id,
            "level": o.level,
            "university_id": o.university_id,
            "name": o.name,
            "code": o.code,
            "type": o.type,
            "city": o.city,
            "path": o.path,
            "active": o.active,
        }
        for o in session.scalars(select(Organisation).order_by(Organisation.id))
    ]
    return JSONResponse({"items": items}, headers={"ETag": etag})


@router.get("/revocations")
def revocations(request: Request, session: SessionDep) -> Response:
    entries = active_entries(session)
    etag = entries_etag(entries)
    if _not_modified(request, etag):
        return Response(status_code=304, headers={"ETag": etag})
    return JSONResponse({"items": entries}, headers={"ETag": etag})


@router.get("/accounts")
def accounts(session: SessionDep, id: Annotated[list[int] | None, Query(max_length=500)] = None) -> JSONResponse:
    """Where the named accounts belong (role, university, department, active); unknown ids are left out. No
    credentials, no login names: only what a service needs to check a reference to an account."""
    wanted = {i for i in id or () if 0 < i <= 2**31 - 1}  # beyond the key's range no account exists
    rows: Iterable[User] = session.scalars(select(User).where(User.id.in_(wanted)).order_by(User.id)) if wanted else []
    items: list[dict[str, Any]] = [
        {
            "id": u.id,
            "role": u.role,
            "university_id": u.university_id,
            "department_id": u.department_id,
            "active": u.active,
            "name": u.display_name,
        }
        for u in rows
    ]
    return JSONResponse({"items": items})
