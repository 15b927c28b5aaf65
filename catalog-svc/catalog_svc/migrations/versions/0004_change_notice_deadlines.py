"""Change notices carry hub.deadlines' columns: provisional due dates, announcements made once (A14.2).

`met_on` becomes the deadline's `closed_on`; the state column goes, since it is derived (met when closed, overdue
once announced overdue): notices already flagged overdue count as announced, so they are not announced again.

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Every notice before this revision ran 15 working days (A14.2).
UPDATE_WORKING_DAYS = 15


def upgrade() -> None:
    op.alter_column("change_notices", "met_on", new_column_name="closed_on")
    op.add_column(
        "change_notices",
        sa.Column("working_days", sa.SmallInteger(), nullable=False, server_default=str(UPDATE_WORKING_DAYS)),
    )
    op.alter_column("change_notices", "working_days", server_default=None)
    op.add_column(
        "change_notices", sa.Column("due_provisional", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column("change_notices", sa.Column("approaching_notified_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("change_notices", sa.Column("overdue_notified_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE change_notices SET overdue_notified_at = now() WHERE state = 'overdue'")
    op.drop_column("change_notices", "state")
    op.create_index(
        "ix_change_notices_running", "change_notices", ["due_on"], postgresql_where=sa.text("closed_on IS NULL")
    )


def downgrade() -> None:
    op.drop_index("ix_change_notices_running", table_name="change_notices")
    op.add_column("change_notices", sa.Column("state", sa.String(length=10), nullable=True))
    op.execute(
        "UPDATE change_notices SET state = CASE WHEN closed_on IS NOT NULL THEN 'met' "
        "WHEN overdue_notified_at IS NOT NULL THEN 'overdue' ELSE 'open' END"
    )
    op.alter_column("change_notices", "state", nullable=False)
    op.drop_column("change_notices", "overdue_notified_at")
    op.drop_column("change_notices", "approaching_notified_at")
    op.drop_column("change_notices", "due_provisional")
    op.drop_column("change_notices", "working_days")
    op.alter_column("change_notices", "closed_on", new_column_name="met_on")
