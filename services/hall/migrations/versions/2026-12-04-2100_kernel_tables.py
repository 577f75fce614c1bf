"""kernel tables: the audit trail, the outbox, attachments and the durable schedule (sanquan_kernel.migrate)

Revision ID: h20a0c0e1a01
Revises:
Create Date: 2026-12-04 21:00:00
"""

from collections.abc import Sequence

from sanquan_kernel.migrate import (
    create_attachment_table,
    create_audit_entry_table,
    create_outbox_table,
    drop_attachment_table,
    drop_audit_entry_table,
    drop_outbox_table,
)
from sanquan_kernel.schedule import create_scheduled_job_table, drop_scheduled_job_table

revision: str = "h20a0c0e1a01"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_audit_entry_table()
    create_outbox_table()
    create_attachment_table()
    create_scheduled_job_table()


def downgrade() -> None:
    drop_scheduled_job_table()
    drop_attachment_table()
    drop_outbox_table()
    drop_audit_entry_table()
