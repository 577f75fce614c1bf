"""The gateway's own endpoints' callers, in the kernel's one way (``sanquan_kernel.deps.require``), as in every
service's ``deps.py``. Finer rules (who may manage which account, organisation or client) stay in the domain
services, with their own messages."""

from __future__ import annotations

from typing import Annotated

from sanquan_kernel.deps import only, require
from sanquan_kernel.principal import PERSON_ROLES, Principal, Role

__all__ = ["AuditReader", "InternalReader", "Person", "only"]

#: Accounts are people's business: machine clients (integration, service) get 403 on every path there.
Person = Annotated[Principal, require(*PERSON_ROLES)]
#: The audit log: the province and the universities (their own university's entries).
AuditReader = Annotated[Principal, require(Role.PROVINCE_ADMIN, Role.UNIVERSITY_ADMIN)]
#: ``/internal``: the services' own clients, with ``internal:read``.
InternalReader = Annotated[Principal, require(Role.SERVICE, client_scope="internal:read")]
