"""The relying party's side of OpenID Connect (authorization code + PKCE S256) against a university's issuer:
discovery, its keys, the token exchange (httpx), and the ID token's verification (python-jose).

The kernel's ``tokens`` module verifies the platform's own access tokens; this module verifies tokens *issued by
someone else*, with the same discipline (docs/decisions.md, "Foundation" and "Hall identity"): the algorithm comes
from a fixed allow-list of asymmetric algorithms (never ``none``, never HMAC, which would let the client secret —
or a public key used as one — sign), ``jwk``/``jku``/``x5u``/``x5c`` headers are refused, the key comes only from
the issuer's JWKS (found through its discovery document, whose ``issuer`` must equal the configured one) and must
be a public key of the algorithm's type, ``jwt.decode`` always gets ``algorithms=[<that one>]``. Then ``iss``,
``aud`` (and ``azp`` when there are several audiences), ``exp``/``iat``/``nbf`` against the kernel clock with a
small leeway, and the ``nonce`` of this sign-in are checked here, each with its own error code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import httpx
from jose import jwk, jwt
from jose.exceptions import JOSEError

from sanquan_gateway.webhooks import urls
from sanquan_kernel import clock

#: Asymmetric signatures only (OpenID Connect's default RS256 and its usual companions).
ALGORITHMS = {"RS256": "RSA", "RS384": "RSA", "RS512": "RSA", "PS256": "RSA", "ES256": "EC", "ES384": "EC"}
DISCOVERY_TTL = 3600.0
#: An unknown ``kid`` refetches the issuer's keys, at most this often (a key rotation; not a lever for floods).
JWKS_REFETCH_SECONDS = 30.0


class SsoError(Exception):
    """A sign-in that cannot go on; ``code`` is what the SPA translates (``/hall/sign-in?error=<code>``)."""

    def __init__(self, code: str, detail: str, status: int = 400) -> None:
        super().__init__(detail)
        self.code, self.detail, self.status = code, detail, status


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def s256(verifier: str) -> str:
    """RFC 7636 §4.2: BASE64URL(SHA256(ASCII(code_verifier)))."""
    return b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def check_url(url: str, *, allow_http: bool, allow_private: bool = True, resolve: bool = True) -> None:
    """An issuer's URL the gateway may call: https (http where allowed), and — unless private addresses are allowed
    — no private, loopback or link-local address, neither written nor (with ``resolve``) resolved (the same rules
    as webhooks). A call itself resolves once more and connects to the address it checked (``_send``)."""
    parts = urlsplit(url)
    if parts.scheme not in (("https", "http") if allow_http else ("https",)) or not parts.netloc:
        raise SsoError("sso_unavailable", f"{url!r} is not an https URL the gateway may call")
    if allow_private:
        return
    why = urls.problem(url, production=not allow_http, allow_private=False)
    if why is None and resolve and parts.hostname is not None:
        try:
            urls.public_address(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
        except (OSError, urls.NotPublicAddress):
            why = "a private address"
    if why is not None:
        raise SsoError("sso_unavailable", f"{url!r} is not an address the gateway may call: {why}")


@dataclass(frozen=True)
class Discovery:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    token_auth_methods: tuple[str, ...]
    iss_parameter_supported: bool


class OidcClient:
    """Discovery documents and key sets per issuer, cached in the process (thread-safe)."""

    def __init__(self, timeout: float, allow_http: bool, allow_private: bool = True) -> None:
        self.timeout, self.allow_http, self.allow_private = timeout, allow_http, allow_private
        self._lock = threading.Lock()
        self._discovery: dict[str, tuple[float, Discovery]] = {}
        self._jwks: dict[str, tuple[float, list[dict[str, Any]]]] = {}

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One call to the issuer (no redirects). Where private addresses are not allowed, the name is resolved
        once, every address must be public, and the connection goes to the address checked — the webhook sender's
        one way (``urls.public_address``) — with the name kept for TLS (SNI and the certificate's check) and
        ``Host``: httpx does not resolve it again, so a rebinding DNS server cannot point the call inward."""
        check_url(url, allow_http=self.allow_http, allow_private=self.allow_private, resolve=False)
        headers = dict(kwargs.pop("headers", None) or {})
        target = httpx.URL(url)
        extensions: dict[str, Any] = {}
        if not self.allow_private:
            try:
                address = urls.public_address(target.host, target.port or (443 if target.scheme == "https" else 80))
            except urls.NotPublicAddress:
                raise SsoError(
                    "sso_unavailable", f"{url!r} is not an address the gateway may call: a private address"
                ) from None
            except OSError as exc:
                raise SsoError("sso_unavailable", f"The campus sign-in at {url} did not answer: {exc}", 502) from None
            headers["Host"] = target.netloc.decode("ascii")
            if target.scheme == "https":
                extensions["sni_hostname"] = target.host
            target = target.copy_with(host=address)
        with httpx.Client(timeout=self.timeout, follow_redirects=False) as client:
            return client.request(method, target, headers=headers, extensions=extensions, **kwargs)

    def _get_json(self, url: str) -> dict[str, Any]:
        try:
            r = self._send("GET", url, headers={"Accept": "application/json"})
            r.raise_for_status()
            body = r.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise SsoError("sso_unavailable", f"The campus sign-in at {url} did not answer: {exc}", 502) from None
        if not isinstance(body, dict):
            raise SsoError("sso_unavailable", f"{url} did not answer a JSON object", 502)
        return body

    def discover(self, issuer: str) -> Discovery:
        now = time.monotonic()
        with self._lock:
            cached = self._discovery.get(issuer)
        if cached is not None and now - cached[0] < DISCOVERY_TTL:
            return cached[1]
        doc = self._get_json(issuer.rstrip("/") + "/.well-known/openid-configuration")
        # OpenID Connect Discovery §4.3: the document's issuer is exactly the one configured (mix-up defence).
        if doc.get("issuer") != issuer:
            raise SsoError(
                "sso_wrong_issuer", f"The discovery document names the issuer {doc.get('issuer')!r}, not {issuer!r}"
            )
        try:
            found = Discovery(
                issuer=issuer,
                authorization_endpoint=str(doc["authorization_endpoint"]),
                token_endpoint=str(doc["token_endpoint"]),
                jwks_uri=str(doc["jwks_uri"]),
                token_auth_methods=tuple(doc.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]),
                iss_parameter_supported=bool(doc.get("authorization_response_iss_parameter_supported")),
            )
        except KeyError as exc:
            raise SsoError("sso_unavailable", f"The discovery document lacks {exc}", 502) from None
        for url in (found.authorization_endpoint, found.token_endpoint, found.jwks_uri):
            check_url(url, allow_http=self.allow_http, allow_private=self.allow_private)
        with self._lock:
            self._discovery[issuer] = (now, found)
        return found

    def _keys(self, jwks_uri: str, kid: str | None) -> dict[str, Any] | None:
        now = time.monotonic()
        with self._lock:
            cached = self._jwks.get(jwks_uri)
        keys = cached[1] if cached else None
        if keys is None or (_pick(keys, kid) is None and now - cached[0] >= JWKS_REFETCH_SECONDS):  # type: ignore[index]
            body = self._get_json(jwks_uri)
            fetched = [k for k in body.get("keys", []) if isinstance(k, dict)]
            with self._lock:
                self._jwks[jwks_uri] = (now, fetched)
            keys = fetched
        return _pick(keys, kid)

    def exchange_code(
        self, found: Discovery, client_id: str, client_secret: str, code: str, redirect_uri: str, verifier: str
    ) -> dict[str, Any]:
        """The token endpoint (RFC 6749 §4.1.3 with RFC 7636's ``code_verifier``); its error as ``SsoError``."""
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": verifier,
        }
        headers = {"Accept": "application/json"}
        if "client_secret_basic" in found.token_auth_methods or "client_secret_post" not in found.token_auth_methods:
            # RFC 6749 §2.3.1: both parts form-encoded before the Basic encoding.
            pair = f"{quote(client_id, safe='')}:{quote(client_secret, safe='')}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        else:
            form.update(client_id=client_id, client_secret=client_secret)
        try:
            r = self._send("POST", found.token_endpoint, data=form, headers=headers)
            body = r.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise SsoError("sso_unavailable", f"The campus token endpoint did not answer: {exc}", 502) from None
        if r.status_code != 200 or not isinstance(body, dict):
            error = body.get("error") if isinstance(body, dict) else None
            if error == "invalid_grant":
                # A code used before, expired, or issued to another client or for another verifier.
                raise SsoError("sso_code_refused", "The campus sign-in refused the code (used or expired)")
            raise SsoError("sso_unavailable", f"The campus token endpoint answered {r.status_code} {error}", 502)
        if not isinstance(body.get("id_token"), str):
            raise SsoError("sso_invalid_token", "The campus token endpoint returned no ID token")
        return body

    def verify_id_token(
        self, token: str, found: Discovery, *, client_id: str, nonce: str, leeway: int
    ) -> dict[str, Any]:
        """The ID token's claims after every check (OpenID Connect Core §3.1.3.7), or ``SsoError``."""
        if token.count(".") != 2 or len(token) > 16384:
            raise SsoError("sso_invalid_token", "The ID token is malformed")
        try:
            header = jwt.get_unverified_header(token)
        except JOSEError:
            raise SsoError("sso_invalid_token", "The ID token's header is malformed") from None
        alg = header.get("alg")
        if alg not in ALGORITHMS:
            raise SsoError("sso_invalid_token", f"The ID token's algorithm {alg!r} is refused")
        for forbidden in ("jwk", "jku", "x5u", "x5c"):
            if forbidden in header:
                raise SsoError("sso_invalid_token", f"The ID token's header parameter {forbidden} is refused")
        kid = header.get("kid")
        public = self._keys(found.jwks_uri, kid if isinstance(kid, str) else None)
        if public is None:
            raise SsoError("sso_invalid_token", "The ID token is signed with a key the issuer does not publish")
        if public.get("kty") != ALGORITHMS[alg] or "d" in public or public.get("alg", alg) != alg:
            raise SsoError("sso_invalid_token", "The issuer's key does not fit the ID token's algorithm")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                jwk.construct(dict(public), algorithm=alg),
                algorithms=[alg],
                # Signature only here: each claim is checked below against the kernel clock, with its own code.
                options={
                    "verify_signature": True,
                    "verify_aud": False,
                    "verify_iss": False,
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "verify_sub": False,
                    "verify_jti": False,
                    "verify_at_hash": False,
                },
            )
        except JOSEError:
            raise SsoError("sso_invalid_token", "The ID token's signature is not valid") from None
        if claims.get("iss") != found.issuer:
            raise SsoError("sso_wrong_issuer", f"The ID token was issued by {claims.get('iss')!r}")
        aud = claims.get("aud")
        audiences = [aud] if isinstance(aud, str) else aud if isinstance(aud, list) else []
        if client_id not in audiences or (len(audiences) > 1 and claims.get("azp") != client_id):
            raise SsoError("sso_wrong_audience", "The ID token was issued to another client")
        now = clock.now().timestamp()
        exp, iat, nbf = claims.get("exp"), claims.get("iat"), claims.get("nbf")
        if not isinstance(exp, int | float) or not isinstance(iat, int | float):
            raise SsoError("sso_invalid_token", "The ID token lacks exp or iat")
        if exp + leeway < now:
            raise SsoError("sso_expired_token", "The ID token has expired")
        if iat - leeway > now or (isinstance(nbf, int | float) and nbf - leeway > now):
            raise SsoError("sso_expired_token", "The ID token is not valid yet (clocks apart?)")
        got = claims.get("nonce")
        if not isinstance(got, str) or not hmac.compare_digest(got.encode(), nonce.encode()):
            raise SsoError("sso_invalid_token", "The ID token's nonce is not this sign-in's")
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub or len(sub) > 255:
            raise SsoError("sso_invalid_token", "The ID token has no subject")
        return claims


def _pick(keys: list[dict[str, Any]], kid: str | None) -> dict[str, Any] | None:
    signing = [k for k in keys if k.get("use", "sig") == "sig"]
    if kid is not None:
        return next((k for k in signing if k.get("kid") == kid), None)
    return signing[0] if len(signing) == 1 else None


def authorization_url(
    found: Discovery, *, client_id: str, redirect_uri: str, scope: str, state: str, nonce: str, challenge: str
) -> str:
    query = urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": scope,
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    sep = "&" if "?" in found.authorization_endpoint else "?"
    return f"{found.authorization_endpoint}{sep}{query}"
