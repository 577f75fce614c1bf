"""hall notifications: a notification is told either to an account (``user_id``) or to a service-hall identity
(``hall_identity_id``, a student or teacher told of their own request's changes, issue #20)

Revision ID: h20n4b8d2c61
Revises: h20a7c3e5b91
Create Date: 2026-12-05 03:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "h20n4b8d2c61"
down_revision: str | None = "h20a7c3e5b91"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hall_identity_id", sa.Integer(), nullable=True))
        batch_op.alter_column("user_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_unique_constraint(
            batch_op.f("uq_notification_hall_identity_id_event_id"), ["hall_identity_id", "event_id"]
        )
        batch_op.create_index("ix_notification_hall_unread", ["hall_identity_id", "read_at"], unique=False)
        batch_op.create_check_constraint("one_recipient", "(user_id IS NULL) <> (hall_identity_id IS NULL)")


def downgrade() -> None:
    op.execute("DELETE FROM notification WHERE user_id IS NULL")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_notification_one_recipient"), type_="check")
        batch_op.drop_index("ix_notification_hall_unread")
        batch_op.drop_constraint(batch_op.f("uq_notification_hall_identity_id_event_id"), type_="unique")
        batch_op.alter_column("user_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("hall_identity_id")
