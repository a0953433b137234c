"""What each 12345 virtual hold did (offered, accepted, dialled, reached, unreached), for the
reports (``ivr/outbound/virtual_hold.py``, ``reports.tables.virtual_hold_steps``).

Revision ID: 0012_virtual_hold_steps
Revises: 0011_satisfaction
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_virtual_hold_steps"
down_revision = "0011_satisfaction"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "virtual_hold_steps",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("hold_id", sa.String(100), nullable=False),
        sa.Column("step", sa.String(12), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("caller_number", sa.String(64), nullable=False),
        sa.Column("queue", sa.String(80), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_virtual_hold_steps_at", "virtual_hold_steps", ["at"])
    op.create_index("uq_virtual_hold_steps_step", "virtual_hold_steps",
                    ["hold_id", "step", "attempt"], unique=True)


def downgrade() -> None:
    op.drop_table("virtual_hold_steps")
