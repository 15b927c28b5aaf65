"""base database columns of the read model, quality snapshots

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 06:00:57.308526
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
        "quality_snapshots",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("entry_id", sa.UUID(), nullable=False),
        sa.Column("agency_id", sa.UUID(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("update_cycle", sa.String(length=20), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("complete_records", sa.Integer(), nullable=False),
        sa.Column("distinct_keys", sa.Integer(), nullable=False),
        sa.Column("accepted_rows", sa.BigInteger(), nullable=False),
        sa.Column("quarantined_rows", sa.BigInteger(), nullable=False),
        sa.Column("completeness", sa.Float(), nullable=True),
        sa.Column("validity", sa.Float(), nullable=True),
        sa.Column("uniqueness", sa.Float(), nullable=True),
        sa.Column("last_ingested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("due_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stale", sa.Boolean(), nullable=False),
        sa.Column("score", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quality_snapshots")),
    )
    op.create_index(
        "ix_quality_snapshots_agency_id_taken_at", "quality_snapshots", ["agency_id", "taken_at"], unique=False
    )
    op.create_index(
        "ix_quality_snapshots_entry_id_taken_at", "quality_snapshots", ["entry_id", "taken_at"], unique=False
    )
    op.create_index(
        "ix_quality_snapshots_region_code_taken_at", "quality_snapshots", ["region_code", "taken_at"], unique=False
    )
    op.add_column("published_entries", sa.Column("category", sa.String(length=20), nullable=True))
    op.add_column("published_entries", sa.Column("base_database", sa.String(length=40), nullable=True))


def downgrade() -> None:
    op.drop_column("published_entries", "base_database")
    op.drop_column("published_entries", "category")
    op.drop_index("ix_quality_snapshots_region_code_taken_at", table_name="quality_snapshots")
    op.drop_index("ix_quality_snapshots_entry_id_taken_at", table_name="quality_snapshots")
    op.drop_index("ix_quality_snapshots_agency_id_taken_at", table_name="quality_snapshots")
    op.drop_table("quality_snapshots")
