"""create scheduled_job: the durable schedule of the reminder jobs (issue #18)

Revision ID: 5c1e0d7a9b42
Revises: 762cdad1fd97
Create Date: 2026-12-04 17:00:00
"""

from collections.abc import Sequence

from sanquan_kernel.schedule import create_scheduled_job_table, drop_scheduled_job_table

revision: str = "5c1e0d7a9b42"
down_revision: str | None = "762cdad1fd97"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_scheduled_job_table()


def downgrade() -> None:
    drop_scheduled_job_table()
