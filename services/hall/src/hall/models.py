"""The service hall's declarative base, its audit trail, outbox and schedule; domain packages add their models."""

from sqlalchemy.orm import DeclarativeBase

from sanquan_kernel.audit import AuditMixin
from sanquan_kernel.db import new_metadata
from sanquan_kernel.outbox import OutboxMixin
from sanquan_kernel.schedule import ScheduledJobMixin


class Base(DeclarativeBase):
    metadata = new_metadata()


class AuditEntry(AuditMixin, Base):
    __tablename__ = "audit_entry"


class OutboxEvent(OutboxMixin, Base):
    """Events for the gateway, written in the transaction of the change (``sanquan_kernel.outbox``)."""

    __tablename__ = "outbox"


class ScheduledJob(ScheduledJobMixin, Base):
    """The promise timers' job (``sanquan_kernel.schedule``)."""

    __tablename__ = "scheduled_job"


def load_all_models() -> None:
    """Import every domain package's models so that Base.metadata is complete (Alembic, tests)."""
    import hall.attachments.models
    import hall.places.models
    import hall.requests.models
    import hall.rules.models  # noqa: F401
