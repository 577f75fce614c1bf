from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sanquan_gateway.models import Base
from sanquan_kernel.db import UTCDateTime, utcnow


class Organisation(Base):
    """Province → universities → departments. ``path`` ("/1/10/11/") makes "X and below" one indexed prefix query."""

    __tablename__ = "organisation"
    __table_args__ = (Index("uq_organisation_university_code", "code", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    level: Mapped[str] = mapped_column(String(16))  # province | university | department
    type: Mapped[str | None] = mapped_column(String(32))  # universities only
    name: Mapped[str] = mapped_column(String(200))
    #: universities: the 10-digit national institution code; departments: an optional code unique in the province
    code: Mapped[str | None] = mapped_column(String(32))
    #: universities only: the GB/T 2260 code of the province's city (地级市) it stands in (orgs/cities.py)
    city: Mapped[str | None] = mapped_column(String(6))
    university_id: Mapped[int | None] = mapped_column(Integer, index=True)
    path: Mapped[str] = mapped_column(String(255), index=True, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
