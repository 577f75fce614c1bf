from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sanquan_gateway.models import Base
from sanquan_kernel.db import UTCDateTime, utcnow


class RefreshToken(Base):
    """Stored hashed; rotated on each use; a used token presented again revokes its whole family."""

    __tablename__ = "refresh_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    family_id: Mapped[str] = mapped_column(String(32), index=True)
    #: The account signed in, or (service hall, issue #20) the hall identity: exactly one of the two is set.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    hall_identity_id: Mapped[int | None] = mapped_column(ForeignKey("hall_identity.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the sign-in (the family) began: rotation never extends a session past its absolute lifetime.
    session_started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Revocation(Base):
    """The deny list: a subject (tokens issued at or before ``revoked_before``) or one token id, until it expires."""

    __tablename__ = "revocation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str | None] = mapped_column(String(100), index=True)
    jti: Mapped[str | None] = mapped_column(String(64), index=True)
    revoked_before: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LoginThrottle(Base):
    """Failed sign-in counters (per account, address, account and address, account and device), shared by every
    gateway replica. For the growing delays ``window_start`` is the last failure."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
