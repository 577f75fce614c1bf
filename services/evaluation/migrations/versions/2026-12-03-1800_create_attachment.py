"""create attachment: files attached to nominations (issue #16)

Revision ID: c4a9e2b71f16
Revises: 537ea1159318
Create Date: 2026-12-03 18:00:00
"""

from collections.abc import Sequence

from sanquan_kernel.migrate import create_attachment_table, drop_attachment_table


revision: str = "c4a9e2b71f16"
down_revision: str | None = "537ea1159318"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_attachment_table()


def downgrade() -> None:
    drop_attachment_table()
