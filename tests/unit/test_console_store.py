"""The console's database edge: the admin's code lists, and the wrap-up code kept with the
call's wrap-up row (also from the spool)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session

from ivr.console.codes import DEFAULT_PAUSE_REASONS, PAUSE_REASONS, WRAPUP_CODES, Code
from ivr.console.store import CallCode, CodeStore, save_call_code
from ivr.console.tables import metadata
from ivr.tickets.models import Base, CallWrapUp
from ivr.tickets.spool import decode, encode
from ivr.tickets.storage import save_wrap_up
from ivr.tickets.wrapups import WrapUp

AT = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)


def engine_at(tmp_path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    Base.metadata.create_all(engine)
    metadata.create_all(engine)
    return engine


def test_the_lists_are_the_defaults_until_an_admin_saves_one(tmp_path: Path) -> None:
    store = CodeStore(engine_at(tmp_path))
    assert store.codes(PAUSE_REASONS) == list(DEFAULT_PAUSE_REASONS)
    mine = [Code("prayer", "Prayer"), Code("break", "Short break")]
    store.replace(PAUSE_REASONS, mine)
    assert store.codes(PAUSE_REASONS) == mine  # in the admin's order
    store.replace(PAUSE_REASONS, mine[1:])
    assert store.codes(PAUSE_REASONS) == mine[1:]
    assert store.codes(WRAPUP_CODES)[0].code == "resolved"  # the other list is untouched


def test_the_code_joins_the_call_s_wrap_up_row_and_keeps_its_ticket(tmp_path: Path) -> None:
    engine = engine_at(tmp_path)
    with Session(engine) as session, session.begin():
        save_wrap_up(session, WrapUp("17.1", "ani", AT, "hotline", "0811", ticket_number="42"))
        save_call_code(session, CallCode("17.1", "ani", "resolved", AT, "hotline", "0811"))
        save_call_code(session, CallCode("17.2", "ani", "dispatched", AT, "fire", "0812"))
        save_call_code(session, CallCode("17.2", "ani", "dispatched", AT, "fire", "0812"))
    with Session(engine) as session:
        first, second = session.get(CallWrapUp, "17.1"), session.get(CallWrapUp, "17.2")
        assert first is not None and (first.ticket_number, first.code) == ("42", "resolved")
        assert second is not None and (second.code, second.queue, second.reason) == (
            "dispatched", "fire", "")


def test_a_spooled_code_round_trips() -> None:
    call = CallCode("17.3", "ani", "callback", AT, "police", "0813")
    assert decode(encode(call)) == call
    assert json.loads(encode(call))["record"] == "code"
