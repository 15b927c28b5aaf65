"""Share applications, their steps and reviews, and grants (A20.1, A20.2, A21.1, A29.1).

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "applications",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("entry_id", sa.UUID(), nullable=False),
        sa.Column("entry_version", sa.Integer(), nullable=False),
        sa.Column("entry_code", sa.String(length=60), nullable=False),
        sa.Column("consumer_agency_id", sa.UUID(), nullable=False),
        sa.Column("provider_agency_id", sa.UUID(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("items", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column("applied_by", sa.String(length=100), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_applications")),
    )
    op.create_index(op.f("ix_applications_consumer_agency_id"), "applications", ["consumer_agency_id"], unique=False)
    op.create_index(op.f("ix_applications_entry_id"), "applications", ["entry_id"], unique=False)
    op.create_index(op.f("ix_applications_provider_agency_id"), "applications", ["provider_agency_id"], unique=False)
    op.create_index(op.f("ix_applications_region_code"), "applications", ["region_code"], unique=False)
    op.create_table(
        "application_steps",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("application_id", sa.UUID(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("state_before", sa.String(length=30), nullable=True),
        sa.Column("state", sa.String(length=30), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("actor_agency_id", sa.UUID(), nullable=True),
        sa.Column("actor_region_code", sa.String(length=12), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reasons", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("risk_level", sa.String(length=10), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"], ["applications.id"], name=op.f("fk_application_steps_application_id_applications")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_steps")),
    )
    op.create_index("ix_application_steps_application", "application_steps", ["application_id", "id"], unique=False)
    op.create_table(
        "grants",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("application_id", sa.UUID(), nullable=False),
        sa.Column("entry_id", sa.UUID(), nullable=False),
        sa.Column("entry_version", sa.Integer(), nullable=False),
        sa.Column("consumer_agency_id", sa.UUID(), nullable=False),
        sa.Column("provider_agency_id", sa.UUID(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("items", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("purpose", sa.String(length=200), nullable=False),
        sa.Column("valid_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("valid_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("narrowed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=100), nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"], ["applications.id"], name=op.f("fk_grants_application_id_applications")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_grants")),
        sa.UniqueConstraint("application_id", name=op.f("uq_grants_application_id")),
    )
    op.create_index(op.f("ix_grants_consumer_agency_id"), "grants", ["consumer_agency_id"], unique=False)
    op.create_index(op.f("ix_grants_entry_id"), "grants", ["entry_id"], unique=False)
    op.create_index(op.f("ix_grants_provider_agency_id"), "grants", ["provider_agency_id"], unique=False)
    op.create_index(op.f("ix_grants_region_code"), "grants", ["region_code"], unique=False)
    op.create_table(
        "reviews",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("application_id", sa.UUID(), nullable=False),
        sa.Column("party", sa.String(length=10), nullable=False),
        sa.Column("agency_id", sa.UUID(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=True),
        sa.Column("reasons", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("risk_level", sa.String(length=10), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("working_days", sa.SmallInteger(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("due_provisional", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("approaching_notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("overdue_notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"], ["applications.id"], name=op.f("fk_reviews_application_id_applications")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reviews")),
        sa.UniqueConstraint("application_id", "party", name="uq_reviews_application_party"),
    )
    op.create_index(op.f("ix_reviews_agency_id"), "reviews", ["agency_id"], unique=False)
    op.create_index(op.f("ix_reviews_region_code"), "reviews", ["region_code"], unique=False)
    op.create_index(
        "ix_reviews_running", "reviews", ["due_on"], unique=False, postgresql_where=sa.text("closed_on IS NULL")
    )


def downgrade() -> None:
    op.drop_index("ix_reviews_running", table_name="reviews", postgresql_where=sa.text("closed_on IS NULL"))
    op.drop_index(op.f("ix_reviews_region_code"), table_name="reviews")
    op.drop_index(op.f("ix_reviews_agency_id"), table_name="reviews")
    op.drop_table("reviews")
    op.drop_index(op.f("ix_grants_region_code"), table_name="grants")
    op.drop_index(op.f("ix_grants_provider_agency_id"), table_name="grants")
    op.drop_index(op.f("ix_grants_entry_id"), table_name="grants")
    op.drop_index(op.f("ix_grants_consumer_agency_id"), table_name="grants")
    op.drop_table("grants")
    op.drop_index("ix_application_steps_application", table_name="application_steps")
    op.drop_table("application_steps")
    op.drop_index(op.f("ix_applications_region_code"), table_name="applications")
    op.drop_index(op.f("ix_applications_provider_agency_id"), table_name="applications")
    op.drop_index(op.f("ix_applications_entry_id"), table_name="applications")
    op.drop_index(op.f("ix_applications_consumer_agency_id"), table_name="applications")
    op.drop_table("applications")
