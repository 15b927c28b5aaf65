"""Outbox and inbox, the read models the indicators are made of, and the kept periods.

Revision ID: 0001
Revises:
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

from hub.migrations import create_messaging_tables
from hub.published_catalogue.migrations import (
    add_legal_basis_columns,
    create_known_agencies_table,
    create_published_entries_table,
)

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MOMENT = sa.DateTime(timezone=True)
REGION = sa.String(12)


def _id(name: str, *, primary_key: bool = False) -> sa.Column[Any]:
    return sa.Column(name, UUID(as_uuid=True), primary_key=primary_key, nullable=False)


def upgrade() -> None:
    create_messaging_tables()
    # The catalogue (A2.1, A14.1, A14.2).
    create_known_agencies_table()
    create_published_entries_table()
    add_legal_basis_columns()
    op.add_column("published_entries", sa.Column("first_published_at", MOMENT, nullable=True))
    op.create_table(
        "overdue_change_notices",
        _id("notice_id", primary_key=True),
        _id("agency_id"),
        sa.Column("region_code", REGION, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
    )
    # The sharing platform (A20.2).
    op.create_table(
        "share_applications",
        _id("application_id", primary_key=True),
        _id("provider_agency_id"),
        sa.Column("region_code", REGION, nullable=False),
        sa.Column("applied_at", MOMENT),
        sa.Column("provider_decided_at", MOMENT),
    )
    op.create_index("ix_share_applications_provider_decided_at", "share_applications", ["provider_decided_at"])
    op.create_table(
        "share_overdue_reviews",
        _id("application_id", primary_key=True),
        sa.Column("party", sa.String(10), primary_key=True),
        _id("agency_id"),
        sa.Column("region_code", REGION, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
    )
    # The open platform (A24.2, A25.1, A26.1, A27.1).
    op.create_table(
        "open_applications",
        _id("application_id", primary_key=True),
        _id("provider_agency_id"),
        sa.Column("region_code", REGION, nullable=False),
        sa.Column("applied_at", MOMENT),
        sa.Column("answered_at", MOMENT),
    )
    op.create_index("ix_open_applications_answered_at", "open_applications", ["answered_at"])
    op.create_table(
        "open_overdue_replies",
        _id("application_id", primary_key=True),
        _id("provider_agency_id"),
        sa.Column("region_code", REGION, nullable=False),
        sa.Column("due_on", sa.Date, nullable=False),
    )
    op.create_table(
        "error_reports",
        _id("report_id", primary_key=True),
        _id("agency_id"),
        sa.Column("region_code", REGION, nullable=False),
        sa.Column("reported_at", MOMENT, nullable=False),
        sa.Column("answered_at", MOMENT),
    )
    op.create_index("ix_error_reports_reported_at", "error_reports", ["reported_at"])
    op.create_index("ix_error_reports_answered_at", "error_reports", ["answered_at"])
    op.create_table(
        "demands",
        _id("demand_id", primary_key=True),
        sa.Column("requested_at", MOMENT, nullable=False),
        sa.Column("answered_at", MOMENT),
    )
    op.create_index("ix_demands_requested_at", "demands", ["requested_at"])
    op.create_index("ix_demands_answered_at", "demands", ["answered_at"])
    op.create_table(
        "quality_scores",
        _id("entry_id", primary_key=True),
        sa.Column("scored_at", MOMENT, primary_key=True),
        _id("provider_agency_id"),
        sa.Column("region_code", REGION, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
    )
    # The gateway: legacy channels (A12.1), exchanges (A12.1) and security events (A28.1).
    op.create_table(
        "legacy_channel_statements",
        sa.Column("channel_id", sa.String(100), primary_key=True),
        sa.Column("stated_at", MOMENT, primary_key=True),
        _id("agency_id"),
        sa.Column("region_code", REGION, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
    )
    op.create_table(
        "exchange_volumes",
        sa.Column("day", sa.Date, primary_key=True),
        _id("consumer_agency_id", primary_key=True),
        _id("entry_id", primary_key=True),
        sa.Column("requests", sa.Integer, nullable=False),
        sa.Column("rows", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "security_event_counts",
        sa.Column("day", sa.Date, primary_key=True),
        _id("agency_id", primary_key=True),
        sa.Column("events", sa.Integer, nullable=False),
    )
    # Kept periods (A32.1).
    op.create_table(
        "keeping_since", sa.Column("id", sa.Integer, primary_key=True), sa.Column("since", MOMENT, nullable=False)
    )
    op.create_table(
        "kept_periods",
        sa.Column("period", sa.String(7), primary_key=True),
        sa.Column("as_of", MOMENT, nullable=False),
        sa.Column("kept_at", MOMENT, nullable=False),
    )
    op.create_table(
        "kept_agencies",
        sa.Column("period", sa.String(7), primary_key=True),
        _id("agency_id", primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("region_code", REGION, nullable=False),
    )
    op.create_table(
        "kept_cells",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("indicator", sa.String(40), nullable=False),
        sa.Column("agency_id", UUID(as_uuid=True)),
        sa.Column("region_code", REGION),
        sa.Column("total", sa.Float, nullable=False),
        sa.Column("count", sa.Integer, nullable=False),
    )
    op.create_index("ix_kept_cells_period", "kept_cells", ["period"])
    op.create_table(
        "kept_pairs",
        sa.Column("period", sa.String(7), primary_key=True),
        _id("consumer_agency_id", primary_key=True),
        _id("provider_agency_id", primary_key=True),
        sa.Column("requests", sa.Integer, nullable=False),
        sa.Column("rows", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    for table in ("kept_pairs", "kept_cells", "kept_agencies", "kept_periods", "keeping_since", "security_event_counts",
                  "exchange_volumes", "legacy_channel_statements", "quality_scores", "demands", "error_reports",
                  "open_overdue_replies", "open_applications", "share_overdue_reviews", "share_applications",
                  "overdue_change_notices", "published_entries", "known_agencies", "inbox", "outbox"):  # fmt: skip
        op.drop_table(table)
    op.execute("DROP FUNCTION notify_outbox()")
