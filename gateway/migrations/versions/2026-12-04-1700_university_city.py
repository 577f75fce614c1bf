"""a university's city (地级市, GB/T 2260 code) for the province's big screen

Revision ID: 9b3c1e7a2d41
Revises: e18a0c3b5d21
Create Date: 2026-12-04 17:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9b3c1e7a2d41"
down_revision: str | None = "e18a0c3b5d21"  # after the events table (#18), in the shared tree
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD/DROP COLUMN (SQLite has both): a batch copy of organisation would drop a table others refer to.
    op.add_column("organisation", sa.Column("city", sa.String(length=6), nullable=True))


def downgrade() -> None:
    op.drop_column("organisation", "city")
