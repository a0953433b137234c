"""The classic launcher's desk: a 112 incident goes to the spool, the services' flush writes
it; nothing needing the database is made until a flow asks for it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from schema_fixtures import upgraded
from sqlalchemy import select

from ivr.config import Settings
from ivr.tickets.desk import build_ticket_desk
from ivr.tickets.models import Incident
from ivr.tickets.records import IncidentReport
from ivr.tickets.spooling_desk import spooling_desk

ROOT = Path(__file__).resolve().parents[2]


async def test_a_112_incident_is_spooled_and_the_services_flush_writes_it(
        tmp_path: Path) -> None:
    settings = upgraded(Settings(data_dir=tmp_path))
    classic = spooling_desk(settings)
    classic.record_emergency_call("112-classic", "0812", "police", "police")  # appended now
    assert classic._full is None  # no database touched
    assert [r.unique_id for r in classic.spool.records()
            if isinstance(r, IncidentReport)] == ["112-classic"]
    services = build_ticket_desk(settings)
    try:
        assert await services.flush_spool() == 1
        with services.service.sessions.begin() as session:
            row = session.scalars(select(Incident)).one()
            assert (row.unique_id, row.service, row.outcome) == ("112-classic", "police",
                                                                 "queued")
    finally:
        services.close()


async def test_a_status_lookup_makes_the_full_desk_once(tmp_path: Path) -> None:
    classic = spooling_desk(upgraded(Settings(data_dir=tmp_path)))
    try:
        assert await classic.status_by_number("000000000") is None
        first = classic.full()
        assert classic.full() is first
    finally:
        classic.close()


def test_the_launcher_imports_no_database_web_ami_or_event_loop_library() -> None:
    probe = ("import sys, runpy; sys.argv = ['hotline_agi.py']; "
             f"runpy.run_path({str(ROOT / 'agi_scripts' / 'hotline_agi.py')!r}, "
             "run_name='not_main');"
             "import ivr.agi.classic, ivr.call_routes, ivr.tickets.spooling_desk; "
             "print(sorted({m.split('.')[0] for m in sys.modules} & "
             "{'sqlalchemy', 'alembic', 'aiohttp', 'redis', 'panoramisk', 'asyncio'}))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    assert out.strip() == "[]"
