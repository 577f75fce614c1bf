"""The training service's attachment rows (the kernel's ``AttachmentMixin``); the files are in its storage."""

from __future__ import annotations

from sanquan_kernel.storage import AttachmentMixin
from training.models import Base


class Attachment(AttachmentMixin, Base):
    __tablename__ = "attachment"
