"""Tickets, history, agencies, categories, incidents, holidays, API keys.

Revision ID: 0001_tickets
Revises:
Create Date: 2025-01-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_tickets"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agencies",
        sa.Column("code", sa.String(40), primary_key=True),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("name_id", sa.String(200), nullable=False),
        sa.Column("office_hours", sa.Boolean(), nullable=False),
        sa.Column("supervisor", sa.String(200), nullable=False),
    )
    op.create_table(
        "categories",
        sa.Column("code", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("agency_code", sa.String(40), sa.ForeignKey("agencies.code"), nullable=False),
        sa.Column("tier", sa.String(20), nullable=False),
        sa.Column("group_name", sa.String(100), nullable=False),
        sa.Column("keywords", sa.String(400), nullable=False),
    )
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("number", sa.String(32), nullable=False, unique=True),
        sa.Column("token", sa.String(64), nullable=False, unique=True),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("source_ref", sa.String(100), nullable=True, unique=True),
        sa.Column("caller_number", sa.String(64), nullable=False),
        sa.Column("contact_name", sa.String(200), nullable=False),
        sa.Column("contact_email", sa.String(200), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("category_code", sa.String(40), sa.ForeignKey("categories.code"),
                  nullable=False),
        sa.Column("agency_code", sa.String(40), sa.ForeignKey("agencies.code"),
                  nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("recording_path", sa.String(500), nullable=True),
        sa.Column("media_url", sa.String(500), nullable=True),
        sa.Column("attributes_json", sa.Text(), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("address", sa.String(400), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("status_note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("escalated_at", sa.DateTime(), nullable=True),
    )
    for column in ("category_code", "agency_code", "status", "created_at", "due_at"):
        op.create_index(f"ix_tickets_{column}", "tickets", [column])
    op.create_table(
        "ticket_history",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("tickets.id"), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("from_status", sa.String(20), nullable=True),
        sa.Column("to_status", sa.String(20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
    )
    op.create_index("ix_ticket_history_ticket_id", "ticket_history", ["ticket_id"])
    op.create_table(
        "incidents",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("unique_id", sa.String(100), nullable=False, unique=True),
        sa.Column("caller_number", sa.String(64), nullable=False),
        sa.Column("service", sa.String(40), nullable=False),
        sa.Column("queue", sa.String(40), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("answered_by", sa.String(200), nullable=False),
        sa.Column("waited_seconds", sa.Float(), nullable=True),
        sa.Column("outcome", sa.String(40), nullable=False),
    )
    op.create_index("ix_incidents_started_at", "incidents", ["started_at"])
    op.create_table(
        "holidays",
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("workday", sa.Boolean(), nullable=False),
    )
    op.create_table(
        "api_keys",
        sa.Column("key_sha256", sa.String(64), primary_key=True),
        sa.Column("client", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked", sa.Boolean(), nullable=False),
    )


def downgrade() -> None:
    for table in ("api_keys", "holidays", "incidents", "ticket_history", "tickets",
                  "categories", "agencies"):
        op.drop_table(table)
