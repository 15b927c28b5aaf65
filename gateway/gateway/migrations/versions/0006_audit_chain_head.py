"""The audit chain's head under its lock in one statement (A36.1): `SELECT * FROM audit_chain_head()`.

Every appender of the chain (the writer of each gateway replica, the anchoring) takes the chain's transaction-level
advisory lock, then reads the head it links after. Two statements from the client were two round trips in every
audit commit, which each answer waits for. The head must still be read by a statement that starts after the lock
is granted: under READ COMMITTED a statement's snapshot is taken when it starts, and a VOLATILE function takes a
new one for each statement it runs.

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(
        """CREATE FUNCTION audit_chain_head() RETURNS TABLE (seq bigint, hash varchar)
        LANGUAGE plpgsql VOLATILE AS $$
        BEGIN
            PERFORM pg_advisory_xact_lock(hashtext('gateway.audit_chain'));
            RETURN QUERY SELECT r.seq, r.hash FROM audit_records AS r ORDER BY r.seq DESC LIMIT 1;
        END $$"""
    )


def downgrade() -> None:
    op.execute("DROP FUNCTION audit_chain_head()")
