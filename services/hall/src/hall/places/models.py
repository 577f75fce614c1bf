from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hall.models import Base
from sanquan_kernel.db import UTCDateTime, utcnow


class Place(Base):
    """A building, room or area of one university; a room usually lies in a building (``parent_id``)."""

    __tablename__ = "place"
    __table_args__ = (Index("ix_place_university_parent", "university_id", "parent_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    university_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    code: Mapped[str | None] = mapped_column(String(40))
    #: the place it lies in (checked by the service: same university, no cycles; a plain column, so that a
    #: tree is deleted in any order)
    parent_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
