"""create outbox: events written in the transaction of the change, relayed to the gateway (issue #18)

Revision ID: 3c2e667066c8
Revises: e7b3d5a2c9f1
Create Date: 2026-12-04 16:40:00
"""

from collections.abc import Sequence

from sanquan_kernel.migrate import create_outbox_table, drop_outbox_table


revision: str = "3c2e667066c8"
down_revision: str | None = "e7b3d5a2c9f1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_outbox_table()


def downgrade() -> None:
    drop_outbox_table()
