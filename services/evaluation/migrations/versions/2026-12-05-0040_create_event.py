"""create event, event_university, event_campaign: events organised around the campaigns (E4, issue #19)

Revision ID: e4c19a0b7d21
Revises: a7d3c2e19b54
Create Date: 2026-12-05 00:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sanquan_kernel.db

revision: str = "e4c19a0b7d21"
down_revision: str | None = "a7d3c2e19b54"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("organiser", sa.String(length=16), nullable=False),
        sa.Column("university_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("agenda", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("expected_participants", sa.Integer(), nullable=True),
        sa.Column("participants", sa.Integer(), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("training_hours", sa.Numeric(precision=8, scale=2), nullable=True),
        sa.Column("training_days", sa.Numeric(precision=8, scale=2), nullable=True),
        sa.Column("training_themes", sa.JSON(), nullable=True),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("declared_at", sanquan_kernel.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sanquan_kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sanquan_kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event")),
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_kind"), ["kind"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_organiser"), ["organiser"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_starts_on"), ["starts_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_university_id"), ["university_id"], unique=False)
    op.create_table(
        "event_university",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("university_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("fk_event_university_event_id_event"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("event_id", "university_id", name=op.f("pk_event_university")),
    )
    with op.batch_alter_table("event_university", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_university_university_id"), ["university_id"], unique=False)
    op.create_table(
        "event_campaign",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_event_campaign_campaign_id_campaign"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("fk_event_campaign_event_id_event"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("event_id", "campaign_id", name=op.f("pk_event_campaign")),
    )
    with op.batch_alter_table("event_campaign", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_campaign_campaign_id"), ["campaign_id"], unique=False)


def downgrade() -> None:
    op.drop_table("event_campaign")
    op.drop_table("event_university")
    op.drop_table("event")
