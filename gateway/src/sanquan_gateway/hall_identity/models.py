"""The hall's identities, each university's SSO configuration and the sign-ins under way (state, nonce, PKCE)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from sanquan_gateway.models import Base
from sanquan_kernel.db import UTCDateTime, utcnow


class HallIdentity(Base):
    """A student or teacher of one university (S1): from its SSO (first sign-in) or its roster (activation)."""

    __tablename__ = "hall_identity"
    __table_args__ = (UniqueConstraint("university_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    university_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    #: ``student`` or ``teacher`` (the token's role).
    kind: Mapped[str] = mapped_column(String(16))
    #: 学号 / 工号: the campus claim or the roster's number.
    number: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str] = mapped_column(String(100), default="")
    #: ``sso`` or ``roster``.
    source: Mapped[str] = mapped_column(String(16))
    #: The issuer's ``sub`` of an SSO identity (the number may be re-read from a claim; ``sub`` never changes).
    subject: Mapped[str | None] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    #: Roster identities only: the password set at activation (argon2id), and the pending one-time code (SHA-256).
    password_hash: Mapped[str | None] = mapped_column(String(255))
    activation_code_hash: Mapped[str | None] = mapped_column(String(64))
    activation_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SsoConfig(Base):
    """A university's campus single sign-on (OpenID Connect), set by its administrator. The client secret is kept
    encrypted (``crypto``) and never returned."""

    __tablename__ = "hall_sso_config"

    university_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), primary_key=True)
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    client_secret_encrypted: Mapped[str] = mapped_column(String(1000))
    number_claim: Mapped[str] = mapped_column(String(64), default="preferred_username")
    #: A claim whose value says ``student`` or ``teacher`` (else ``default_kind``).
    kind_claim: Mapped[str | None] = mapped_column(String(64))
    default_kind: Mapped[str] = mapped_column(String(16), default="student")
    scopes: Mapped[str] = mapped_column(String(255), default="openid profile")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SsoState(Base):
    """One sign-in under way: kept server-side for 10 minutes and used once. The browser holds only the state (in
    the URL) and a binding cookie whose hash is stored here, so a callback URL is worthless in another browser."""

    __tablename__ = "hall_sso_state"

    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    university_id: Mapped[int] = mapped_column(Integer)
    browser_hash: Mapped[str] = mapped_column(String(64))
    nonce: Mapped[str] = mapped_column(String(100))
    code_verifier: Mapped[str] = mapped_column(String(128))
    issuer: Mapped[str] = mapped_column(String(500))
    client_id: Mapped[str] = mapped_column(String(255))
    next_path: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
