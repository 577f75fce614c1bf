"""sign-in defences: must_change_password, a session's start on refresh tokens, security events in the audit log

Revision ID: 7d2e5a1f9c30
Revises: 4c969bee68c4
Create Date: 2026-12-03 14:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sanquan_kernel.db

revision: str = "7d2e5a1f9c30"
down_revision: str | None = "4c969bee68c4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SECURITY_ACTIONS = (
    "login.failure",
    "login.throttled",
    "client.failure",
    "client.throttled",
    "token.reuse_detected",
    "user.password_change",
    "user.password_reset",
)


def upgrade() -> None:
    # Plain ADD COLUMN (SQLite has it): a batch copy of user_account would have to drop a table others refer to.
    op.add_column(
        "user_account", sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    op.add_column(
        "refresh_token", sa.Column("session_started_at", sanquan_kernel.db.UTCDateTime(timezone=True), nullable=True)
    )
    # A family's start: the oldest token of the family (its first sign-in) for the sessions open today.
    op.execute(
        "UPDATE refresh_token SET session_started_at = "
        "(SELECT MIN(r.issued_at) FROM refresh_token r WHERE r.family_id = refresh_token.family_id)"
    )
    with op.batch_alter_table("refresh_token", schema=None) as batch_op:
        batch_op.alter_column(
            "session_started_at", existing_type=sanquan_kernel.db.UTCDateTime(timezone=True), nullable=False
        )
    op.add_column("auth_audit", sa.Column("security", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_index(op.f("ix_auth_audit_security"), "auth_audit", ["security"], unique=False)
    audit = sa.table("auth_audit", sa.column("action", sa.String), sa.column("security", sa.Boolean))
    op.execute(audit.update().where(audit.c.action.in_(SECURITY_ACTIONS)).values(security=True))


def downgrade() -> None:
    # DROP COLUMN (SQLite 3.35+) rather than batch copies, for the same reason as above.
    op.drop_index(op.f("ix_auth_audit_security"), table_name="auth_audit")
    op.drop_column("auth_audit", "security")
    op.drop_column("refresh_token", "session_started_at")
    op.drop_column("user_account", "must_change_password")
