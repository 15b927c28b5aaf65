"""The read model of share grants every delivery to another agency is checked against (A21.1)

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ISSUED_COMPLETE = (
    "issued_at IS NULL OR (application_id IS NOT NULL AND consumer_agency_id IS NOT NULL "
    "AND provider_agency_id IS NOT NULL AND items IS NOT NULL AND purpose IS NOT NULL "
    "AND valid_from IS NOT NULL AND valid_until IS NOT NULL)"
)


def upgrade() -> None:
    op.create_table(
        "grants",
        sa.Column("grant_id", sa.UUID(), nullable=False),
        sa.Column("entry_id", sa.UUID(), nullable=False),
        sa.Column("application_id", sa.UUID(), nullable=True),
        sa.Column("consumer_agency_id", sa.UUID(), nullable=True),
        sa.Column("provider_agency_id", sa.UUID(), nullable=True),
        sa.Column("items", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("purpose", sa.Text(), nullable=True),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=True),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("narrowed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.Text(), nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=True),
        sa.Column("fingerprint_key", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint(ISSUED_COMPLETE, name=op.f("ck_grants_issued_complete")),
        sa.PrimaryKeyConstraint("grant_id", name=op.f("pk_grants")),
    )
    op.create_index("ix_grants_consumer_agency_id_entry_id", "grants", ["consumer_agency_id", "entry_id"], unique=False)
    op.create_index("ix_grants_entry_id", "grants", ["entry_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_grants_entry_id", table_name="grants")
    op.drop_index("ix_grants_consumer_agency_id_entry_id", table_name="grants")
    op.drop_table("grants")
