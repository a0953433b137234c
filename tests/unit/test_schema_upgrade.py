"""An old data folder upgrades in place to the one schema history, losing nothing.

The previous version kept the tickets in their own Alembic history (revisions 0001/0002,
unchanged since, version table ``alembic_version_tickets``) and made the web's and the AMI
service's tables with ``create_all`` of the models below, copied from ``ivr/web/users.py`` and
``ivr/reports/store.py`` of commit 99b97e6. Databases from before session epochs lack
``web_users.session_epoch``; the web then added it in place with ``ALTER TABLE``.
"""

from __future__ import annotations

from datetime import datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    inspect,
    text,
)
from tickets_pg import database_url  # noqa: F401  (the SQLite + PostgreSQL fixture)

from ivr.db import make_engine
from ivr.schema.upgrade import (
    OLD_VERSION_TABLE,
    VERSION_TABLE,
    alembic_config,
    all_metadata,
    current_revision,
    head_revision,
    upgrade_database,
)
from ivr.tickets.models import UtcDateTime

# How the web made an old database's web_users.session_epoch: with create_all (``model``), not
# at all (``missing``, before epochs), or in place later (``altered``, the stopgap).
EPOCH_MADE_BY = ("model", "missing", "altered")
OLD_ALTER_EPOCH = "ALTER TABLE web_users ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0"
# What Alembic made for the old history's version_table="alembic_version_tickets".
OLD_VERSION_DDL = (f"CREATE TABLE {OLD_VERSION_TABLE} (version_num VARCHAR(32) NOT NULL, "
                   f"CONSTRAINT {OLD_VERSION_TABLE}_pkc PRIMARY KEY (version_num))")
WHEN = datetime(2026, 1, 2, 3, 4, 5)


def old_web_metadata(with_epoch: bool) -> MetaData:
    """The web's old models (``WebBase``), as the tables create_all made of them."""
    metadata = MetaData()
    epoch = [Column("session_epoch", Integer, nullable=False, default=0, server_default="0")]
    Table("web_users", metadata,
          Column("id", Integer, primary_key=True, autoincrement=True),
          Column("username", String(64), nullable=False, unique=True),
          Column("role", String(20), nullable=False),
          Column("password_hash", String(300), nullable=False),
          Column("active", Boolean, nullable=False, default=True),
          Column("created_at", DateTime, nullable=False),
          *(epoch if with_epoch else []))
    Table("web_api_tokens", metadata,
          Column("id", Integer, primary_key=True, autoincrement=True),
          Column("digest", String(64), nullable=False, unique=True),
          Column("username", String(64), ForeignKey("web_users.username"), nullable=False),
          Column("label", String(200), nullable=False, default=""),
          Column("created_at", DateTime, nullable=False),
          Column("revoked", Boolean, nullable=False, default=False))
    return metadata


def old_calls_metadata() -> MetaData:
    """The AMI service's old ``queue_calls`` table (``ivr/reports/store.py``)."""
    metadata = MetaData()
    Table("queue_calls", metadata,
          Column("id", Integer, primary_key=True, autoincrement=True),
          Column("queue", String(80), nullable=False, index=True),
          Column("unique_id", String(100), nullable=False, index=True),
          Column("caller_number", String(64), nullable=False, default=""),
          Column("joined_at", UtcDateTime, nullable=False, index=True),
          Column("outcome", String(20), nullable=False),
          Column("waited_s", Float, nullable=False),
          Column("member", String(200), nullable=False, default=""),
          Column("language", String(8), nullable=False, default=""),
          Column("ticket", String(32), nullable=False, default=""))
    return metadata


OLD_ROWS = (
    "INSERT INTO agencies (code, name_en, name_id, office_hours, supervisor) "
    "VALUES ('roads_dept', 'Roads (edited)', 'Jalan', :yes, 'boss')",
    "INSERT INTO categories (code, name, description, agency_code, tier, group_name, keywords) "
    "VALUES ('potholes', 'Potholes', '', 'roads_dept', 'general', 'roads', '')",
    "INSERT INTO tickets (id, number, token, channel, caller_number, contact_name, "
    "contact_email, language, category_code, agency_code, description, attributes_json, "
    "address, status, status_note, created_at, updated_at, due_at) VALUES (1, '2601000017', "
    "'tok', 'phone', '0812', '', '', 'id', 'potholes', 'roads_dept', 'a hole', '{}', '', "
    "'received', '', :when, :when, :when)",
    "INSERT INTO ticket_history (id, ticket_id, at, actor, from_status, to_status, note) "
    "VALUES (1, 1, :when, 'ivr', NULL, 'received', 'by phone')",
    "INSERT INTO web_users (id, username, role, password_hash, active, created_at) "
    "VALUES (1, 'boss', 'admin', 'scrypt$x', :yes, :when)",
    "INSERT INTO web_api_tokens (id, digest, username, label, created_at, revoked) "
    "VALUES (1, 'abc', 'boss', 'wallboard', :when, :no)",
    "INSERT INTO queue_calls (id, queue, unique_id, caller_number, joined_at, outcome, "
    "waited_s, member, language, ticket) VALUES (1, 'fire', '17.1', '0812', :when, "
    "'answered', 4.5, 'PJSIP/ani', 'id', '2601000017')",
)


