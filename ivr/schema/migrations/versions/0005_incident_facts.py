"""112 incidents keep what the call did (queue first): state, keys, queue joins, callbacks,
location, lane, end, and who gave the outcome; prank histories can be cleared.

Revision ID: 0005_incident_facts
Revises: 0004_queue_calls
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_incident_facts"
down_revision = "0004_queue_calls"
branch_labels = None
depends_on = None

COLUMNS: tuple[sa.Column[object], ...] = (
    sa.Column("call_state", sa.String(20), nullable=False, server_default="waiting"),
    sa.Column("silent", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("keys", sa.String(40), nullable=False, server_default=""),
    sa.Column("joins", sa.Text(), nullable=False, server_default=""),
    sa.Column("callbacks", sa.Text(), nullable=False, server_default=""),
    sa.Column("callback_of", sa.String(100), nullable=False, server_default=""),
    sa.Column("location", sa.Text(), nullable=False, server_default=""),
    sa.Column("lane", sa.String(20), nullable=False, server_default="normal"),
    sa.Column("ended_at", sa.DateTime(), nullable=True),
    sa.Column("outcome_by", sa.String(200), nullable=False, server_default=""),
    sa.Column("outcome_at", sa.DateTime(), nullable=True),
)


def upgrade() -> None:
    with op.batch_alter_table("incidents") as batch:
        for column in COLUMNS:
            batch.add_column(column._copy())
    op.create_index("ix_incidents_caller_number", "incidents", ["caller_number"])
    op.create_table(
        "prank_clearances",
        sa.Column("number", sa.String(20), primary_key=True),
        sa.Column("cleared_at", sa.DateTime(), nullable=False),
        sa.Column("cleared_by", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("prank_clearances")
    op.drop_index("ix_incidents_caller_number", "incidents")
    with op.batch_alter_table("incidents") as batch:
        for column in COLUMNS:
            batch.drop_column(column.name)
