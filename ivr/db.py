"""The database: SQLAlchemy engine (SQLite by default, PostgreSQL in production)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text

# A server that does not answer must not hold a caller: tickets go to the local spool instead.
CONNECT_TIMEOUT_S = 3
# PostgreSQL cancels a statement (a lock wait included) after this long, so a thread whose
# caller has already been answered from the spool is freed instead of waiting forever.
STATEMENT_TIMEOUT_S = 10.0
# TCP keepalives (libpq): a server that vanished without closing the connection (a cut
# network, a frozen VM) is noticed in about idle + interval * count seconds, and data it
# never acknowledges fails the connection after tcp_user_timeout.
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 3,
              "keepalives_count": 3, "tcp_user_timeout": 15_000}


def postgres_connect_args(statement_timeout_s: float = STATEMENT_TIMEOUT_S) -> dict[str, Any]:
    """libpq connection parameters: connect time-out, keepalives, statement time-out."""
    timeout_ms = int(statement_timeout_s * 1000)
    return {"connect_timeout": CONNECT_TIMEOUT_S, **KEEPALIVES,
            "options": f"-c statement_timeout={timeout_ms}"}


def make_engine(url: str, statement_timeout_s: float = STATEMENT_TIMEOUT_S) -> Engine:
    """An engine for ``url``; SQLite gets WAL and a busy time-out so readers never block."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 5})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]  # psycopg 3 is our driver
    connect_args = (postgres_connect_args(statement_timeout_s)
                    if url.startswith("postgresql") else {})
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


def ping(engine: Engine) -> None:
    """Raise if the database cannot answer a trivial query."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
