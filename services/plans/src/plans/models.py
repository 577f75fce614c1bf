"""The plans service's declarative base and its audit trail; domain packages add their own models."""

from sqlalchemy.orm import DeclarativeBase

from sanquan_kernel.audit import AuditMixin
from sanquan_kernel.db import new_metadata
from sanquan_kernel.outbox import OutboxMixin


class Base(DeclarativeBase):
    metadata = new_metadata()


class AuditEntry(AuditMixin, Base):
    __tablename__ = "audit_entry"


class OutboxEvent(OutboxMixin, Base):
    """Events for the gateway, written in the transaction of the change (``sanquan_kernel.outbox``, #18)."""

    __tablename__ = "outbox"


def load_all_models() -> None:
    """Import every domain package's models so that Base.metadata is complete (Alembic, tests)."""
    import plans.attachments.models
    import plans.letters.models
    import plans.notices.models
    import plans.plan.models
    import plans.reminders.models
    import plans.resources.models
    import plans.supervision.models
    import plans.tasks.models  # noqa: F401
