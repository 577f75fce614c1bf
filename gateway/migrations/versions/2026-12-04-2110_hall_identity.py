"""hall identity: the service hall's students and teachers, each university's campus SSO, sign-ins under way, and
refresh tokens of hall identities (issue #20)

Revision ID: h20a7c3e5b91
Revises: m18c4a9e7d15
Create Date: 2026-12-04 21:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from sanquan_kernel.db import UTCDateTime

revision: str = "h20a7c3e5b91"
down_revision: str | None = "m18c4a9e7d15"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hall_identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("university_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=True),
        sa.Column("disabled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("activation_code_hash", sa.String(length=64), nullable=True),
        sa.Column("activation_expires_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_sign_in_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["university_id"], ["organisation.id"], name=op.f("fk_hall_identity_university_id_organisation")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hall_identity")),
        sa.UniqueConstraint("university_id", "number", name=op.f("uq_hall_identity_university_id_number")),
    )
    op.create_index(op.f("ix_hall_identity_university_id"), "hall_identity", ["university_id"], unique=False)
    op.create_table(
        "hall_sso_config",
        sa.Column("university_id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("client_secret_encrypted", sa.String(length=1000), nullable=False),
        sa.Column("number_claim", sa.String(length=64), nullable=False),
        sa.Column("kind_claim", sa.String(length=64), nullable=True),
        sa.Column("default_kind", sa.String(length=16), nullable=False),
        sa.Column("scopes", sa.String(length=255), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["university_id"], ["organisation.id"], name=op.f("fk_hall_sso_config_university_id_organisation")
        ),
        sa.PrimaryKeyConstraint("university_id", name=op.f("pk_hall_sso_config")),
    )
    op.create_table(
        "hall_sso_state",
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("university_id", sa.Integer(), nullable=False),
        sa.Column("browser_hash", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=100), nullable=False),
        sa.Column("code_verifier", sa.String(length=128), nullable=False),
        sa.Column("issuer", sa.String(length=500), nullable=False),
        sa.Column("client_id", sa.String(length=255), nullable=False),
        sa.Column("next_path", sa.String(length=500), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("state_hash", name=op.f("pk_hall_sso_state")),
    )
    op.create_index(op.f("ix_hall_sso_state_expires_at"), "hall_sso_state", ["expires_at"], unique=False)
    # A refresh token belongs to an account or to a hall identity (the batch copy: SQLite cannot drop NOT NULL).
    with op.batch_alter_table("refresh_token", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hall_identity_id", sa.Integer(), nullable=True))
        batch_op.alter_column("user_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_index(batch_op.f("ix_refresh_token_hall_identity_id"), ["hall_identity_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_refresh_token_hall_identity_id_hall_identity"), "hall_identity", ["hall_identity_id"], ["id"]
        )


def downgrade() -> None:
    op.execute("DELETE FROM refresh_token WHERE user_id IS NULL")
    with op.batch_alter_table("refresh_token", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_refresh_token_hall_identity_id_hall_identity"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_refresh_token_hall_identity_id"))
        batch_op.alter_column("user_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column("hall_identity_id")
    op.drop_index(op.f("ix_hall_sso_state_expires_at"), table_name="hall_sso_state")
    op.drop_table("hall_sso_state")
    op.drop_table("hall_sso_config")
    op.drop_index(op.f("ix_hall_identity_university_id"), table_name="hall_identity")
    op.drop_table("hall_identity")
