"""Jobs: long work (catalogue imports) queued by a request and polled by its submitter (hub.jobs).

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

from hub.jobs import create_jobs_table, drop_jobs_table

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_jobs_table()


def downgrade() -> None:
    drop_jobs_table()
