"""the mesh's shared read model of the published catalogue; jobs

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 09:00:00.000000

- published_entries takes the shape of hub.published_catalogue's PublishedEntryMixin: the summary and the share and
  open conditions of the published version, and its data items as one JSONB array in declaration order, read
  with the entry (what published_items held, one row each). Entries published before carry an empty summary and
  no conditions until their next version arrives; their items move over as they are.
- jobs: the centre's long work (a backup, A31.1) with its state, progress and result (hub.jobs).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from hub.jobs import create_jobs_table, drop_jobs_table

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ITEMS_FROM_ROWS = """
UPDATE published_entries e SET items = coalesce((
    SELECT jsonb_agg(jsonb_build_object('name', i.name, 'label', i.label, 'data_type', i.data_type,
                                        'length', i.length, 'required', i.required, 'key', i.key,
                                        'sensitivity', i.sensitivity) ORDER BY i.position)
    FROM published_items i WHERE i.entry_id = e.entry_id
), '[]'::jsonb)
"""

_ROWS_FROM_ITEMS = """
INSERT INTO published_items (entry_id, name, position, label, data_type, length, required, key, sensitivity)
SELECT e.entry_id, i.value ->> 'name', i.position - 1, i.value ->> 'label', i.value ->> 'data_type',
       (i.value ->> 'length')::int, (i.value ->> 'required')::boolean, (i.value ->> 'key')::boolean,
       i.value ->> 'sensitivity'
FROM published_entries e CROSS JOIN LATERAL jsonb_array_elements(e.items) WITH ORDINALITY AS i(value, position)
"""


def upgrade() -> None:
    op.add_column("published_entries", sa.Column("summary", sa.Text(), nullable=False, server_default=""))
    op.alter_column("published_entries", "summary", server_default=None)
    op.add_column("published_entries", sa.Column("share_conditions", sa.Text(), nullable=True))
    op.add_column("published_entries", sa.Column("share_method", sa.String(20), nullable=True))
    op.add_column("published_entries", sa.Column("open_conditions", sa.Text(), nullable=True))
    op.add_column("published_entries", sa.Column("items", postgresql.JSONB(), nullable=True))
    op.execute(_ITEMS_FROM_ROWS)
    op.alter_column("published_entries", "items", nullable=False)
    op.create_index("ix_published_entries_provider_agency_id", "published_entries", ["provider_agency_id"])
    op.create_index("ix_published_entries_region_code", "published_entries", ["region_code"])
    op.drop_table("published_items")

    create_jobs_table()


def downgrade() -> None:
    drop_jobs_table()
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
    op.execute(_ROWS_FROM_ITEMS)
    op.drop_index("ix_published_entries_region_code", table_name="published_entries")
    op.drop_index("ix_published_entries_provider_agency_id", table_name="published_entries")
    for column in ("items", "open_conditions", "share_method", "share_conditions", "summary"):
        op.drop_column("published_entries", column)
