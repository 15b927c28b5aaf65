"""The read model of the published catalogue (hub.published_catalogue); known agencies follow their changes.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hub.published_catalogue.migrations import create_published_entries_table

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_published_entries_table()
    op.add_column("known_agencies", sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("known_agencies", "changed_at")
    op.drop_table("published_entries")
