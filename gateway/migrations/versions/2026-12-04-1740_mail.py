"""mail: e-mail preferences, mailed notifications and the gateway's durable schedule (issue #18)

Revision ID: m18c4a9e7d15
Revises: w18b7e2c9f04
Create Date: 2026-12-04 17:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from sanquan_kernel.db import UTCDateTime
from sanquan_kernel.schedule import create_scheduled_job_table, drop_scheduled_job_table

revision: str = "m18c4a9e7d15"
down_revision: str | None = "w18b7e2c9f04"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mail_preference",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("since", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_mail_preference_user_id_user_account"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_mail_preference")),
    )
    op.create_table(
        "mail_delivery",
        sa.Column("notification_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("sent_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["notification_id"],
            ["notification.id"],
            name=op.f("fk_mail_delivery_notification_id_notification"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("notification_id", name=op.f("pk_mail_delivery")),
    )
    with op.batch_alter_table("mail_delivery", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mail_delivery_user_id"), ["user_id"], unique=False)
    create_scheduled_job_table()


def downgrade() -> None:
    drop_scheduled_job_table()
    with op.batch_alter_table("mail_delivery", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mail_delivery_user_id"))
    op.drop_table("mail_delivery")
    op.drop_table("mail_preference")
