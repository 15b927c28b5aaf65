"""Outbox and inbox.

Revision ID: 0001
Revises:
"""

from collections.abc import Sequence

from alembic import op

from hub.migrations import create_messaging_tables

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_messaging_tables()


def downgrade() -> None:
    op.drop_table("inbox")
    op.drop_table("outbox")
    op.execute("DROP FUNCTION notify_outbox()")
