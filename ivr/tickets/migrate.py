"""Bring the tickets schema up to date (Alembic, programmatically) and seed the catalog.

Run on every start by whichever process starts first; a lock (PostgreSQL advisory lock, or a
lock file beside the SQLite database) makes concurrent starts wait for each other. Waiting for
another process's migration may take longer than the engine's ``statement_timeout`` allows a
query, so the migration's own transaction gets a longer one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session

from ..db import make_engine
from .filelock import exclusive
from .storage import seed_catalog

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version_tickets"
_PG_LOCK_KEY = 0x7123_4501  # any constant shared by every hotline process
MIGRATION_STATEMENT_TIMEOUT = "5min"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(engine_url: str) -> None:
    """Upgrade the database at ``engine_url`` to the newest tickets schema, then seed it."""
    engine = make_engine(engine_url)
    try:
        migrate_engine(engine)
    finally:
        engine.dispose()


def migrate_engine(engine: Engine) -> None:
    with _exclusive(engine), engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"SET LOCAL statement_timeout = '{MIGRATION_STATEMENT_TIMEOUT}'"))
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        _upgrade(conn, engine.url.render_as_string(hide_password=False))
        with Session(bind=conn) as session:
            seed_catalog(session)
            session.flush()


def _upgrade(conn: Connection, url: str) -> None:
    cfg = alembic_config(url)
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, "head")


@contextmanager
def _exclusive(engine: Engine) -> Iterator[None]:
    """A lock file beside a SQLite database file; nothing for other databases."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    with exclusive(Path(database).with_suffix(".migrate.lock")):
        yield
