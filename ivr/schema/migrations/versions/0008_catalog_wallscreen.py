"""The wall screen counts today's resolved tickets every few seconds: an index on
``tickets.resolved_at`` keeps that one GROUP BY from reading the whole table.

Revision ID: 0008_catalog_wallscreen
Revises: 0007_ticket_loop
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0008_catalog_wallscreen"
down_revision = "0007_ticket_loop"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_tickets_resolved_at", "tickets", ["resolved_at"])


def downgrade() -> None:
    op.drop_index("ix_tickets_resolved_at", "tickets")
