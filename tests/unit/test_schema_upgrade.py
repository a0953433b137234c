"""One schema history: an old data folder upgrades in place, a new one matches the models."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text
from tickets_pg import database_url  # noqa: F401  (the SQLite + PostgreSQL fixture)

from ivr.db import make_engine
from ivr.schema.upgrade import (
    OLD_VERSION_TABLE,
    VERSION_TABLE,
    SchemaKeeper,
    alembic_config,
    all_metadata,
    current_revision,
    head_revision,
    upgrade_database,
)

# What the web and AMI services made with create_all before the one history (HEAD~ of today).
OLD_CREATE_ALL = (
    "CREATE TABLE web_users (id INTEGER PRIMARY KEY, username VARCHAR(64) UNIQUE NOT NULL, "
    "role VARCHAR(20) NOT NULL, password_hash VARCHAR(300) NOT NULL, active BOOLEAN NOT NULL, "
    "created_at TIMESTAMP NOT NULL)",
    "CREATE TABLE web_api_tokens (id INTEGER PRIMARY KEY, digest VARCHAR(64) UNIQUE NOT NULL, "
    "username VARCHAR(64) NOT NULL REFERENCES web_users(username), label VARCHAR(200) NOT NULL, "
    "created_at TIMESTAMP NOT NULL, revoked BOOLEAN NOT NULL)",
    "CREATE TABLE queue_calls (id INTEGER PRIMARY KEY, queue VARCHAR(80) NOT NULL, "
    "unique_id VARCHAR(100) NOT NULL, caller_number VARCHAR(64) NOT NULL, "
    "joined_at TIMESTAMP NOT NULL, outcome VARCHAR(20) NOT NULL, waited_s FLOAT NOT NULL, "
    "member VARCHAR(200) NOT NULL, language VARCHAR(8) NOT NULL, ticket VARCHAR(32) NOT NULL)",
    "CREATE INDEX ix_queue_calls_queue ON queue_calls (queue)",
)
OLD_ROWS = (
    "INSERT INTO web_users (id, username, role, password_hash, active, created_at) "
    "VALUES (1, 'boss', 'admin', 'scrypt$x', TRUE, '2026-01-02 03:04:05')",
    "INSERT INTO web_api_tokens (id, digest, username, label, created_at, revoked) "
    "VALUES (1, 'abc', 'boss', 'wallboard', '2026-01-02 03:04:05', FALSE)",
    "INSERT INTO queue_calls (id, queue, unique_id, caller_number, joined_at, outcome, "
    "waited_s, member, language, ticket) VALUES (1, 'fire', '17.1', '0812', "
    "'2026-01-02 03:04:05', 'answered', 4.5, 'PJSIP/ani', 'id', '')",
)


def old_data_folder(url: str, tickets_at: str) -> None:
    """A database as the previous version left it: tickets in their own history, the rest
    made by create_all, with a row in each."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            cfg = alembic_config(url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, tickets_at)  # today's revisions 0001/0002 are the old ones
            conn.execute(text(f"ALTER TABLE {VERSION_TABLE} RENAME TO {OLD_VERSION_TABLE}"))
            for statement in (*OLD_CREATE_ALL, *OLD_ROWS):
                conn.execute(text(statement))
    finally:
        engine.dispose()


@pytest.mark.parametrize("tickets_at", ["0001_tickets", "0002_public_notes"])
def test_an_old_data_folder_upgrades_in_place(database_url: str,  # noqa: F811
                                              tickets_at: str) -> None:
    old_data_folder(database_url, tickets_at)
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) == tickets_at
        assert upgrade_database(engine) == head_revision()
        assert upgrade_database(engine) == head_revision()  # a second start changes nothing
        tables = set(inspect(engine).get_table_names())
        assert OLD_VERSION_TABLE not in tables and VERSION_TABLE in tables
        assert current_revision(engine) == head_revision()
        columns = {c["name"] for c in inspect(engine).get_columns("web_users")}
        assert "session_epoch" in columns
        with engine.connect() as conn:
            user = conn.execute(text("SELECT username, role, session_epoch FROM web_users")).one()
            token = conn.execute(text("SELECT label FROM web_api_tokens")).scalar_one()
            call = conn.execute(text("SELECT queue, waited_s FROM queue_calls")).one()
        assert tuple(user) == ("boss", "admin", 0)
        assert token == "wallboard"
        assert tuple(call) == ("fire", 4.5)
    finally:
        engine.dispose()


def test_a_fresh_database_has_exactly_the_models_tables(database_url: str) -> None:  # noqa: F811
    engine = make_engine(database_url)
    try:
        upgrade_database(engine)
        tables = set(inspect(engine).get_table_names()) - {VERSION_TABLE}
    finally:
        engine.dispose()
    assert tables == {name for metadata in all_metadata() for name in metadata.tables}


def test_the_history_creates_every_table_of_the_models() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    revisions = list(script.walk_revisions())
    assert [r.revision for r in reversed(revisions)] == [
        "0001_tickets", "0002_public_notes", "0003_web_accounts", "0004_queue_calls"]
    sources = "".join(Path(r.path).read_text() for r in revisions)
    for metadata in all_metadata():
        for name in metadata.tables:
            assert f'"{name}"' in sources, f"no revision creates {name}"


async def test_the_keeper_starts_with_the_database_down_and_upgrades_once_it_is_up(
        tmp_path: Path) -> None:
    folder = tmp_path / "db"
    folder.write_text("")  # a file where the database's folder should be: it cannot open
    engine = create_engine(f"sqlite:///{folder / 'hotline.sqlite3'}")
    keeper = SchemaKeeper(engine, retry_s=0.05)
    try:
        await asyncio.wait_for(keeper.start(), 5)  # returns: a service never waits for it
        assert not keeper.ready.is_set()
        folder.unlink()
        folder.mkdir()  # the database is back
        await asyncio.wait_for(keeper.ready.wait(), 10)
        assert current_revision(engine) == head_revision()
    finally:
        await keeper.stop()
        engine.dispose()
