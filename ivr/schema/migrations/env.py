"""Alembic environment of the hotline's whole schema; run by ``ivr.schema.upgrade``."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from ivr.db import make_engine
from ivr.schema.upgrade import VERSION_TABLE, all_metadata

config = context.config


def _run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=all_metadata(),
                      version_table=VERSION_TABLE, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.begin() as conn:
            _run(conn)
    finally:
        engine.dispose()


def run_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"),
                      target_metadata=all_metadata(), version_table=VERSION_TABLE,
                      literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
