"""The hall identity's own settings (``GATEWAY_`` prefix, README "Configuration"), read once per process."""

from __future__ import annotations

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class HallIdentitySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")

    #: The key that encrypts the universities' SSO client secrets (any string of 32+ characters); empty: a key
    #: generated once in ``DATA_DIR/secrets/hall-sso.key``.
    sso_secret_key: str = ""
    #: Seconds to wait for an issuer's discovery, keys and token endpoint.
    sso_http_timeout: float = 5.0
    #: Clock skew allowed when checking an ID token's ``exp``/``iat``/``nbf`` (seconds).
    sso_leeway_seconds: int = 60
    #: Issuers over plain http (tests, a laptop): allowed outside production unless set; never in production.
    sso_allow_http_issuer: bool | None = None
    #: Issuers whose discovery, key set or token endpoint is at a private, loopback or link-local address (the
    #: campus network, the platform itself: server-side request forgery by a university admin's configuration):
    #: refused in production unless set; allowed elsewhere (tests, a laptop).
    sso_allow_private_issuers: bool | None = None
    #: A one-time roster activation code is valid this many days.
    roster_code_days: int = 30
    #: A password reset's one-time code (issued by the university's administrator) is valid this many hours.
    reset_code_hours: int = 72


@lru_cache(maxsize=1)
def hall_settings() -> HallIdentitySettings:
    return HallIdentitySettings()
