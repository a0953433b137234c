"""The admin pages' history: who changed which user, operator or roster entry, and when
(``ivr/accounts/history.py``).

Revision ID: 0014_admin_history
Revises: 0012_virtual_hold_steps
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_admin_history"
down_revision = "0012_virtual_hold_steps"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "admin_changes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("subject", sa.String(100), nullable=False),
        sa.Column("summary", sa.String(500), nullable=False),
    )
    op.create_index("ix_admin_changes_at", "admin_changes", ["at"])


def downgrade() -> None:
    op.drop_table("admin_changes")
