"""course.source_ref: a course declared by another service (an event declared a training, issue #19)

Revision ID: 6c1d9e3a4f70
Revises: 4b2780b28989
Create Date: 2026-12-05 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "6c1d9e3a4f70"
down_revision: str | None = "4b2780b28989"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("course", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_ref", sa.String(length=100), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_course_source_ref"), ["source_ref"])


def downgrade() -> None:
    with op.batch_alter_table("course", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_course_source_ref"), type_="unique")
        batch_op.drop_column("source_ref")
