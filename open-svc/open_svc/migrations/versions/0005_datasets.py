"""Datasets' search index and counters (A24.1) and the dated history of open lists (A23.1); entries published
before it are indexed, and each one open now enters its agency's history as added on its publication date.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from hub.search import bigrams, normalise

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dataset_counters",
        sa.Column("entry_id", sa.UUID(), nullable=False),
        sa.Column("views", sa.BigInteger(), nullable=False),
        sa.Column("downloads", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_dataset_counters")),
    )
    op.create_table(
        "dataset_search",
        sa.Column("entry_id", sa.UUID(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("bigrams", postgresql.ARRAY(sa.String(length=8)), nullable=False),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_dataset_search")),
    )
    op.create_index("ix_dataset_search_bigrams", "dataset_search", ["bigrams"], unique=False, postgresql_using="gin")
    op.create_table(
        "open_list_changes",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("agency_id", sa.UUID(), nullable=False),
        sa.Column("entry_id", sa.UUID(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("change", sa.String(length=10), nullable=False),
        sa.Column("open_type", sa.String(length=20), nullable=False),
        sa.Column("changes", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open_list_changes")),
    )
    op.create_index("ix_open_list_changes_agency", "open_list_changes", ["agency_id", "id"], unique=False)
    _index_published_entries()
    op.execute(
        """
        INSERT INTO open_list_changes (agency_id, entry_id, code, name, version, change, open_type, changes, at,
                                       published_at)
        SELECT provider_agency_id, entry_id, code, name, version, 'added', open_type, '{}'::jsonb, published_at,
               published_at
        FROM published_entries
        WHERE open_type IN ('unconditional', 'conditional') AND secrecy <> 'secret' AND retired_at IS NULL
        ORDER BY published_at, entry_id
        """
    )


def _index_published_entries() -> None:
    """The search index of every entry already held (what datasets.rules.search_text reads: name, summary, item
    labels)."""
    connection = op.get_bind()
    entries = connection.execute(sa.text("SELECT entry_id, name, summary, items FROM published_entries"))
    rows = []
    for entry_id, name, summary, items in entries:
        text = normalise(" ".join([name, summary, *(item["label"] for item in items)]))
        rows.append({"entry_id": entry_id, "search_text": text, "bigrams": bigrams(text)})
    if rows:
        table = sa.table(
            "dataset_search",
            sa.column("entry_id", sa.UUID()),
            sa.column("search_text", sa.Text()),
            sa.column("bigrams", postgresql.ARRAY(sa.String(length=8))),
        )
        op.bulk_insert(table, rows)


def downgrade() -> None:
    op.drop_index("ix_open_list_changes_agency", table_name="open_list_changes")
    op.drop_table("open_list_changes")
    op.drop_index("ix_dataset_search_bigrams", table_name="dataset_search", postgresql_using="gin")
    op.drop_table("dataset_search")
    op.drop_table("dataset_counters")
