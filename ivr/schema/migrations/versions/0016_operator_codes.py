"""The admin's pause reasons and wrap-up codes (``operator_codes``), and the wrap-up code kept
with each answered call (``call_wrapups.code``; ``ivr/console``).

Revision ID: 0016_operator_codes
Revises: 0015_operator_figures
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_operator_codes"
down_revision = "0015_operator_figures"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "operator_codes",
        sa.Column("kind", sa.String(20), primary_key=True),
        sa.Column("code", sa.String(40), primary_key=True),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
    )
    with op.batch_alter_table("call_wrapups") as batch:
        batch.add_column(sa.Column("code", sa.String(40), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("call_wrapups") as batch:
        batch.drop_column("code")
    op.drop_table("operator_codes")