def _old_tickets(conn: Connection, url: str, tickets_at: str) -> None:
    """The tickets' own history at ``tickets_at``, in its own version table."""
    cfg = alembic_config(url)
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, tickets_at)  # today's 0001/0002 are the old ones, unchanged
    conn.execute(text(OLD_VERSION_DDL))
    conn.execute(text(f"INSERT INTO {OLD_VERSION_TABLE} SELECT version_num FROM {VERSION_TABLE}"))
    conn.execute(text(f"DROP TABLE {VERSION_TABLE}"))


def old_data_folder(url: str, tickets_at: str, epoch_made_by: str) -> None:
    """A database as the previous version left it, with a row in each table."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            _old_tickets(conn, url, tickets_at)
        old_web_metadata(with_epoch=epoch_made_by == "model").create_all(engine)
        old_calls_metadata().create_all(engine, checkfirst=True)
        with engine.begin() as conn:
            if epoch_made_by == "altered":
                conn.execute(text(OLD_ALTER_EPOCH))
            for statement in OLD_ROWS:
                conn.execute(text(statement), {"yes": True, "no": False, "when": WHEN})
    finally:
        engine.dispose()


def schema_differences(engine: Engine) -> list[object]:
    """What Alembic's autogenerate would change to make the database match the models."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                         "version_table": VERSION_TABLE})
        return list(compare_metadata(context, all_metadata()))


def surviving_rows(engine: Engine) -> dict[str, tuple[object, ...]]:
    queries = {
        "agency": "SELECT name_en, supervisor FROM agencies WHERE code = 'roads_dept'",
        "ticket": "SELECT number, category_code, description, public_note FROM tickets",
        "history": "SELECT actor, to_status, note, public_note FROM ticket_history",
        "user": "SELECT username, role, password_hash, session_epoch FROM web_users",
        "token": "SELECT digest, username, label FROM web_api_tokens",
        "call": "SELECT queue, unique_id, waited_s, member, ticket FROM queue_calls",
    }
    with engine.connect() as conn:
        return {name: tuple(conn.execute(text(sql)).one()) for name, sql in queries.items()}


@pytest.mark.parametrize("epoch_made_by", EPOCH_MADE_BY)
@pytest.mark.parametrize("tickets_at", ["0001_tickets", "0002_public_notes"])
def test_an_old_data_folder_upgrades_in_place(database_url: str,  # noqa: F811
                                              tickets_at: str, epoch_made_by: str) -> None:
    old_data_folder(database_url, tickets_at, epoch_made_by)
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) == tickets_at
        assert upgrade_database(engine) == head_revision()
        tables = set(inspect(engine).get_table_names())
        assert OLD_VERSION_TABLE not in tables and VERSION_TABLE in tables
        assert current_revision(engine) == head_revision()
        assert surviving_rows(engine) == {
            "agency": ("Roads (edited)", "boss"),  # the seeding never overwrites an edit
            "ticket": ("2601000017", "potholes", "a hole", ""),
            "history": ("ivr", "received", "by phone", ""),
            "user": ("boss", "admin", "scrypt$x", 0),
            "token": ("abc", "boss", "wallboard"),
            "call": ("fire", "17.1", 4.5, "PJSIP/ani", "2601000017"),
        }
        assert schema_differences(engine) == []  # the same schema as a fresh database's
    finally:
        engine.dispose()


def test_a_second_start_changes_nothing(database_url: str) -> None:  # noqa: F811
    old_data_folder(database_url, "0001_tickets", "missing")
    engine = make_engine(database_url)
    try:
        upgrade_database(engine)
        before = surviving_rows(engine)
        assert upgrade_database(engine) == head_revision()
        assert surviving_rows(engine) == before
    finally:
        engine.dispose()
