"""create attachment: files attached to plans, milestones, progress reports and letters (issue #16)

Revision ID: 8b2d6e4f1a16
Revises: 3c365eaaa754
Create Date: 2026-12-03 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from sanquan_kernel.migrate import create_attachment_table, drop_attachment_table


revision: str = "8b2d6e4f1a16"
down_revision: str | None = "3c365eaaa754"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_attachment_table(sa.Column("purpose", sa.String(length=40), nullable=True))


def downgrade() -> None:
    drop_attachment_table()
