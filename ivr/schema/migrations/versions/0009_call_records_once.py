"""Call records are written once: a unique index on (unique_id, queue, joined_at).

Call records now go through the spool while the database is away, as tickets and incidents
do; the spool may offer a record again after a crash, and the index makes the second write
a no-op. Duplicates already in the table (none are expected) are removed first, keeping the
first row of each call.

Revision ID: 0009_call_records_once
Revises: 0008_catalog_wallscreen
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0009_call_records_once"
down_revision = "0008_catalog_wallscreen"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DELETE FROM queue_calls WHERE id NOT IN "
               "(SELECT first_id FROM (SELECT MIN(id) AS first_id FROM queue_calls "
               "GROUP BY unique_id, queue, joined_at) AS firsts)")
    op.create_index("uq_queue_calls_call", "queue_calls", ["unique_id", "queue", "joined_at"],
                    unique=True)


def downgrade() -> None:
    op.drop_index("uq_queue_calls_call", "queue_calls")
