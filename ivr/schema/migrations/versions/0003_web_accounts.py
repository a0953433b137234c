"""Web accounts and API tokens join the one history.

They used to be made by ``create_all`` at the web's start, and ``session_epoch`` added in place
later; a database from those days has the tables already, perhaps without the column, so each
step looks before it acts.

Revision ID: 0003_web_accounts
Revises: 0002_public_notes
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_web_accounts"
down_revision = "0002_public_notes"
branch_labels = None
depends_on = None


def _tables() -> set[str]:
    return set(sa.inspect(op.get_bind()).get_table_names())


def upgrade() -> None:
    tables = _tables()
    if "web_users" not in tables:
        op.create_table(
            "web_users",
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
            sa.Column("username", sa.String(64), nullable=False, unique=True),
            sa.Column("role", sa.String(20), nullable=False),
            sa.Column("password_hash", sa.String(300), nullable=False),
            sa.Column("active", sa.Boolean(), nullable=False),
            sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0"),
        )
    else:
        columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("web_users")}
        if "session_epoch" not in columns:
            op.add_column("web_users", sa.Column("session_epoch", sa.Integer(),
                                                 nullable=False, server_default="0"))
    if "web_api_tokens" not in tables:
        op.create_table(
            "web_api_tokens",
            sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
            sa.Column("digest", sa.String(64), nullable=False, unique=True),
            sa.Column("username", sa.String(64), sa.ForeignKey("web_users.username"),
                      nullable=False),
            sa.Column("label", sa.String(200), nullable=False),
            sa.Column("created_at", sa.DateTime(), nullable=False),
            sa.Column("revoked", sa.Boolean(), nullable=False),
        )


def downgrade() -> None:
    op.drop_table("web_api_tokens")
    op.drop_table("web_users")
