"""The open-records changelog's pending work, the trigger that wakes its relay, and every open entry that already
holds records noted, so the topic starts with all of them (A22.1, A24.1; aggregation_svc.changelog).

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# aggregation_svc.changelog.relay.NOTIFY_CHANNEL, as it was when this revision was written.
NOTIFY_CHANNEL = "aggregation_open_changelog"
# hub.published_catalogue.openness.is_open, as it was when this revision was written.
OPEN_ENTRIES_HOLDING_RECORDS = """
INSERT INTO open_changelog (entry_id)
SELECT e.entry_id FROM published_entries e
WHERE e.open_type IN ('unconditional', 'conditional') AND e.secrecy <> 'secret' AND e.retired_at IS NULL
  AND EXISTS (SELECT 1 FROM records r WHERE r.entry_id = e.entry_id)
"""


def upgrade() -> None:
    op.create_table(
        "open_changelog",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("entry_id", sa.UUID(), nullable=False),
        sa.Column("keys", postgresql.ARRAY(sa.Text()), nullable=True),
        sa.Column("after_key", sa.Text(), nullable=True),
        sa.Column("noted_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open_changelog")),
    )
    # One notification per inserting statement is enough: the relay drains everything it can see.
    op.execute(
        f"""CREATE FUNCTION notify_open_changelog() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM pg_notify('{NOTIFY_CHANNEL}', ''); RETURN NULL; END $$"""
    )
    op.execute(
        "CREATE TRIGGER open_changelog_notify AFTER INSERT ON open_changelog FOR EACH STATEMENT "
        "EXECUTE FUNCTION notify_open_changelog()"
    )
    op.execute(OPEN_ENTRIES_HOLDING_RECORDS)


def downgrade() -> None:
    op.execute("DROP TRIGGER open_changelog_notify ON open_changelog")
    op.execute("DROP FUNCTION notify_open_changelog()")
    op.drop_table("open_changelog")
