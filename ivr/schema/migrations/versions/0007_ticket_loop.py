"""The ticket loop (issue 13): a ticket's kind, area, operator and agency times; agencies'
e-mail, branches and districts served; districts, editable deadline tiers, the catalog's
history, how each answered call ended, the outbox, and agency users' agencies.

Revision ID: 0007_ticket_loop
Revises: 0006_registered_callers
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_ticket_loop"
down_revision = "0006_registered_callers"
branch_labels = None
depends_on = None

NEW_COLUMNS: dict[str, tuple[sa.Column[object], ...]] = {
    "tickets": (
        sa.Column("kind", sa.String(20), nullable=False, server_default="handling_request"),
        sa.Column("district", sa.String(40), nullable=False, server_default=""),
        sa.Column("subdistrict", sa.String(40), nullable=False, server_default=""),
        sa.Column("operator", sa.String(200), nullable=False, server_default=""),
        sa.Column("accepted_at", sa.DateTime(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
    ),
    "agencies": (
        sa.Column("email", sa.String(200), nullable=False, server_default=""),
        sa.Column("parent_code", sa.String(40), nullable=False, server_default=""),
        sa.Column("districts", sa.Text(), nullable=False, server_default=""),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
    ),
    "categories": (
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
    ),
}


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy): SQLite would otherwise rebuild ``agencies``, which
    # other tables' foreign keys point at.
    for table, columns in NEW_COLUMNS.items():
        for column in columns:
            op.add_column(table, column._copy())
    op.create_index("ix_tickets_kind", "tickets", ["kind"])
    op.create_table(
        "districts",
        sa.Column("code", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("parent_code", sa.String(40), nullable=False, server_default=""),
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()),
    )
    op.create_table(
        "deadline_tiers",
        sa.Column("code", sa.String(20), primary_key=True),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(10), nullable=False),
        sa.Column("clock_always", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "catalog_changes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("before", sa.Text(), nullable=False),
        sa.Column("after", sa.Text(), nullable=False),
    )
    op.create_index("ix_catalog_changes_at", "catalog_changes", ["at"])
    op.create_table(
        "call_wrapups",
        sa.Column("unique_id", sa.String(100), primary_key=True),
        sa.Column("operator", sa.String(200), nullable=False),
        sa.Column("queue", sa.String(40), nullable=False),
        sa.Column("caller_number", sa.String(64), nullable=False),
        sa.Column("ticket_number", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_call_wrapups_at", "call_wrapups", ["at"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("recipient", sa.String(200), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("dedupe_key", sa.String(200), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("next_try_at", sa.DateTime(), nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=False),
    )
    op.create_index("ix_outbox_next_try_at", "outbox", ["next_try_at"])
    op.create_index("ix_outbox_sent_at", "outbox", ["sent_at"])
    op.create_table(
        "web_user_agencies",
        sa.Column("username", sa.String(64), sa.ForeignKey("web_users.username"),
                  primary_key=True),
        sa.Column("agency_code", sa.String(40), primary_key=True),
    )


def downgrade() -> None:
    for table in ("web_user_agencies", "outbox", "call_wrapups", "catalog_changes",
                  "deadline_tiers", "districts"):
        op.drop_table(table)
    op.drop_index("ix_tickets_kind", "tickets")
    for table, columns in NEW_COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.drop_column(column.name)
