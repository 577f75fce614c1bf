"""Endpoints for the platform's own services (role ``service``, scope ``internal:read``): the org directory and the
revocation list, with ETags so that the services' frequent polls cost almost nothing, and the organisation of
accounts (a service checks that an account it is told about belongs where the record says)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy import func, select

from sanquan_gateway.accounts.models import User
from sanquan_gateway.auth.revocations import RevocationPoller, orgs_etag
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


async def _snapshot(request: Request) -> tuple[list[dict[str, Any]], str, str]:
    """The revocation poller's copy of the deny list and the organisations' ETag, polled again first (in a worker
    thread) if the poller has not answered for two of its intervals (not running: tests, a stuck database)."""
    poller: RevocationPoller = request.app.state.kernel.extras["revocation_poller"]
    if not poller.fresh(2 * poller.interval):
        await run_in_threadpool(poller.refresh)
    return poller.snapshot


@router.get("/orgs")
async def orgs(request: Request) -> Response:
    """An unchanged directory (the services' 2-second polls) is a 304 from the poller's memory: no thread, no
    query. A changed one is read from the database, its ETag with it."""
    _, _, etag = await _snapshot(request)
    if _not_modified(request, etag):
        return Response(status_code=304, headers={"ETag": etag})
    return await run_in_threadpool(_orgs, request)


def _orgs(request: Request) -> Response:
    k = request.app.state.kernel
    with (k.read_sessionmaker or k.sessionmaker)() as session:
        count, last = session.execute(select(func.count(Organisation.id), func.max(Organisation.updated_at))).one()
        versions = session.scalar(select(func.sum(Organisation.version))) or 0
        etag = orgs_etag(count, last, versions)
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
async def revocations(request: Request) -> Response:
    """From the poller's memory (refreshed every ``revocation_poll_seconds`` and right after this process's own
    changes): no thread, no query."""
    entries, etag, _ = await _snapshot(request)
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
