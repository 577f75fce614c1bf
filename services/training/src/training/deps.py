"""Dependencies every router shares: the org directory, and "this role, with this client scope" checks.

People are judged by role; integration and service clients also need the named scope (``training:read`` for
reading, ``training:write`` for writing). Scope (what is visible) always comes from ``CurrentScope``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Annotated

from fastapi import Depends, Request

from sanquan_kernel.auth import CurrentPrincipal, require_scope
from sanquan_kernel.errors import Forbidden
from sanquan_kernel.orgdir import OrgDirectory
from sanquan_kernel.principal import Principal, Role

READ_SCOPE = "training:read"
WRITE_SCOPE = "training:write"

ALL_ROLES = frozenset(Role)
#: Who may enter, correct and delete ledger records (and import them).
RECORD_WRITERS = frozenset({Role.PROVINCE_ADMIN, Role.UNIVERSITY_ADMIN, Role.DEPARTMENT_MANAGER, Role.INTEGRATION})
#: Who may create and replace staff (CONTRACT.md: an integration client, a university admin, a province admin).
STAFF_WRITERS = frozenset({Role.PROVINCE_ADMIN, Role.UNIVERSITY_ADMIN, Role.INTEGRATION})
#: Who may read the training data at all (an expert's scope sees nothing here; it is simply empty).
READERS = frozenset(Role)

#: China Standard Time: "today" for "taken_on is not in the future" is the province's calendar day.
CHINA_TZ = timezone(timedelta(hours=8))


def today() -> date:
    return datetime.now(UTC).astimezone(CHINA_TZ).date()


async def _orgdir(request: Request) -> OrgDirectory:
    orgdir: OrgDirectory = request.app.state.kernel.orgdir
    return orgdir


OrgDirDep = Annotated[OrgDirectory, Depends(_orgdir)]


def allow(roles: frozenset[Role], client_scope: str) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency: the caller's role is one of ``roles`` and a client holds ``client_scope`` (403 otherwise).
    Asynchronous: it does no I/O, so it runs on the event loop instead of costing a worker thread."""
    scope_check = require_scope(client_scope)

    async def _check(principal: CurrentPrincipal) -> Principal:
        await scope_check(principal)
        if principal.role not in roles:
            raise Forbidden("Your role may not do this")
        return principal

    return _check


Reader = Annotated[Principal, Depends(allow(READERS, READ_SCOPE))]
RecordWriter = Annotated[Principal, Depends(allow(RECORD_WRITERS, WRITE_SCOPE))]
StaffWriter = Annotated[Principal, Depends(allow(STAFF_WRITERS, WRITE_SCOPE))]
