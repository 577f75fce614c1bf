"""Authentication of every request: bearer token → verified claims → ``Principal`` → ``Scope``.

Each process verifies tokens itself with the gateway's public keys (JWKS, cached, refetched on an unknown
``kid`` at most once a second) and never trusts identity headers. Verified tokens are cached by their digest
until they expire (RS256 verification costs ~170 µs); the revocation list is checked on every request.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Annotated, Any

import httpx
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from sanquan_kernel.errors import Forbidden, Unauthorized
from sanquan_kernel.principal import HALL_ROLES, Principal, Scope, scope_for
from sanquan_kernel.revocation import RevocationList
from sanquan_kernel.tokens import TokenError, token_digest, verify_access_token

log = logging.getLogger("sanquan.auth")


class KeySet:
    """Public keys by ``kid``. ``fetch`` (optional) returns a JWKS document; called on a miss, rate-limited."""

    def __init__(
        self, keys: list[Mapping[str, Any]] | None = None, fetch: Callable[[], Mapping[str, Any]] | None = None
    ) -> None:
        self._keys: dict[str, Mapping[str, Any]] = {}
        self._fetch = fetch
        self._last_fetch = 0.0
        self._lock = threading.Lock()
        if keys:
            self.load({"keys": keys})

    @classmethod
    def from_url(cls, url: str, timeout: float = 3.0) -> KeySet:
        def _fetch() -> Mapping[str, Any]:
            r = httpx.get(url, timeout=timeout)
            r.raise_for_status()
            doc: Mapping[str, Any] = r.json()
            return doc

        return cls(fetch=_fetch)

    def load(self, jwks: Mapping[str, Any]) -> None:
        keys: dict[str, Mapping[str, Any]] = {}
        for k in jwks.get("keys", []):
            # Only RSA public signing keys are ever accepted as verification keys.
            if k.get("kty") == "RSA" and "d" not in k and k.get("kid") and k.get("use", "sig") == "sig":
                keys[str(k["kid"])] = dict(k)
        self._keys = keys

    def refresh(self) -> None:
        if self._fetch is not None:
            self.load(self._fetch())
            self._last_fetch = time.monotonic()

    def lookup(self, kid: str) -> Mapping[str, Any] | None:
        key = self._keys.get(kid)
        if key is None and self._fetch is not None:
            with self._lock:
                key = self._keys.get(kid)
                if key is None and time.monotonic() - self._last_fetch > 1.0:
                    try:
                        self.refresh()
                    except Exception as exc:  # noqa: BLE001
                        self._last_fetch = time.monotonic()
                        log.warning("JWKS refresh failed: %s", exc)
                    key = self._keys.get(kid)
        return key


class Authenticator:
    def __init__(
        self, keys: KeySet, revocations: RevocationList, *, issuer: str, audience: str, cache_size: int = 10_000
    ) -> None:
        self.keys = keys
        self.revocations = revocations
        self.issuer = issuer
        self.audience = audience
        self._cache: OrderedDict[str, Principal] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def authenticate(self, token: str) -> Principal:
        digest = token_digest(token)
        now = time.time()
        principal = self._cache.get(digest)
        if principal is None or principal.expires_at < now:
            try:
                claims = verify_access_token(token, self.keys.lookup, issuer=self.issuer, audience=self.audience)
                principal = Principal.from_claims(claims)
            except (TokenError, ValueError, KeyError) as exc:
                log.info("token refused: %s", exc)
                raise Unauthorized() from None
            with self._lock:
                self._cache[digest] = principal
                if len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        if self.revocations.is_revoked(principal.subject, principal.token_id, principal.issued_at, principal.org_ids):
            raise Unauthorized("The token has been revoked")
        return principal


_bearer = HTTPBearer(auto_error=False)


async def _current_principal(
    request: Request, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    if creds is None or creds.scheme.lower() != "bearer":
        raise Unauthorized("An access token is required")
    authenticator: Authenticator = request.app.state.kernel.authenticator
    principal = authenticator.authenticate(creds.credentials)
    request.state.principal = principal
    service = getattr(request.app.state.kernel.settings, "service_name", "")
    if principal.role in HALL_ROLES and service not in HALL_SERVICES:
        # S1 (issue #20): a student's or teacher's token opens the service hall and their own identity at the
        # gateway, nothing else — refused here rather than answered with every list empty by scope.
        raise Forbidden("The service hall's students and teachers may use the service hall only")
    return principal


#: Where a service-hall student or teacher may call at all (the gateway's own routes still check roles).
HALL_SERVICES = frozenset({"hall", "gateway"})


CurrentPrincipal = Annotated[Principal, Depends(_current_principal)]


async def _current_scope(principal: CurrentPrincipal) -> Scope:
    return scope_for(principal)


CurrentScope = Annotated[Scope, Depends(_current_scope)]

# Who may call an endpoint (a role, and a client's scope): ``sanquan_kernel.deps.require``.
