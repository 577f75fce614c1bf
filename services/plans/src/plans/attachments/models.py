"""The plans service's attachment rows (the kernel's ``AttachmentMixin``) with what a plan's document is for."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from plans.models import Base
from sanquan_kernel.storage import AttachmentMixin

#: What a plan's document is: its rules (细则), a system (制度), the scan of a signed letter, or something else.
PURPOSES = ("rules", "system", "letter_scan", "other")


class Attachment(AttachmentMixin, Base):
    __tablename__ = "attachment"

    purpose: Mapped[str | None] = mapped_column(String(40))
