"""Citizens' notices: how far they have read the ticket history, the admins' wording per
event and language, and the numbers and addresses that opted out.

Revision ID: 0010_citizen_notices
Revises: 0009_call_records_once
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_citizen_notices"
down_revision = "0009_call_records_once"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notice_marks",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("last_history_id", sa.Integer(), nullable=False),
    )
    op.create_table(
        "notice_templates",
        sa.Column("event", sa.String(20), primary_key=True),
        sa.Column("language", sa.String(8), primary_key=True),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(80), nullable=False),
    )
    op.create_table(
        "notice_opt_outs",
        sa.Column("address", sa.String(200), primary_key=True),
        sa.Column("at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    for table in ("notice_opt_outs", "notice_templates", "notice_marks"):
        op.drop_table(table)
