"""create annual_summary: the universities' annual summaries (年度总结, issue #19)

Revision ID: a7d3c2e19b54
Revises: 3c2e667066c8
Create Date: 2026-12-04 21:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sanquan_kernel.db

revision: str = "a7d3c2e19b54"
down_revision: str | None = "3c2e667066c8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "annual_summary",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("university_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("figures_at", sanquan_kernel.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("narrative", sa.JSON(), nullable=False),
        sa.Column("submitted_at", sanquan_kernel.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("submitted_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sanquan_kernel.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("review_comment", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sanquan_kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sanquan_kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_annual_summary")),
        sa.UniqueConstraint("university_id", "year", name=op.f("uq_annual_summary_university_id_year")),
    )
    with op.batch_alter_table("annual_summary", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_annual_summary_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_annual_summary_university_id"), ["university_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_annual_summary_year"), ["year"], unique=False)


def downgrade() -> None:
    op.drop_table("annual_summary")
