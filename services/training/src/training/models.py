"""The training service's declarative base and its audit trail; domain packages add their own models."""

from sqlalchemy import JSON
from sqlalchemy.orm import DeclarativeBase

from sanquan_kernel.audit import AuditMixin
from sanquan_kernel.db import new_metadata
from sanquan_kernel.outbox import OutboxMixin

JSON_TYPE = JSON


class Base(DeclarativeBase):
    metadata = new_metadata()


class AuditEntry(AuditMixin, Base):
    __tablename__ = "audit_entry"


class OutboxEvent(OutboxMixin, Base):
    """Events for the gateway, written in the transaction of the change (``sanquan_kernel.outbox``, #18)."""

    __tablename__ = "outbox"


def load_all_models() -> None:
    """Import every domain package's models so that Base.metadata is complete (Alembic, tests)."""
    import training.attachments.models
    import training.compliance.models
    import training.courses.models
    import training.records.models
    import training.self_reports.models
    import training.staff.models  # noqa: F401
