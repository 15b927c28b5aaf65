"""The agency a demand asks data of, and its region (A27.1), so the indicator system counts demands for them (A32.1).
Both stay empty for a demand naming no agency (the city's), and for the demands recorded before: their events named
neither.

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("demands", sa.Column("agency_id", UUID(as_uuid=True), nullable=True))
    op.add_column("demands", sa.Column("region_code", sa.String(12), nullable=True))


def downgrade() -> None:
    op.drop_column("demands", "region_code")
    op.drop_column("demands", "agency_id")
