"""How far the audit chain is published on gateway.audit (A36.1): the chain's records are published from the chain
itself, no longer by an outbox row each batch of the writer commits.

The records already in the chain were published by those outbox rows (any still in the outbox are published by
the relay), so the mark starts at the chain's head.

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_published",
        sa.Column("id", sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_audit_published_one_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_published")),
    )
    op.execute("INSERT INTO audit_published (id, seq) SELECT 1, coalesce(max(seq), 0) FROM audit_records")


def downgrade() -> None:
    op.drop_table("audit_published")
