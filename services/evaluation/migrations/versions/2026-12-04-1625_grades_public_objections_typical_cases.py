"""assessment grade bands, public objections and fields, typical cases (issue #19)

Revision ID: e7b3d5a2c9f1
Revises: c4a9e2b71f16
Create Date: 2026-12-04 16:25:28.532731
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sanquan_kernel.db


revision: str = "e7b3d5a2c9f1"
down_revision: str | None = "c4a9e2b71f16"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "typical_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("story", sa.Text(), nullable=False),
        sa.Column("university_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("published", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("published_at", sanquan_kernel.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", sanquan_kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sanquan_kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_typical_case")),
    )
    with op.batch_alter_table("typical_case", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_typical_case_published"), ["published"], unique=False)
        batch_op.create_index(batch_op.f("ix_typical_case_university_id"), ["university_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_typical_case_year"), ["year"], unique=False)

    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public_fields", sa.JSON(), nullable=True))

    with op.batch_alter_table("indicator_framework", schema=None) as batch_op:
        batch_op.add_column(sa.Column("grade_thresholds", sa.JSON(), nullable=True))

    with op.batch_alter_table("objection", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("contact_name", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("contact", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("client_key", sa.String(length=64), nullable=True))
        batch_op.alter_column("university_id", existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_index(batch_op.f("ix_objection_client_key"), ["client_key"], unique=False)


def downgrade() -> None:
    # objections from the public have no university: they cannot outlive the column becoming required again
    op.execute(sa.text("DELETE FROM objection WHERE university_id IS NULL"))

    with op.batch_alter_table("objection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_objection_client_key"))
        batch_op.alter_column("university_id", existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column("client_key")
        batch_op.drop_column("contact")
        batch_op.drop_column("contact_name")
        batch_op.drop_column("public")

    with op.batch_alter_table("indicator_framework", schema=None) as batch_op:
        batch_op.drop_column("grade_thresholds")

    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_column("public_fields")

    with op.batch_alter_table("typical_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_typical_case_year"))
        batch_op.drop_index(batch_op.f("ix_typical_case_university_id"))
        batch_op.drop_index(batch_op.f("ix_typical_case_published"))

    op.drop_table("typical_case")
