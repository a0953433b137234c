"""Bring the whole schema up to date (Alembic, programmatically) and seed the catalog.

Every service does it once at start (``SchemaKeeper``), and ``ivr db upgrade`` on demand. A
lock (PostgreSQL advisory lock, or a lock file beside the SQLite database) makes concurrent
starts wait for each other; the migration's own transaction gets a longer
``statement_timeout`` than the engine allows a query, since it may wait for another's.

Databases made before the one history kept the tickets' revision in
``alembic_version_tickets``; it is carried over to ``alembic_version`` first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, MetaData, inspect, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ..aio import within
from ..tickets.filelock import exclusive

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
VERSION_TABLE = "alembic_version"
OLD_VERSION_TABLE = "alembic_version_tickets"
_PG_LOCK_KEY = 0x7123_4501  # any constant shared by every hotline process
MIGRATION_STATEMENT_TIMEOUT = "5min"
# A service starts whether or not the database is there: it waits this long for the first
# try, which goes on in the background if need be; while the database is away, this often.
START_WAIT_S = 5.0
RETRY_S = 5.0

log = logging.getLogger(__name__)


def all_metadata() -> list[MetaData]:
    """The metadata of every table the history manages (Alembic's ``target_metadata``)."""
    from ..accounts.models import WebBase
    from ..callers.models import CallerBase
    from ..console.tables import metadata as operator_codes
    from ..reports.tables import metadata as call_records
    from ..tickets.models import Base

    return [Base.metadata, WebBase.metadata, call_records, CallerBase.metadata, operator_codes]


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The schema's revision in the database; None for an empty database."""
    with engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        for table in (VERSION_TABLE, OLD_VERSION_TABLE):
            if table in tables:
                return conn.execute(text(f"SELECT version_num FROM {table}")).scalar()
    return None


def upgrade_database(engine: Engine) -> str:
    """Upgrade the database to the newest schema, then seed the catalog; the revision."""
    from ..tickets.storage import seed_catalog

    with _exclusive(engine), engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"SET LOCAL statement_timeout = '{MIGRATION_STATEMENT_TIMEOUT}'"))
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
        carry_over_version(conn)
        cfg = alembic_config(engine.url.render_as_string(hide_password=False))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        with Session(bind=conn) as session:
            seed_catalog(session)
            session.flush()
        revision = MigrationContext.configure(
            conn, opts={"version_table": VERSION_TABLE}).get_current_revision()
    if revision is None:
        raise RuntimeError("the schema has no revision after its upgrade")
    return revision


def carry_over_version(conn: Connection) -> None:
    """Move the tickets' old version table's revision into the one version table."""
    tables = set(inspect(conn).get_table_names())
    if OLD_VERSION_TABLE not in tables:
        return
    revision = conn.execute(text(f"SELECT version_num FROM {OLD_VERSION_TABLE}")).scalar()
    if VERSION_TABLE not in tables:
        conn.execute(text(f"CREATE TABLE {VERSION_TABLE} "
                          "(version_num VARCHAR(32) NOT NULL PRIMARY KEY)"))
        if revision:
            conn.execute(text(f"INSERT INTO {VERSION_TABLE} (version_num) VALUES (:r)"),
                         {"r": revision})
    conn.execute(text(f"DROP TABLE {OLD_VERSION_TABLE}"))
    log.info("schema: revision %s carried over from %s", revision, OLD_VERSION_TABLE)


@contextmanager
def _exclusive(engine: Engine) -> Iterator[None]:
    """A lock file beside a SQLite database file; nothing for other databases."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    with exclusive(Path(database).with_suffix(".migrate.lock")):
        yield


class SchemaKeeper:
    """Upgrades the schema once at a service's start, and keeps trying while it cannot.

    ``start()`` waits for the first try at most ``start_wait_s``, so a service with its
    database down (or slow) still starts: an emergency call never waits for the database. One
    try at a time runs, in a thread, until the schema is at head; then ``ready`` is set.
    """

    def __init__(self, engine: Engine, retry_s: float = RETRY_S,
                 start_wait_s: float = START_WAIT_S) -> None:
        self.engine = engine
        self.retry_s = retry_s
        self.start_wait_s = start_wait_s
        self.ready = asyncio.Event()
        self._tried = asyncio.Event()
        self._last_failure = ""
        self._keeping: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._keeping = asyncio.create_task(self._keep_trying())
        try:
            await within(self._tried.wait(), self.start_wait_s)
        except TimeoutError:
            log.warning("schema: the upgrade is taking long; it goes on in the background")

    async def _keep_trying(self) -> None:
        while not await self._try():
            await asyncio.sleep(self.retry_s)

    async def _try(self) -> bool:
        try:
            revision = await asyncio.to_thread(upgrade_database, self.engine)
        except (SQLAlchemyError, OSError) as exc:
            self._unreachable(exc)
            return False
        except Exception:  # a failing migration must not end the retries unseen
            log.exception("schema: upgrade failed; trying again every %.0f s", self.retry_s)
            return False
        finally:
            self._tried.set()
        log.info("schema: at revision %s", revision)
        self.ready.set()
        return True

    def _unreachable(self, exc: BaseException) -> None:
        """One warning per kind of failure, not one per retry."""
        failure = exc.__class__.__name__
        level = logging.DEBUG if failure == self._last_failure else logging.WARNING
        log.log(level, "schema: database not reachable (%s); trying again every %.0f s",
                failure, self.retry_s)
        self._last_failure = failure

    async def stop(self) -> None:
        if self._keeping is not None:
            self._keeping.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._keeping
