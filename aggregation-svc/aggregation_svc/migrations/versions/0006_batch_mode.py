"""how a batch's rows changed the records they found: replace or merge

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Every batch before this one replaced the records it found: that was the only mode.
    op.add_column("batches", sa.Column("mode", sa.String(10), nullable=False, server_default="replace"))


def downgrade() -> None:
    op.drop_column("batches", "mode")
