"""The read model of the published catalogue and the agency registry (hub.published_catalogue).

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

from hub.published_catalogue.migrations import create_known_agencies_table, create_published_entries_table

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_published_entries_table()
    create_known_agencies_table()


def downgrade() -> None:
    op.drop_table("known_agencies")
    op.drop_table("published_entries")
