"""read model, batches, records, history, quarantine, consents

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 05:05:51.035474
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "batches",
        sa.Column("entry_id", sa.UUID(), nullable=False),
        sa.Column("batch_id", sa.String(length=100), nullable=False),
        sa.Column("agency_id", sa.UUID(), nullable=False),
        sa.Column("submitted_by", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("format", sa.String(length=10), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("entry_version", sa.Integer(), nullable=True),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("stored", sa.Integer(), nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("quarantined", sa.Integer(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=True),
        sa.Column("refusal", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("entry_id", "batch_id", name=op.f("pk_batches")),
    )
    op.create_table(
        "consents",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("agency_id", sa.UUID(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("method", sa.Text(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("entry_ids", postgresql.ARRAY(sa.UUID()), nullable=False),
        sa.Column("query_channel", sa.Text(), nullable=False),
        sa.Column("correction_channel", sa.Text(), nullable=False),
        sa.Column("given_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=200), nullable=True),
        sa.Column("revocation_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    op.create_index("ix_consents_agency_id", "consents", ["agency_id"], unique=False)
    op.create_table(
        "published_entries",
        sa.Column("entry_id", sa.UUID(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("provider_agency_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("update_cycle", sa.String(length=20), nullable=False),
        sa.Column("share_type", sa.String(length=20), nullable=False),
        sa.Column("open_type", sa.String(length=20), nullable=False),
        sa.Column("secrecy", sa.String(length=20), nullable=False),
        sa.Column("consent_required", sa.Boolean(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_published_entries")),
    )
    op.create_table(
        "record_history",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("entry_id", sa.UUID(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("operation", sa.String(length=10), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.String(length=100), nullable=True),
        sa.Column("row_number", sa.Integer(), nullable=True),
        sa.Column("agency_id", sa.UUID(), nullable=False),
        sa.Column("consent_id", sa.UUID(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_history")),
    )
    op.create_index("ix_record_history_entry_id_key", "record_history", ["entry_id", "key", "id"], unique=False)
    op.create_table(
        "published_items",
        sa.Column("entry_id", sa.UUID(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("data_type", sa.String(length=20), nullable=False),
        sa.Column("length", sa.Integer(), nullable=True),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("key", sa.Boolean(), nullable=False),
        sa.Column("sensitivity", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["published_entries.entry_id"], name=op.f("fk_published_items_entry_id_published_entries")
        ),
        sa.PrimaryKeyConstraint("entry_id", "name", name=op.f("pk_published_items")),
    )
    op.create_table(
        "quarantined_rows",
        sa.Column("entry_id", sa.UUID(), nullable=False),
        sa.Column("batch_id", sa.String(length=100), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("problems", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id", "batch_id"], ["batches.entry_id", "batches.batch_id"], name="fk_quarantined_rows_batches"
        ),
        sa.PrimaryKeyConstraint("entry_id", "batch_id", "row_number", name=op.f("pk_quarantined_rows")),
    )
    op.create_table(
        "records",
        sa.Column("entry_id", sa.UUID(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("consent_id", sa.UUID(), nullable=True),
        sa.Column("agency_id", sa.UUID(), nullable=False),
        sa.Column("batch_id", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["published_entries.entry_id"], name="fk_records_entry_id_published_entries"
        ),
        sa.PrimaryKeyConstraint("entry_id", "key", name=op.f("pk_records")),
    )
    op.create_index("ix_records_consent_id", "records", ["consent_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_records_consent_id", table_name="records")
    op.drop_table("records")
    op.drop_table("quarantined_rows")
    op.drop_table("published_items")
    op.drop_index("ix_record_history_entry_id_key", table_name="record_history")
    op.drop_table("record_history")
    op.drop_table("published_entries")
    op.drop_index("ix_consents_agency_id", table_name="consents")
    op.drop_table("consents")
    op.drop_table("batches")
