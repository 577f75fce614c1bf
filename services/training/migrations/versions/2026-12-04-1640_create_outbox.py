"""create outbox: events written in the transaction of the change, relayed to the gateway (issue #18)

Revision ID: 4b2780b28989
Revises: 5e1c0a7d2f16
Create Date: 2026-12-04 16:40:00
"""

from collections.abc import Sequence

from sanquan_kernel.migrate import create_outbox_table, drop_outbox_table


revision: str = "4b2780b28989"
down_revision: str | None = "5e1c0a7d2f16"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_outbox_table()


def downgrade() -> None:
    drop_outbox_table()
