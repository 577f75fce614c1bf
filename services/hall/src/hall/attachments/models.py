"""The service hall's attachment rows (the kernel's ``AttachmentMixin``); the files are in its storage."""

from __future__ import annotations

from hall.models import Base
from sanquan_kernel.storage import AttachmentMixin


class Attachment(AttachmentMixin, Base):
    __tablename__ = "attachment"
