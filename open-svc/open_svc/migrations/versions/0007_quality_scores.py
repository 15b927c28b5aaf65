"""The last quality score published of each open dataset (A25.1): DatasetQualityScored is published only when the
figure changes. Empty at first: open-svc's sweep publishes every open dataset's score once it starts.

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "published_quality_scores",
        sa.Column("entry_id", sa.UUID(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("met", sa.Integer(), nullable=False),
        sa.Column("criteria", sa.Integer(), nullable=False),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_published_quality_scores")),
    )


def downgrade() -> None:
    op.drop_table("published_quality_scores")
