"""Events the broker refused for good, set aside so that the events behind them are published (A29.1).

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

from alembic import op

from hub.migrations import create_outbox_dead_letters

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_outbox_dead_letters()


def downgrade() -> None:
    op.drop_table("outbox_dead_letters")
