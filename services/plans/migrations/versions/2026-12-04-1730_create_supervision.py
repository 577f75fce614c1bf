"""create supervision: visits, the universities visited, findings and rectifications (issue #19)

Revision ID: 3f8a1c6d2b90
Revises: 5c1e0d7a9b42
Create Date: 2026-12-04 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import sanquan_kernel.db


revision: str = "3f8a1c6d2b90"
down_revision: str | None = "5c1e0d7a9b42"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "supervision_visit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("team", sa.String(length=500), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sanquan_kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sanquan_kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_visit")),
    )
    with op.batch_alter_table("supervision_visit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_supervision_visit_year"), ["year"], unique=False)

    op.create_table(
        "supervision_visit_university",
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("university_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["visit_id"],
            ["supervision_visit.id"],
            name=op.f("fk_supervision_visit_university_visit_id_supervision_visit"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("visit_id", "university_id", name=op.f("pk_supervision_visit_university")),
    )
    with op.batch_alter_table("supervision_visit_university", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_supervision_visit_university_university_id"), ["university_id"], unique=False
        )

    op.create_table(
        "supervision_finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("university_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sanquan_kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sanquan_kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["visit_id"],
            ["supervision_visit.id"],
            name=op.f("fk_supervision_finding_visit_id_supervision_visit"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_supervision_finding")),
    )
    with op.batch_alter_table("supervision_finding", schema=None) as batch_op:
        for col in ("visit_id", "year", "university_id", "department_id"):
            batch_op.create_index(batch_op.f(f"ix_supervision_finding_{col}"), [col], unique=False)

    op.create_table(
        "rectification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("university_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("responded_at", sanquan_kernel.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("responded_by", sa.String(length=100), nullable=True),
        sa.Column("verified_at", sanquan_kernel.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("verified_by", sa.String(length=100), nullable=True),
        sa.Column("verification_note", sa.Text(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("escalated_at", sanquan_kernel.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", sanquan_kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sanquan_kernel.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["finding_id"],
            ["supervision_finding.id"],
            name=op.f("fk_rectification_finding_id_supervision_finding"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectification")),
    )
    with op.batch_alter_table("rectification", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rectification_finding_id"), ["finding_id"], unique=True)
        for col in ("year", "university_id", "department_id", "due_on", "status"):
            batch_op.create_index(batch_op.f(f"ix_rectification_{col}"), [col], unique=False)


def downgrade() -> None:
    op.drop_table("rectification")
    op.drop_table("supervision_finding")
    op.drop_table("supervision_visit_university")
    op.drop_table("supervision_visit")
