"""Attachment metadata in a service's own database: a mixin for its table, and the cleanup of uploads never
attached to anything.

A service declares ``class Attachment(AttachmentMixin, Base): __tablename__ = "attachment"`` (and a migration);
the row says which stored object (``sha256``, in the service's storage namespace), its checked size, media type
and the name shown, who uploaded it (``uploaded_by``, the account id) in which university and department (for
``Scope.where``), and what it is attached to (``owner_kind``/``owner_id``: None until the upload is attached).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import BigInteger, Index, Integer, String, delete, exists, select
from sqlalchemy.orm import Mapped, Session, declared_attr, mapped_column

from sanquan_kernel.db import UTCDateTime, utcnow
from sanquan_kernel.storage.backends import Storage

log = logging.getLogger("sanquan.storage")

#: Uploads not attached to anything after this long are removed by ``cleanup_orphans``.
ORPHAN_AFTER = timedelta(days=1)


class AttachmentMixin:
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    media_type: Mapped[str] = mapped_column(String(100))
    original_name: Mapped[str] = mapped_column(String(255))
    owner_kind: Mapped[str | None] = mapped_column(String(40))
    owner_id: Mapped[int | None] = mapped_column(Integer)
    university_id: Mapped[int | None] = mapped_column(Integer, index=True)
    department_id: Mapped[int | None] = mapped_column(Integer)
    uploaded_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Index, ...]:
        return (Index(f"ix_{cls.__tablename__}_owner", "owner_kind", "owner_id"),)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Cleanup:
    rows: int
    objects: int


def cleanup_orphans(
    session: Session,
    model: type[AttachmentMixin],
    storage: Storage,
    *,
    older_than: timedelta = ORPHAN_AFTER,
    now: datetime | None = None,
    batch: int = 1000,
) -> Cleanup:
    """Remove the rows of uploads never attached (no owner) created more than ``older_than`` ago, commit, then
    remove each of their stored objects that no row of ``model`` names any more and that nobody uploaded again
    since (an upload of the same content renews the object's time, so it is not taken from under a new row);
    temporary files as old (uploads cut off by a killed process or a cancelled request) go too. Run it from a
    periodic job with a session of its own; it commits."""
    cutoff = (now or utcnow()) - older_than
    rows = objects = 0
    storage.sweep_spool(older_than.total_seconds())
    while True:
        found = session.execute(
            select(model.id, model.sha256)
            .where(model.owner_id.is_(None), model.owner_kind.is_(None), model.created_at < cutoff)
            .order_by(model.id)
            .limit(batch)
        ).all()
        if not found:
            return Cleanup(rows, objects)
        session.execute(delete(model).where(model.id.in_([r.id for r in found])))
        session.commit()
        rows += len(found)
        for sha256 in sorted({r.sha256 for r in found}):
            if session.scalar(select(exists().where(model.sha256 == sha256))):
                continue
            stat = storage.stat(sha256)
            if stat is not None and stat[1] < cutoff:
                storage.delete(sha256)
                objects += 1
        session.commit()
        log.info("orphan uploads removed: %d rows, %d stored objects", rows, objects)
