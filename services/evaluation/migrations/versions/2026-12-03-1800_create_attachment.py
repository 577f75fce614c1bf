"""create attachment: files attached to nominations (issue #16)

Revision ID: c4a9e2b71f16
Revises: 537ea1159318
Create Date: 2026-12-03 18:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sanquan_kernel.db


revision: str = "c4a9e2b71f16"
down_revision: str | None = "537ea1159318"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("owner_kind", sa.String(length=40), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("university_id", sa.Integer(), nullable=True),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sanquan_kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", sanquan_kernel.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachment")),
    )
    op.create_index("ix_attachment_owner", "attachment", ["owner_kind", "owner_id"], unique=False)
    op.create_index(op.f("ix_attachment_sha256"), "attachment", ["sha256"], unique=False)
    op.create_index(op.f("ix_attachment_university_id"), "attachment", ["university_id"], unique=False)
    op.create_index(op.f("ix_attachment_created_at"), "attachment", ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_attachment_created_at"), table_name="attachment")
    op.drop_index(op.f("ix_attachment_university_id"), table_name="attachment")
    op.drop_index(op.f("ix_attachment_sha256"), table_name="attachment")
    op.drop_index("ix_attachment_owner", table_name="attachment")
    op.drop_table("attachment")
