"""The published catalogue's read model keeps the legal basis a refusal cites (A19.2, A22.1).

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

from hub.published_catalogue.migrations import add_legal_basis_columns, drop_legal_basis_columns

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    add_legal_basis_columns()


def downgrade() -> None:
    drop_legal_basis_columns()
