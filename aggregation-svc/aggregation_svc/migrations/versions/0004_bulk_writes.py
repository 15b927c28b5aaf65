"""records and their history shaped for bulk writes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 07:30:00.000000

- records: no foreign key to published_entries. Its trigger ran one query per stored row, a third of what
  PostgreSQL spent storing a record; ingest, the only writer of records, reads the published entry in the same
  transaction, and the read model never deletes an entry.
- records: the consent index holds only records that rest on a consent (the only ones it is searched for).
- records.created_at, records.updated_at, record_history.recorded_at default to the transaction's time, which
  is a batch's time: COPY leaves them out rather than encode the same time into every row.
- record_history: keyed by (entry_id, key, id), the order it is read in, instead of by id plus an index of the
  same columns: one index to write per change instead of two.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_TRANSACTION_TIMES = [("records", "created_at"), ("records", "updated_at"), ("record_history", "recorded_at")]


def upgrade() -> None:
    op.drop_constraint("fk_records_entry_id_published_entries", "records", type_="foreignkey")
    op.drop_index("ix_records_consent_id", table_name="records")
    op.create_index(
        "ix_records_consent_id", "records", ["consent_id"], unique=False,
        postgresql_where=sa.text("consent_id IS NOT NULL"),
    )  # fmt: skip
    op.drop_index("ix_record_history_entry_id_key", table_name="record_history")
    op.drop_constraint("pk_record_history", "record_history", type_="primary")
    op.create_primary_key("pk_record_history", "record_history", ["entry_id", "key", "id"])
    for table, column in _TRANSACTION_TIMES:
        op.alter_column(table, column, server_default=sa.func.now())


def downgrade() -> None:
    for table, column in _TRANSACTION_TIMES:
        op.alter_column(table, column, server_default=None)
    op.drop_constraint("pk_record_history", "record_history", type_="primary")
    op.create_primary_key("pk_record_history", "record_history", ["id"])
    op.create_index("ix_record_history_entry_id_key", "record_history", ["entry_id", "key", "id"], unique=False)
    op.drop_index("ix_records_consent_id", table_name="records", postgresql_where=sa.text("consent_id IS NOT NULL"))
    op.create_index("ix_records_consent_id", "records", ["consent_id"], unique=False)
    op.create_foreign_key(
        "fk_records_entry_id_published_entries", "records", "published_entries", ["entry_id"], ["entry_id"]
    )
