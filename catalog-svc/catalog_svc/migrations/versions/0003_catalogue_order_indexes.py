"""Indexes that let catalogue and review-queue pages stop after one page in code order.

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_entry_versions_catalogue", "entry_versions", ["code"], postgresql_where=sa.text("is_published_current")
    )
    op.create_index(
        "ix_entry_versions_queue", "entry_versions", ["state", "code"], postgresql_where=sa.text("is_latest")
    )


def downgrade() -> None:
    op.drop_index("ix_entry_versions_queue", table_name="entry_versions")
    op.drop_index("ix_entry_versions_catalogue", table_name="entry_versions")
