"""create audit entry (the kernel's audit table, ``sanquan_kernel.migrate.create_audit_entry_table``)

Revision ID: 837d842dfeef
Revises:
Create Date: 2026-11-26 00:09:22.829475
"""

from collections.abc import Sequence

from sanquan_kernel.migrate import create_audit_entry_table, drop_audit_entry_table


revision: str = "837d842dfeef"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_audit_entry_table()


def downgrade() -> None:
    drop_audit_entry_table()
