"""The call records' tables (``queue_calls``, ``virtual_hold_steps``, ``operator_activity``),
in the one schema history (``ivr/schema``)."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import (
    Column,
    Connection,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    insert,
    select,
)
from sqlalchemy.orm import Session

from ..tickets.models import UtcDateTime

metadata = MetaData()

queue_calls = Table(
    "queue_calls", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("queue", String(80), nullable=False, index=True),
    Column("unique_id", String(100), nullable=False, index=True),
    Column("caller_number", String(64), nullable=False, default=""),
    Column("joined_at", UtcDateTime, nullable=False, index=True),
    Column("outcome", String(20), nullable=False),
    Column("waited_s", Float, nullable=False),
    Column("member", String(200), nullable=False, default=""),
    Column("language", String(8), nullable=False, default=""),
    Column("ticket", String(32), nullable=False, default=""),
    # One row per call, queue and join: a record the spool offers twice lands once.
    Index("uq_queue_calls_call", "unique_id", "queue", "joined_at", unique=True),
)

# What each 12345 virtual hold did (offered, accepted, dialled, reached, unreached), as the
# dialplan told the AMI service; one row per hold, step and try (the spool may offer twice).
virtual_hold_steps = Table(
    "virtual_hold_steps", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("hold_id", String(100), nullable=False),
    Column("step", String(12), nullable=False),
    Column("attempt", Integer, nullable=False, default=0),
    Column("caller_number", String(64), nullable=False, default=""),
    Column("queue", String(80), nullable=False, default=""),
    Column("at", UtcDateTime, nullable=False, index=True),
    Index("uq_virtual_hold_steps_step", "hold_id", "step", "attempt", unique=True),
)

# Operators' handled calls, missed offers and pauses (``records.OperatorActivity``), for the
# per-operator figures; one row per operator, kind, call and start (the spool may offer twice).
operator_activity = Table(
    "operator_activity", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("operator", String(200), nullable=False),
    Column("kind", String(12), nullable=False),
    Column("started_at", UtcDateTime, nullable=False, index=True),
    Column("seconds", Float, nullable=False),
    Column("reason", String(80), nullable=False, default=""),
    Column("queue", String(80), nullable=False, default=""),
    Column("unique_id", String(100), nullable=False, default=""),
    Index("uq_operator_activity_once", "operator", "kind", "unique_id", "started_at",
          unique=True),
)


def insert_once(conn: Connection | Session, table: Table, key: Mapping[str, object],
                rest: Mapping[str, object]) -> bool:
    """Insert ``key`` and ``rest`` into ``table`` unless a row with ``key`` is there; True if
    inserted. (A concurrent insert of the same key fails on the table's unique index.)"""
    found = conn.execute(select(table.c.id).where(
        *(table.c[name] == value for name, value in key.items()))).first()
    if found is not None:
        return False
    conn.execute(insert(table).values(**key, **rest))
    return True
