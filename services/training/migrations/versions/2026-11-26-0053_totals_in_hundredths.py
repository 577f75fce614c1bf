"""totals in hundredths: staff_year_total keeps whole hundredths of hours and days in BIGINT columns

Exact on every database (SQLite does NUMERIC arithmetic in floating point) and cheaper to sum in the province
reports than NUMERIC. Existing totals are converted (x100, rounded).

Revision ID: 0dea9bf229f7
Revises: b6a181eac4ff
Create Date: 2026-11-26 00:53:32.124759
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0dea9bf229f7"
down_revision: str | None = "b6a181eac4ff"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AMOUNTS = ["hours", "days"] + [
    f"{t}_{m}" for t in ("ideals", "ideology", "ethics", "quality", "law", "safety") for m in ("hours", "days")
]


def upgrade() -> None:
    with op.batch_alter_table("staff_year_total", schema=None) as batch_op:
        for name in AMOUNTS:
            batch_op.add_column(sa.Column(f"{name}_x100", sa.BigInteger(), nullable=False, server_default="0"))
    op.execute(
        "UPDATE staff_year_total SET "
        + ", ".join(f"{name}_x100 = CAST(ROUND({name} * 100) AS BIGINT)" for name in AMOUNTS)
    )
    with op.batch_alter_table("staff_year_total", schema=None) as batch_op:
        for name in AMOUNTS:
            batch_op.alter_column(f"{name}_x100", server_default=None)
            batch_op.drop_column(name)


def downgrade() -> None:
    with op.batch_alter_table("staff_year_total", schema=None) as batch_op:
        for name in AMOUNTS:
            batch_op.add_column(sa.Column(name, sa.NUMERIC(precision=10, scale=2), nullable=False, server_default="0"))
    op.execute("UPDATE staff_year_total SET " + ", ".join(f"{name} = {name}_x100 / 100.0" for name in AMOUNTS))
    with op.batch_alter_table("staff_year_total", schema=None) as batch_op:
        for name in AMOUNTS:
            batch_op.alter_column(name, server_default=None)
            batch_op.drop_column(f"{name}_x100")
