"""The dependencies every router shares: who may call (``require``), the org directory and the accounts.

A service names its callers once, in ``<service>/deps.py``::

    PlanEditor = Annotated[Principal, require(Role.UNIVERSITY_ADMIN, Role.INTEGRATION, client_scope="plans:write")]

and a route takes the principal through it (``principal: PlanEditor``), or only checks it
(``dependencies=[only(PlanEditor)]``). (``require`` gives the ``Depends`` and the alias is spelled ``Annotated``
in the service, so that mypy knows ``PlanEditor`` is a type: a function returning an alias is not one to it.)

People are judged by role; clients (integration and service accounts) also need ``client_scope`` when one is
named. The role is checked first, then the scope, both 403 problems. The check is ``async`` (it does no I/O, so
it costs no worker thread). What a caller may *see* is never decided here: that is ``CurrentScope``
(``sanquan_kernel.principal.scope_for``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request, params

from sanquan_kernel.accounts import AccountDirectory
from sanquan_kernel.auth import CurrentPrincipal
from sanquan_kernel.errors import Forbidden
from sanquan_kernel.orgdir import OrgDirectory
from sanquan_kernel.principal import Principal, Role

#: The roles that act for a system rather than a person: they also need a named client scope.
CLIENT_ROLES = frozenset({Role.INTEGRATION, Role.SERVICE})


def require(*roles: Role, client_scope: str | None = None) -> params.Depends:
    """The dependency that returns the ``Principal`` when the caller's role is one of ``roles`` (403 "Your role
    may not do this") and a client holds ``client_scope`` when one is named (403 "The client lacks the scope …")."""
    if not roles:
        raise ValueError("require() needs at least one role (name every role that may call)")
    allowed = frozenset(roles)

    async def _check(principal: CurrentPrincipal) -> Principal:
        if principal.role not in allowed:
            raise Forbidden("Your role may not do this")
        if client_scope is not None and principal.role in CLIENT_ROLES and client_scope not in principal.scopes:
            raise Forbidden(f"The client lacks the scope {client_scope}")
        return principal

    names = ",".join(sorted(r.value for r in allowed))
    _check.__name__ = _check.__qualname__ = f"require[{names}{'|' + client_scope if client_scope else ''}]"
    check: params.Depends = Depends(_check)
    return check


def only(requirement: Any) -> params.Depends:
    """The check of a ``require(...)`` alias for a route's ``dependencies=[...]`` (when it needs no principal)."""
    for meta in getattr(requirement, "__metadata__", ()):
        if isinstance(meta, params.Depends):
            return meta
    raise TypeError(f"{requirement!r} is not a dependency alias made by require()")


async def _orgdir(request: Request) -> OrgDirectory:
    orgdir: OrgDirectory = request.app.state.kernel.orgdir
    return orgdir


async def _accounts(request: Request) -> AccountDirectory:
    accounts: AccountDirectory = request.app.state.kernel.accounts
    return accounts


#: The service's copy of the org tree (names of universities and departments, department checks).
Orgs = Annotated[OrgDirectory, Depends(_orgdir)]
#: Where accounts belong (asked of the gateway): an account's university and department are its own.
Accounts = Annotated[AccountDirectory, Depends(_accounts)]
