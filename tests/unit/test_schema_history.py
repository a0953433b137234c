"""The one schema history: it makes every table of the models, and exactly those; ``ivr db``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import threading
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect, text
from sqlalchemy.exc import IntegrityError, OperationalError
from test_schema_upgrade import schema_differences
from tickets_pg import database_url, free_port  # noqa: F401  (SQLite + PostgreSQL fixture)

from ivr.config import Settings
from ivr.db import make_engine
from ivr.schema import upgrade
from ivr.schema.cli import add_db_commands, describe_upgrade, run_db_command
from ivr.schema.upgrade import (
    VERSION_TABLE,
    SchemaKeeper,
    alembic_config,
    all_metadata,
    current_revision,
    head_revision,
    upgrade_database,
)

MODEL_TABLES = {name for metadata in all_metadata() for name in metadata.tables}


def test_a_fresh_database_has_exactly_the_models_tables(database_url: str) -> None:  # noqa: F811
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) is None
        assert upgrade_database(engine) == head_revision()
        tables = set(inspect(engine).get_table_names()) - {VERSION_TABLE}
        differences = schema_differences(engine)
    finally:
        engine.dispose()
    assert tables == MODEL_TABLES
    assert differences == []  # columns, types, indexes and keys as the models say


def test_the_history_creates_every_table_of_the_models() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    revisions = list(reversed(list(script.walk_revisions())))
    assert [r.revision for r in revisions] == [
        "0001_tickets", "0002_public_notes", "0003_web_accounts", "0004_queue_calls",
        "0005_incident_facts", "0006_registered_callers", "0007_ticket_loop",
        "0008_catalog_wallscreen", "0009_call_records_once",
        "0010_citizen_notices", "0011_satisfaction", "0012_virtual_hold_steps",
        "0014_admin_history", "0015_operator_figures", "0016_operator_codes"]
    assert script.get_heads() == [head_revision()]  # one line of history, no branches
    sources = "".join(Path(r.path).read_text() for r in revisions)
    missing = sorted(name for name in MODEL_TABLES if f'"{name}"' not in sources)
    assert missing == [], f"no revision creates {missing}"


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


async def test_a_slow_first_try_goes_on_in_the_background_one_at_a_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    release, running, started = threading.Event(), [], []

    def slow_upgrade(engine: Engine) -> str:  # a peer's migration holds the lock
        running.append(1)
        started.append(len(running))
        release.wait(10)
        running.pop()
        return "0004_queue_calls"

    monkeypatch.setattr(upgrade, "upgrade_database", slow_upgrade)
    keeper = SchemaKeeper(create_engine("sqlite://"), retry_s=0.01, start_wait_s=0.05)
    try:
        await asyncio.wait_for(keeper.start(), 2)  # the service starts meanwhile
        assert not keeper.ready.is_set()
        await asyncio.sleep(0.1)
        release.set()
        await asyncio.wait_for(keeper.ready.wait(), 5)
        assert started == [1]  # the try was waited for, never started again beside it
    finally:
        await keeper.stop()


async def test_the_keeper_warns_once_while_the_database_stays_down(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    tries = 0

    def unreachable(engine: Engine) -> str:
        nonlocal tries
        tries += 1
        raise OperationalError("connect", {}, Exception("connection refused"))

    monkeypatch.setattr(upgrade, "upgrade_database", unreachable)
    keeper = SchemaKeeper(create_engine("sqlite://"), retry_s=0.01)
    caplog.set_level(logging.WARNING, logger=upgrade.__name__)
    try:
        await keeper.start()
        while tries < 5:
            await asyncio.sleep(0.01)
        assert not keeper.ready.is_set()
    finally:
        await keeper.stop()
    assert [r.getMessage() for r in caplog.records] == [
        "schema: database not reachable (OperationalError); trying again every 0 s"]


def ivr_db(tmp_path: Path, *words: str, database_url: str = "") -> int:  # noqa: F811
    parser = argparse.ArgumentParser()
    add_db_commands(parser.add_subparsers(dest="command"))
    settings = Settings(data_dir=tmp_path, database_url=database_url)
    return run_db_command(settings, parser.parse_args(["db", *words]))


def test_ivr_db_upgrade_prints_the_revision_before_and_after(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    head = head_revision()
    assert ivr_db(tmp_path, "current") == 0
    assert capsys.readouterr().out == f"empty (newest is {head})\n"
    assert ivr_db(tmp_path, "upgrade") == 0
    assert capsys.readouterr().out == f"empty -> {head}\n"
    assert ivr_db(tmp_path, "upgrade") == 0
    assert capsys.readouterr().out == f"{head} (unchanged)\n"
    assert ivr_db(tmp_path, "current") == 0
    assert capsys.readouterr().out == f"{head} (newest)\n"


def test_ivr_db_fails_with_one_line_when_the_database_cannot_open(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nobody_listens = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/hotline"
    assert ivr_db(tmp_path, "upgrade", database_url=nobody_listens) == 1
    assert capsys.readouterr().err.startswith("error: database postgresql+psycopg://")


def test_an_upgrade_from_an_old_revision_names_both() -> None:
    assert describe_upgrade("0002_public_notes", "0004_queue_calls") == (
        "0002_public_notes -> 0004_queue_calls")


CALL_ROW = ("INSERT INTO queue_calls (queue, unique_id, caller_number, joined_at, outcome, "
            "waited_s, member, language, ticket) VALUES ('hotline', :uid, '0812', "
            "'2026-12-03 09:00:00.000000', 'answered', 4.5, 'PJSIP/ani', 'id', '')")


def test_call_records_are_made_unique_keeping_the_first_of_each_call(
        database_url: str) -> None:  # noqa: F811
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            cfg = alembic_config(database_url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0008_catalog_wallscreen")
            for uid in ("twice", "twice", "once"):  # written twice before the index
                conn.execute(text(CALL_ROW), {"uid": uid})
        assert upgrade_database(engine) == head_revision()
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, unique_id FROM queue_calls ORDER BY id")).all()
        assert [tuple(r) for r in rows] == [(1, "twice"), (3, "once")]
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text(CALL_ROW), {"uid": "once"})
    finally:
        engine.dispose()
