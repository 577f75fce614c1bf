"""The evaluation service's declarative base and its audit trail; domain packages add their own models."""

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
    import evaluation.annual.models
    import evaluation.assessment.models
    import evaluation.attachments.models
    import evaluation.campaigns.models
    import evaluation.cases.models
    import evaluation.events.models
    import evaluation.nominations.models
    import evaluation.results.models
    import evaluation.review.models  # noqa: F401
