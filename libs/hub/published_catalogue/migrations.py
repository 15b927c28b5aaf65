"""The read model's tables, for a service's Alembic migration to create (`create_published_entries_table()` …).

Each function creates its table as the mixins declared it when the function was written, and must never change:
old migrations replay through it on every new database. A later change of a mixin comes with a new function here
(`add_…`), called from a new migration of each service that keeps the table; tests/libs/test_migrations.py fails
for a service whose migrations and models disagree.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID


def create_published_entries_table(table: str = "published_entries") -> None:
    """The table of `PublishedEntryMixin`, with its indexes on the provider agency and the region."""
    op.create_table(
        table,
        sa.Column("entry_id", UUID(as_uuid=True), nullable=False),
        sa.Column("code", sa.String(60), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("provider_agency_id", UUID(as_uuid=True), nullable=False),
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("category", sa.String(20), nullable=True),
        sa.Column("base_database", sa.String(40), nullable=True),
        sa.Column("share_type", sa.String(20), nullable=False),
        sa.Column("share_conditions", sa.Text(), nullable=True),
        sa.Column("share_method", sa.String(20), nullable=True),
        sa.Column("open_type", sa.String(20), nullable=False),
        sa.Column("open_conditions", sa.Text(), nullable=True),
        sa.Column("update_cycle", sa.String(20), nullable=False),
        sa.Column("secrecy", sa.String(20), nullable=False),
        sa.Column("consent_required", sa.Boolean(), nullable=False),
        sa.Column("items", JSONB(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("entry_id", name=f"pk_{table}"),
    )
    op.create_index(f"ix_{table}_provider_agency_id", table, ["provider_agency_id"])
    op.create_index(f"ix_{table}_region_code", table, ["region_code"])


def add_legal_basis_columns(table: str = "published_entries") -> None:
    """The legal basis a refusal to share (A19.2) or to open (A22.1) cites, added to `PublishedEntryMixin`."""
    op.add_column(table, sa.Column("share_legal_basis", sa.Text(), nullable=True))
    op.add_column(table, sa.Column("open_legal_basis", sa.Text(), nullable=True))


def drop_legal_basis_columns(table: str = "published_entries") -> None:
    """Undo `add_legal_basis_columns`."""
    op.drop_column(table, "open_legal_basis")
    op.drop_column(table, "share_legal_basis")


def create_known_agencies_table(table: str = "known_agencies") -> None:
    """The table of `KnownAgencyMixin`."""
    op.create_table(
        table,
        sa.Column("id", UUID(as_uuid=True), nullable=False),
        sa.Column("credit_code", sa.String(18), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("region_code", sa.String(12), nullable=False),
        sa.Column("registered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=f"pk_{table}"),
        sa.UniqueConstraint("credit_code", name=f"uq_{table}_credit_code"),
    )
