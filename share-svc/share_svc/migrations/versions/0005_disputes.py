"""Disputes over refused share applications, and their steps (A20.3).

Revision ID: 0005
Revises: 0004
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "disputes",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("application_id", sa.UUID(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("consumer_agency_id", sa.UUID(), nullable=False),
        sa.Column("provider_agency_id", sa.UUID(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("raised_by", sa.String(length=100), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("escalated_by", sa.String(length=100), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalated_to", sa.String(length=200), nullable=True),
        sa.Column("escalation_reasons", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=True),
        sa.Column("decided_by_kind", sa.String(length=10), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("authority", sa.String(length=200), nullable=True),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("reasons", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("risk_level", sa.String(length=10), nullable=True),
        sa.Column("grant_id", sa.UUID(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"], ["applications.id"], name=op.f("fk_disputes_application_id_applications")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disputes")),
        sa.UniqueConstraint("application_id", name=op.f("uq_disputes_application_id")),
    )
    op.create_index(op.f("ix_disputes_consumer_agency_id"), "disputes", ["consumer_agency_id"], unique=False)
    op.create_index(op.f("ix_disputes_provider_agency_id"), "disputes", ["provider_agency_id"], unique=False)
    op.create_index(op.f("ix_disputes_region_code"), "disputes", ["region_code"], unique=False)
    op.create_index(op.f("ix_disputes_state"), "disputes", ["state"], unique=False)
    op.create_table(
        "dispute_steps",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("dispute_id", sa.UUID(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("state_before", sa.String(length=20), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("actor_agency_id", sa.UUID(), nullable=True),
        sa.Column("actor_region_code", sa.String(length=12), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("reasons", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=True),
        sa.ForeignKeyConstraint(["dispute_id"], ["disputes.id"], name=op.f("fk_dispute_steps_dispute_id_disputes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dispute_steps")),
    )
    op.create_index("ix_dispute_steps_dispute", "dispute_steps", ["dispute_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_dispute_steps_dispute", table_name="dispute_steps")
    op.drop_table("dispute_steps")
    op.drop_index(op.f("ix_disputes_state"), table_name="disputes")
    op.drop_index(op.f("ix_disputes_region_code"), table_name="disputes")
    op.drop_index(op.f("ix_disputes_provider_agency_id"), table_name="disputes")
    op.drop_index(op.f("ix_disputes_consumer_agency_id"), table_name="disputes")
    op.drop_table("disputes")
