"""Operators' handled calls, missed offers and pause intervals, as the AMI events tell them,
for the per-operator figures (``reports.tables.operator_activity``, ``reports/operator_figures``).

Revision ID: 0015_operator_figures
Revises: 0014_admin_history
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_operator_figures"
down_revision = "0014_admin_history"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "operator_activity",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("operator", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("seconds", sa.Float(), nullable=False),
        sa.Column("reason", sa.String(80), nullable=False),
        sa.Column("queue", sa.String(80), nullable=False),
        sa.Column("unique_id", sa.String(100), nullable=False),
    )
    op.create_index("ix_operator_activity_started_at", "operator_activity", ["started_at"])
    op.create_index("uq_operator_activity_once", "operator_activity",
                    ["operator", "kind", "unique_id", "started_at"], unique=True)


def downgrade() -> None:
    op.drop_table("operator_activity")
