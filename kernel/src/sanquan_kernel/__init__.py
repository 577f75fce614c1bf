"""Shared kernel used by the gateway and every service.

Modules:
- ``tokens``: the only module that touches python-jose (sign and verify, hardened).
- ``principal``: ``Principal`` and the one function that turns it into a ``Scope``.
- ``auth``: FastAPI dependencies that authenticate every request (``CurrentPrincipal``, ``CurrentScope``).
- ``deps``: who may call (``require(*roles, client_scope=…)``, ``only``), the org directory (``Orgs``) and the
  accounts (``Accounts``).
- ``clock``: the one clock: ``now()`` (aware UTC), ``today()`` (the province's calendar day), ``local_date``;
  ``clock.frozen(at)`` in tests.
- ``audit``: the audit trail (``AuditMixin``, ``Auditor``, ``snapshot``, ``jsonable``).
- ``db``: declarative base with a naming convention, engine factory, session dependency, ``utcnow``.
- ``errors``: RFC 9457 problem details and their handlers.
- ``pagination``, ``settings``, ``logging``, ``middleware``, ``health``, ``orgdir``, ``revocation``,
  ``service_client``, ``app``.

A new service starts from this shape (plans, training and evaluation have it; the service hall will):

- ``<svc>/vocabulary.py``: the service's words — its enums, constants and small value helpers (DOMAIN.md's
  terms). It imports nothing of the service.
- ``<svc>/deps.py``: who may call each kind of endpoint, once, as aliases
  (``PlanEditor = Annotated[Principal, require(Role.UNIVERSITY_ADMIN, Role.INTEGRATION,
  client_scope="plans:write")]``; a route says ``principal: PlanEditor`` or ``dependencies=[only(PlanEditor)]``),
  the kernel's ``Orgs`` and ``Accounts``, and the service's bound auditor (``audit = Auditor(AuditEntry)``).
- ``<svc>/models.py``: the declarative base and ``AuditEntry``; one package per domain area
  (``models``, ``schemas``, ``repository``, ``service``, ``router``), importing ``deps`` and ``vocabulary``,
  never each other's routers.
- rules that are neither words nor dependencies get a module named for what they decide (plans'
  ``visibility.py``: what of a plan a department sees; evaluation's ``visibility.py`` and ``sources.py``).
- time only through ``clock`` (``today()`` for every rule about days; ``utcnow()`` for stored instants).
"""
