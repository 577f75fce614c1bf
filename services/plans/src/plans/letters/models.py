"""P2: responsibility letters (任务责任书) — per department or per responsible person, versioned by the content of
the tasks they cover, signed in the platform (who, when, which version)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from plans.models import Base
from sanquan_kernel.db import UTCDateTime, utcnow


class ResponsibilityLetter(Base):
    __tablename__ = "responsibility_letter"
    __table_args__ = (UniqueConstraint("plan_id", "target", "department_id", "responsible_user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id", ondelete="CASCADE"), index=True)
    university_id: Mapped[int] = mapped_column(Integer, index=True)
    target: Mapped[str] = mapped_column(String(16))  # department | person
    # A department letter names its department; a person letter its account (department_id 0 keeps the key unique).
    department_id: Mapped[int] = mapped_column(Integer, default=0, index=True)
    responsible_user_id: Mapped[int] = mapped_column(Integer, default=0, index=True)
    responsible_name: Mapped[str] = mapped_column(String(100), default="")
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    content_hash: Mapped[str] = mapped_column(String(64))
    # unsigned | signed | needs_resign — kept in step with the tasks so dashboards count it cheaply
    status: Mapped[str] = mapped_column(String(16), default="unsigned", index=True)
    signed_version: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)


class LetterVersion(Base):
    __tablename__ = "letter_version"
    __table_args__ = (UniqueConstraint("letter_id", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("responsibility_letter.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LetterSignature(Base):
    __tablename__ = "letter_signature"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    letter_id: Mapped[int] = mapped_column(ForeignKey("responsibility_letter.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    signed_by: Mapped[str] = mapped_column(String(100))
    signer_name: Mapped[str] = mapped_column(String(100), default="")
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
