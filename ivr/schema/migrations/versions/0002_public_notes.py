"""Public notes: what the citizen may read, apart from the operators' internal notes.

Open311 used to publish every history note, internal ones and escalations included. A status
change now carries an internal ``note`` and an optional ``public_note``; the ticket keeps the
latest public one for Open311's ``status_notes``. Existing notes stay internal.

Revision ID: 0002_public_notes
Revises: 0001_tickets
Create Date: 2025-02-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_public_notes"
down_revision = "0001_tickets"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("tickets", "ticket_history"):
        op.add_column(table, sa.Column("public_note", sa.Text(), nullable=False,
                                       server_default=""))


def downgrade() -> None:
    for table in ("ticket_history", "tickets"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("public_note")
