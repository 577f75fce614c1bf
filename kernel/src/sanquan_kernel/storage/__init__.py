"""Files and evidence (issue #16): content-addressed storage on the filesystem or S3, intake checks, safe
downloads, metadata removal for blind review, and the attachment table's mixin.

Typical use in a service::

    storage = make_storage("evaluation")
    policy = IntakePolicy.from_settings()
    with await aintake(storage, request.stream(), filename=name, policy=policy,
                       declared_size=content_length) as accepted:
        await storage.acommit(accepted.file)     # a worker thread: it may upload to S3
        session.add(Attachment(sha256=accepted.sha256, size=accepted.size, media_type=accepted.media_type,
                               original_name=accepted.filename, ...))
    ...
    return storage.download(row.sha256, filename=row.original_name, media_type=row.media_type)
"""

from sanquan_kernel.storage.api import AttachmentOut, Attachments, Owner, OwnerAccess
from sanquan_kernel.storage.backends import (
    Blob,
    FilesystemStorage,
    S3Storage,
    Spooled,
    Storage,
    make_storage,
)
from sanquan_kernel.storage.checks import KINDS, Accepted, IntakePolicy, aintake, intake, sniff, thumbnail
from sanquan_kernel.storage.metadata import strip_metadata
from sanquan_kernel.storage.models import AttachmentMixin, Cleanup, cleanup_orphans
from sanquan_kernel.storage.names import content_disposition, download_headers, safe_filename

__all__ = [
    "KINDS",
    "Accepted",
    "AttachmentMixin",
    "AttachmentOut",
    "Attachments",
    "Blob",
    "Cleanup",
    "FilesystemStorage",
    "IntakePolicy",
    "Owner",
    "OwnerAccess",
    "S3Storage",
    "Spooled",
    "Storage",
    "aintake",
    "cleanup_orphans",
    "content_disposition",
    "download_headers",
    "intake",
    "make_storage",
    "safe_filename",
    "sniff",
    "strip_metadata",
    "thumbnail",
]
