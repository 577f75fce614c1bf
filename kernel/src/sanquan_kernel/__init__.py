"""Shared kernel used by the gateway and every service.

Modules:
- ``tokens``: the only module that touches python-jose (sign and verify, hardened).
- ``principal``: ``Principal`` and the one function that turns it into a ``Scope``.
- ``auth``: FastAPI dependencies that authenticate every request.
- ``db``: declarative base with a naming convention, engine factory, session dependency.
- ``errors``: RFC 9457 problem details and their handlers.
- ``pagination``, ``settings``, ``logging``, ``middleware``, ``health``, ``orgdir``, ``revocation``,
  ``service_client``, ``app``.
"""
