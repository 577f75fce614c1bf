"""Settings: pydantic-settings with an env prefix per service (``GATEWAY_``, ``PLANS_``, ...).

Shared, unprefixed variables (``DATA_DIR``, ``ENVIRONMENT``) are read as fallbacks so that one ``.env`` can
configure the embedded run. Placeholder secrets are refused outside development and test.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDERS = {"changeme", "change-me", "secret", "password", "admin", "demo", "please-change", ""}
#: Placeholder-style values: ``changeme-123456``, ``password_for_prod``, ``secret-xyz``, ``example-key``, ...
PLACEHOLDER_PREFIXES = (
    "changeme",
    "password",
    "passw0rd",
    "secret",
    "example",
    "placeholder",
    "replaceme",
    "yoursecret",
    "yourpassword",
)
PLACEHOLDER_WORDS = ("changeme", "changethis", "replaceme", "placeholder", "pleasechange", "notasecret")


def is_placeholder(value: str) -> bool:
    """A value copied from an example rather than generated: compared lower-case without separators."""
    norm = "".join(c for c in value.strip().lower() if c.isalnum())
    return (
        value.strip().lower() in PLACEHOLDERS
        or norm.startswith(PLACEHOLDER_PREFIXES)
        or any(w in norm for w in PLACEHOLDER_WORDS)
    )


def data_dir() -> Path:
    return Path(os.environ.get("DATA_DIR", "var")).resolve()


class KernelSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", env_file=None)

    service_name: str = "service"
    environment: Literal["development", "test", "production"] = os.environ.get(  # type: ignore[assignment]
        "ENVIRONMENT", "development"
    )
    log_level: str = os.environ.get("LOG_LEVEL", "INFO")
    database_url: str = ""
    #: Where the gateway is reachable from this process (JWKS, internal org directory, revocations).
    gateway_url: str = os.environ.get("GATEWAY_INTERNAL_URL", "http://127.0.0.1:8000")
    jwt_issuer: str = os.environ.get("JWT_ISSUER", "sanquan-gateway")
    jwt_audience: str = os.environ.get("JWT_AUDIENCE", "sanquan-api")
    #: How often the org directory and the revocation list are refreshed (seconds).
    sync_interval: float = 2.0
    #: How often the outbox relay looks for unsent events besides the wake-up after a commit (seconds).
    outbox_poll_interval: float = 5.0
    #: The largest request body accepted (bytes).
    max_body_bytes: int = int(os.environ.get("MAX_BODY_BYTES", str(64 * 1024 * 1024)))
    db_pool_size: int = 10
    #: Requests one process works on at once; beyond it, 503 with Retry-After at once (0: no limit).
    max_in_flight: int = 100
    #: Bearer token of Prometheus for ``/metrics`` (and ``/readyz``'s details); without it, this host only.
    metrics_token: str | None = os.environ.get("METRICS_TOKEN") or None

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    def check_secret(self, name: str, value: str | None) -> None:
        if self.is_production and (value is None or is_placeholder(value) or len(value) < 12):
            raise ValueError(f"{name} must be set to a real secret in production")

    @model_validator(mode="after")
    def _metrics_token(self) -> KernelSettings:
        if self.metrics_token:
            self.check_secret("METRICS_TOKEN", self.metrics_token)
        return self

    @model_validator(mode="after")
    def _db_default(self) -> KernelSettings:
        if not self.database_url:
            self.database_url = f"sqlite:///{data_dir() / (self.service_name + '.db')}"
        return self


class ServiceSettings(KernelSettings):
    """A domain service: it authenticates to the gateway as its own ``service`` client."""

    service_client_secret: str | None = None
    #: Worker processes of ``serve`` (uvicorn ``--workers``); each has its own pool of ``db_pool_size``.
    workers: int = 1

    @model_validator(mode="after")
    def _production_secrets(self) -> ServiceSettings:
        # Outside development the secret must come from the environment, and not be a placeholder.
        if self.is_production:
            self.check_secret(f"{self.service_name.upper()}_SERVICE_CLIENT_SECRET", self.service_client_secret)
        return self

    def resolved_client_secret(self) -> str:
        """The service client's secret: from the environment, else the file the embedded run shares."""
        if self.service_client_secret:
            self.check_secret("SERVICE_CLIENT_SECRET", self.service_client_secret)
            return self.service_client_secret
        from sanquan_kernel.secrets import service_secret

        return service_secret(self.service_name)


class StorageSettings(BaseSettings):
    """Uploaded files (``sanquan_kernel.storage``): unprefixed variables shared by every service, like
    ``DATA_DIR``. ``STORAGE_BACKEND``: ``filesystem`` (under ``STORAGE_DIR``, default ``DATA_DIR/files``) or
    ``s3`` (``S3_BUCKET`` at ``S3_ENDPOINT_URL``; ``S3_PUBLIC_URL`` for the presigned download links when
    browsers reach the store by another address). ``STORAGE_ACCEL_PREFIX`` (e.g. ``/_files/``): nginx serves
    filesystem downloads from that internal location (``X-Accel-Redirect``). ``CLAMD_URL``
    (``tcp://host:3310`` or ``unix:///path``): scan every upload with clamd."""

    model_config = SettingsConfigDict(extra="ignore", env_file=None)

    environment: Literal["development", "test", "production"] = os.environ.get(  # type: ignore[assignment]
        "ENVIRONMENT", "development"
    )
    storage_backend: Literal["filesystem", "s3"] = "filesystem"
    storage_dir: str = ""
    storage_accel_prefix: str | None = None
    s3_endpoint_url: str | None = None
    s3_public_url: str | None = None
    s3_bucket: str = "sanquan-files"
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    #: How long a presigned download link works (seconds).
    s3_presign_seconds: int = 300
    clamd_url: str | None = None
    clamd_timeout: float = 30.0
    upload_max_image_bytes: int = 20 * 1024 * 1024
    upload_max_document_bytes: int = 50 * 1024 * 1024
    #: The most pixels an uploaded image may have (width × height): it is decoded to be cleaned.
    upload_max_image_pixels: int = 40_000_000
    #: Seconds between two runs of a service's attachment cleanup (orphans, end of retention); 0: never.
    storage_cleanup_interval: float = 3600.0
    #: Days a deleted attachment's file is kept (the audit trail names it) before it is removed.
    storage_retention_days: int = 365
    #: A group that may read the stored files (the filesystem backend): nginx serving X-Accel-Redirect runs in it.
    #: Objects are then 0640 and their directories 0750 in that group; everything else in DATA_DIR stays private.
    storage_group_id: int | None = None

    def root(self) -> Path:
        return Path(self.storage_dir).resolve() if self.storage_dir else data_dir() / "files"

    @model_validator(mode="after")
    def _production(self) -> StorageSettings:
        key = self.s3_secret_access_key
        weak = key is not None and (is_placeholder(key) or len(key) < 12)
        if self.environment == "production" and self.storage_backend == "s3" and weak:
            raise ValueError("S3_SECRET_ACCESS_KEY must be set to a real secret in production")
        return self
