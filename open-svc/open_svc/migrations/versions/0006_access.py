"""Conditional open applications and their steps, the open-use agreement and its acceptances, data keys (A24.2,
A24.3), error reports and objections (A26.1), demand requests and their votes (A27.1).

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "open_applications",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("entry_id", sa.UUID(), nullable=False),
        sa.Column("entry_version", sa.Integer(), nullable=False),
        sa.Column("entry_code", sa.String(length=60), nullable=False),
        sa.Column("entry_name", sa.String(length=200), nullable=False),
        sa.Column("provider_agency_id", sa.UUID(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("applicant", sa.String(length=100), nullable=False),
        sa.Column("applicant_kind", sa.String(length=20), nullable=False),
        sa.Column("applicant_name", sa.String(length=200), nullable=False),
        sa.Column("applicant_identifier", sa.String(length=18), nullable=False),
        sa.Column("applicant_contact", sa.String(length=100), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("data_format", sa.String(length=10), nullable=False),
        sa.Column("items", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("approved_items", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_late", sa.Boolean(), nullable=False),
        sa.Column("reasons", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("working_days", sa.SmallInteger(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("due_provisional", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("approaching_notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("overdue_notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open_applications")),
    )
    op.create_index(
        "ix_open_applications_agency", "open_applications", ["provider_agency_id", "applied_at"], unique=False
    )
    op.create_index("ix_open_applications_applicant", "open_applications", ["applicant", "applied_at"], unique=False)
    op.create_index(op.f("ix_open_applications_entry_id"), "open_applications", ["entry_id"], unique=False)
    op.create_index(op.f("ix_open_applications_region_code"), "open_applications", ["region_code"], unique=False)
    op.create_index(
        "ix_open_applications_running",
        "open_applications",
        ["due_on"],
        unique=False,
        postgresql_where=sa.text("closed_on IS NULL"),
    )
    op.create_table(
        "open_application_steps",
        sa.Column("id", sa.BigInteger(), autoincrement=True, nullable=False),
        sa.Column("application_id", sa.UUID(), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("state_before", sa.String(length=20), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("actor_agency_id", sa.UUID(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reasons", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["open_applications.id"],
            name=op.f("fk_open_application_steps_application_id_open_applications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open_application_steps")),
    )
    op.create_index(
        "ix_open_application_steps_application", "open_application_steps", ["application_id", "id"], unique=False
    )
    op.create_table(
        "open_agreements",
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("published_by", sa.String(length=100), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("version", name=op.f("pk_open_agreements")),
    )
    op.create_table(
        "open_agreement_acceptances",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("application_id", sa.UUID(), nullable=False),
        sa.Column("agreement_version", sa.Integer(), nullable=False),
        sa.Column("applicant", sa.String(length=100), nullable=False),
        sa.Column("applicant_kind", sa.String(length=20), nullable=False),
        sa.Column("applicant_name", sa.String(length=200), nullable=False),
        sa.Column("applicant_identifier", sa.String(length=18), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_version"],
            ["open_agreements.version"],
            name=op.f("fk_open_agreement_acceptances_agreement_version_open_agreements"),
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["open_applications.id"],
            name=op.f("fk_open_agreement_acceptances_application_id_open_applications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open_agreement_acceptances")),
        sa.UniqueConstraint("application_id", name=op.f("uq_open_agreement_acceptances_application_id")),
    )
    op.create_table(
        "open_data_keys",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("application_id", sa.UUID(), nullable=False),
        sa.Column("entry_id", sa.UUID(), nullable=False),
        sa.Column("holder", sa.String(length=100), nullable=False),
        sa.Column("items", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("hint", sa.String(length=12), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=100), nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["open_applications.id"],
            name=op.f("fk_open_data_keys_application_id_open_applications"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open_data_keys")),
        sa.UniqueConstraint("digest", name=op.f("uq_open_data_keys_digest")),
    )
    op.create_index(
        "uq_open_data_keys_live",
        "open_data_keys",
        ["application_id"],
        unique=True,
        postgresql_where=sa.text("revoked_at IS NULL"),
    )
    op.create_table(
        "feedback_reports",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("entry_id", sa.UUID(), nullable=False),
        sa.Column("entry_name", sa.String(length=200), nullable=False),
        sa.Column("agency_id", sa.UUID(), nullable=False),
        sa.Column("region_code", sa.String(length=12), nullable=False),
        sa.Column("on_open_data", sa.Boolean(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("items", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("record_key", sa.String(length=500), nullable=True),
        sa.Column("reporter_kind", sa.String(length=20), nullable=False),
        sa.Column("reporter", sa.String(length=100), nullable=True),
        sa.Column("reporter_agency_id", sa.UUID(), nullable=True),
        sa.Column("token_digest", sa.String(length=64), nullable=True),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("taken_up_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(length=100), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback_reports")),
    )
    op.create_index("ix_feedback_reports_agency", "feedback_reports", ["agency_id", "created_at"], unique=False)
    op.create_index("ix_feedback_reports_entry", "feedback_reports", ["entry_id"], unique=False)
    op.create_index(op.f("ix_feedback_reports_region_code"), "feedback_reports", ["region_code"], unique=False)
    op.create_index("ix_feedback_reports_reporter", "feedback_reports", ["reporter", "created_at"], unique=False)
    op.create_table(
        "open_demands",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("agency_id", sa.UUID(), nullable=True),
        sa.Column("region_code", sa.String(length=12), nullable=True),
        sa.Column("requested_by", sa.String(length=100), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("votes", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("entry_id", sa.UUID(), nullable=True),
        sa.Column("answered_by", sa.String(length=100), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_open_demands")),
    )
    op.create_index("ix_open_demands_votes", "open_demands", ["votes"], unique=False)
    op.create_table(
        "open_demand_votes",
        sa.Column("demand_id", sa.UUID(), nullable=False),
        sa.Column("voter", sa.String(length=100), nullable=False),
        sa.Column("voted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["demand_id"], ["open_demands.id"], name=op.f("fk_open_demand_votes_demand_id_open_demands")
        ),
        sa.PrimaryKeyConstraint("demand_id", "voter", name=op.f("pk_open_demand_votes")),
    )


def downgrade() -> None:
    op.drop_table("open_demand_votes")
    op.drop_table("open_demands")
    op.drop_table("feedback_reports")
    op.drop_table("open_data_keys")
    op.drop_table("open_agreement_acceptances")
    op.drop_table("open_agreements")
    op.drop_table("open_application_steps")
    op.drop_table("open_applications")
