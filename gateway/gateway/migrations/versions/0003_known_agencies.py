"""The agency read model fed by catalog.events

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
    op.create_table(
        "known_agencies",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_known_agencies")),
        sa.UniqueConstraint("credit_code", name=op.f("uq_known_agencies_credit_code")),
    )


def downgrade() -> None:
    op.drop_table("known_agencies")
