"""The satisfaction follow-up: one row per resolved phone ticket, its call's state and the
citizen's rating (``ivr/satisfaction``).

Revision ID: 0011_satisfaction
Revises: 0010_citizen_notices
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_satisfaction"
down_revision = "0010_citizen_notices"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ticket_surveys",
        sa.Column("ticket_number", sa.String(32), sa.ForeignKey("tickets.number"),
                  primary_key=True),
        sa.Column("state", sa.String(12), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("rated_by", sa.String(10), nullable=False, server_default=""),
        sa.Column("rated_at", sa.DateTime(), nullable=True),
        sa.Column("comment_path", sa.String(500), nullable=True),
    )
    op.create_index("ix_ticket_surveys_state", "ticket_surveys", ["state"])
    op.create_index("ix_ticket_surveys_rated_at", "ticket_surveys", ["rated_at"])


def downgrade() -> None:
    op.drop_table("ticket_surveys")
