"""Where a webhook may go. In production: https only, and no address of a private, loopback, link-local or other
non-public range (server-side request forgery into the campus network or the platform itself) unless
``GATEWAY_WEBHOOK_ALLOW_PRIVATE_TARGETS`` says so; the address is checked when the endpoint is saved and again
before each delivery (a name may resolve elsewhere later). In development and tests: http and 127.0.0.1 too."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit


def private_ok(settings: Any) -> bool:
    """Private targets allowed: ``GATEWAY_WEBHOOK_ALLOW_PRIVATE_TARGETS`` when set, else outside production only."""
    allowed = settings.webhook_allow_private_targets
    return (not settings.is_production) if allowed is None else bool(allowed)


def problem(url: str, *, production: bool, allow_private: bool) -> str | None:
    """Why ``url`` cannot receive webhooks, or None."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port
    except ValueError:
        return "not a URL"
    if parts.scheme not in ("https", "http") or not host:
        return "an http(s) URL is needed"
    if production and parts.scheme != "https":
        return "https is needed"
    if parts.username or parts.password:
        return "no credentials in the URL"
    if not allow_private:
        if host.lower() in ("localhost",) or host.lower().endswith(".localhost"):
            return "a private address"
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            return None  # a name: checked when resolved, before each delivery
        if not ip.is_global:
            return "a private address"
    return None


class NotPublicAddress(ValueError):
    """The host resolves to a private, loopback, link-local or otherwise non-public address."""


def public_address(host: str, port: int) -> str:
    """The one address to connect to for ``host``: resolved once here, every address it resolves to must be public
    (else ``NotPublicAddress``; a name that does not resolve raises ``OSError``). The caller connects to the address
    answered — never resolving the name again, which a rebinding DNS server could answer with an internal address
    after this check — and keeps the name for TLS (SNI, certificate) and the ``Host`` header. The webhook sender
    (``sender.py``) and the campus sign-in's calls to an issuer (``hall_identity/oidc.py``) both connect this way."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = [str(i[4][0]) for i in infos]
    if not addresses or not all(ipaddress.ip_address(a).is_global for a in addresses):
        raise NotPublicAddress("the address is not public")
    return addresses[0]
