"""Registered callers (``registered_callers``): a citizen's number with name and address.

Like 0004, the step looks before it acts, so a database that has the table already (made by
hand or by a test's ``create_all``) is left as it is.

Revision ID: 0006_registered_callers
Revises: 0005_incident_facts
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_registered_callers"
down_revision = "0005_incident_facts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if "registered_callers" in sa.inspect(op.get_bind()).get_table_names():
        return
    op.create_table(
        "registered_callers",
        sa.Column("number", sa.String(20), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("address", sa.Text(), nullable=False),
        sa.Column("district", sa.String(100), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("registered_callers")
