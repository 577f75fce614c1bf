"""create outbox: events written in the transaction of the change, relayed to the gateway (issue #18)

Revision ID: 762cdad1fd97
Revises: 63e7554e9105
Create Date: 2026-12-04 16:40:00
"""

from collections.abc import Sequence

from sanquan_kernel.migrate import create_outbox_table, drop_outbox_table


revision: str = "762cdad1fd97"
down_revision: str | None = "63e7554e9105"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_outbox_table()


def downgrade() -> None:
    drop_outbox_table()
