"""create attachment: files attached to records, self-reports and courses (issue #16)

Revision ID: 5e1c0a7d2f16
Revises: 0dea9bf229f7
Create Date: 2026-12-03 18:00:00
"""

from collections.abc import Sequence

from sanquan_kernel.migrate import create_attachment_table, drop_attachment_table


revision: str = "5e1c0a7d2f16"
down_revision: str | None = "0dea9bf229f7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_attachment_table()


def downgrade() -> None:
    drop_attachment_table()
