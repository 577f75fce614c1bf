from __future__ import annotations

import os
from typing import Literal

from pydantic import model_validator
from pydantic_settings import SettingsConfigDict

from sanquan_kernel.settings import KernelSettings


class Settings(KernelSettings):
    """Environment variables prefixed ``GATEWAY_`` (and a few documented unprefixed ones)."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore")
    service_name: str = "gateway"
    port: int = int(os.environ.get("GATEWAY_PORT", "8000"))
    access_token_ttl: int = 900
    refresh_token_ttl: int = 14 * 24 * 3600
    #: A PEM private key (or a file holding one); else generated into DATA_DIR/keys on first start.
    signing_key: str | None = None
    signing_key_file: str | None = None
    plans_url: str = "http://127.0.0.1:8001"
    training_url: str = "http://127.0.0.1:8002"
    evaluation_url: str = "http://127.0.0.1:8003"
    #: the service hall (S1, issue #20), proxied at /api/hall
    hall_url: str = "http://127.0.0.1:8004"
    upstream_connect_timeout: float = 2.0
    upstream_read_timeout: float = 120.0
    #: Sign-in throttling, across replicas through the database (docs/decisions.md, "Sign-in defences"):
    #: a delay that doubles per (account, address) and per (account, known device) after ``login_free_failures``
    #: failures, up to ``login_max_delay_seconds``; soft limits per account (a known device is exempt), per client
    #: id and per address within ``login_window_seconds``.
    login_max_failures_per_account: int = 20
    login_max_failures_per_address: int = 100
    login_max_failures_per_client: int = 100
    login_window_seconds: int = 900
    login_free_failures: int = 3
    login_max_delay_seconds: int = 900
    #: A session (a refresh-token family) ends this many seconds after its sign-in, however often it is refreshed.
    session_max_age: int = 12 * 3600
    cors_origins: str = ""
    cookie_secure: bool = False
    #: Trust X-Real-IP from the reverse proxy in front (compose: nginx). Off when the gateway faces clients.
    trust_proxy_headers: bool = False
    spa_dir: str = os.environ.get("SPA_DIR", "frontend/dist")
    admin_username: str | None = os.environ.get("ADMIN_USERNAME")
    admin_password: str | None = os.environ.get("ADMIN_PASSWORD")
    revocation_poll_seconds: float = 0.5
    #: ``test``: argon2id with a cheap profile (one pass over 1 MiB) for the platforms the tests start, where sign-ins
    #: and seeded accounts would otherwise spend most of the CPU; refused unless ENVIRONMENT=test.
    password_hash_profile: Literal["default", "test"] = "default"
    #: Webhooks (issue #18, docs/webhooks.md): the delivery worker's bounded concurrency, batch, per-request
    #: timeout and idle poll; retries with exponential backoff and jitter (base * 3^n, at most the max delay) until
    #: the window is over; an endpoint failing ``webhook_disable_after_failures`` times in a row for at least
    #: ``webhook_disable_after_seconds`` is disabled; a rotated secret signs alongside the new one for the overlap.
    webhook_worker: bool = True
    webhook_concurrency: int = 32
    webhook_batch: int = 200
    webhook_timeout_seconds: float = 10.0
    webhook_poll_seconds: float = 1.0
    webhook_retry_base_seconds: float = 5.0
    webhook_retry_max_delay_seconds: float = 6 * 3600
    webhook_retry_window_seconds: float = 26 * 3600
    webhook_disable_after_failures: int = 15
    webhook_disable_after_seconds: float = 24 * 3600
    webhook_secret_overlap_seconds: float = 24 * 3600
    #: Private, loopback and link-local targets: allowed outside production unless set; in production only when set.
    webhook_allow_private_targets: bool | None = None

    #: E-mail (issue #18, README "Configuration"): the SMTP relay; no host, no e-mail. ``smtp_starttls`` None: when
    #: the relay offers it; ``smtp_tls``: implicit TLS (port 465). Links in the mails start with ``public_url``.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool | None = None
    smtp_tls: bool = False
    smtp_from: str = "高校后勤三全育人平台 <noreply@sanquan.local>"
    smtp_timeout_seconds: float = 10.0
    public_url: str = "http://localhost:8000"
    mail_immediate_seconds: int = 60
    #: The gateway's schedule thread (the mail jobs; off in tests that run the jobs themselves) and its poll.
    schedule_worker: bool = True
    schedule_poll_seconds: float = 30.0

    @model_validator(mode="after")
    def _test_hash_profile(self) -> Settings:
        if self.password_hash_profile == "test" and self.environment != "test":
            raise ValueError("GATEWAY_PASSWORD_HASH_PROFILE=test is for ENVIRONMENT=test only")
        return self

    @model_validator(mode="after")
    def _production_secrets(self) -> Settings:
        """Outside development: no placeholder administrator password, and every service secret from the
        environment (the embedded run's generated files are for laptops)."""
        if self.is_production:
            if self.admin_password is not None:
                self.check_secret("ADMIN_PASSWORD", self.admin_password)
            for name in ("plans", "training", "evaluation", "hall"):
                var = f"{name.upper()}_SERVICE_CLIENT_SECRET"
                self.check_secret(var, os.environ.get(var))
        return self

    def upstreams(self) -> dict[str, str]:
        return {
            "plans": self.plans_url,
            "training": self.training_url,
            "evaluation": self.evaluation_url,
            "hall": self.hall_url,
        }
