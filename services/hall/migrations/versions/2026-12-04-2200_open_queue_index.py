"""the open queue's partial index: a department's new and accepted requests in due order (S1 figures)

Revision ID: h20a0c0e1a03
Revises: h20a0c0e1a02
Create Date: 2026-12-04 22:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "h20a0c0e1a03"
down_revision: str | None = "h20a0c0e1a02"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("status IN ('new', 'accepted')")


def upgrade() -> None:
    with op.batch_alter_table("hall_request", schema=None) as batch_op:
        batch_op.create_index(
            "ix_hall_request_open_queue",
            ["department_id", "resolve_due_at", "id"],
            unique=False,
            postgresql_where=OPEN,
            sqlite_where=OPEN,
        )


def downgrade() -> None:
    with op.batch_alter_table("hall_request", schema=None) as batch_op:
        batch_op.drop_index("ix_hall_request_open_queue", postgresql_where=OPEN, sqlite_where=OPEN)
