"""Nominations (E2): what a university puts forward in a campaign."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from evaluation.models import Base
from sanquan_kernel.db import UTCDateTime, utcnow


class Nomination(Base):
    __tablename__ = "nomination"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), index=True)
    university_id: Mapped[int] = mapped_column(Integer, index=True)
    department_id: Mapped[int | None] = mapped_column(Integer, index=True, nullable=True)
    subject_kind: Mapped[str] = mapped_column(String(20))
    staff_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: the nominated person's name (from the training register) or the university's name; hidden in blind mode
    subject_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    category: Mapped[str | None] = mapped_column(String(40), nullable=True)
    title: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text, default="")
    materials_text: Mapped[str] = mapped_column(Text, default="")
    #: file metadata only: [{"name", "content_type", "size", "sha256"}]
    files: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), default="proposed", index=True)
    proposed_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
