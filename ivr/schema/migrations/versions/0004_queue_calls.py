"""Call records (``queue_calls``) join the one history.

The AMI service used to make the table with ``create_all``; a database from those days has it
already, so the step looks before it acts.

Revision ID: 0004_queue_calls
Revises: 0003_web_accounts
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_queue_calls"
down_revision = "0003_web_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if "queue_calls" in sa.inspect(op.get_bind()).get_table_names():
        return
    op.create_table(
        "queue_calls",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("queue", sa.String(80), nullable=False),
        sa.Column("unique_id", sa.String(100), nullable=False),
        sa.Column("caller_number", sa.String(64), nullable=False),
        sa.Column("joined_at", sa.DateTime(), nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("waited_s", sa.Float(), nullable=False),
        sa.Column("member", sa.String(200), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("ticket", sa.String(32), nullable=False),
    )
    for column in ("queue", "unique_id", "joined_at"):
        op.create_index(f"ix_queue_calls_{column}", "queue_calls", [column])


def downgrade() -> None:
    op.drop_table("queue_calls")
