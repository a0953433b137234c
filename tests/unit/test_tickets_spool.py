"""Nothing lost: numbers without the database, the spool, and the flush exactly once."""

import asyncio
import json
import shutil
import threading
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from schema_fixtures import upgraded
from sqlalchemy import func, select
from tickets_pg import postgres_server

from ivr.config import Settings
from ivr.flows.ports import CallReport
from ivr.reports.records import ABANDONED, ANSWERED, CallRecord, VirtualHoldStep
from ivr.reports.tables import queue_calls, virtual_hold_steps
from ivr.tickets.allocator import NumberAllocator
from ivr.tickets.desk import TicketDesk, build_ticket_desk
from ivr.tickets.models import Incident, Ticket
from ivr.tickets.numbers import FIRST_COUNTER, is_valid, ticket_number
from ivr.tickets.records import IncidentReport, NewTicket, Rating
from ivr.tickets.spool import Spool, decode, encode

AT = datetime(2024, 5, 6, 3, 0, tzinfo=UTC)


def test_spool_lines_round_trip():
    ticket = NewTicket(number="10000004", token="t", channel="phone", category="roads",
                       received_at=AT, description='"quoted" <b> ünïcode', latitude=1.5)
    incident = IncidentReport("1715.1", "0812", "fire", "fire", AT)
    assert decode(encode(ticket)) == ticket
    assert decode(encode(incident)) == incident
    record = call("1715.2")
    assert decode(encode(record)) == record
    assert json.loads(encode(record))["record"] == "call"


def test_settle_removes_what_landed_and_keeps_what_came_meanwhile(tmp_path):
    spool = Spool(tmp_path)
    for uid in ("a", "b", "c"):
        spool.append(IncidentReport(uid, "", "police", "police", AT))
    waiting, unreadable = spool.take()
    assert [w.record.unique_id for w in waiting] == ["a", "b", "c"] and unreadable == []
    spool.append(IncidentReport("d", "", "police", "police", AT))  # while the flush runs
    spool.settle([waiting[0].line], [])
    assert [r.unique_id for r in spool.records()] == ["b", "c", "d"]


def test_unreadable_lines_are_set_aside_with_reason_and_time(tmp_path):
    spool = Spool(tmp_path)
    spool.append(IncidentReport("a", "", "police", "police", AT))
    with open(spool.path, "a") as out:
        out.write('{"kind": "tick')  # a torn last line
    waiting, unreadable = spool.take()
    assert [u.line for u in unreadable] == [b'{"kind": "tick']
    spool.settle([w.line for w in waiting], unreadable)
    rejected = [json.loads(line) for line in spool.rejected_path.read_text().splitlines()]
    assert [r["line"] for r in rejected] == ['{"kind": "tick']
    assert rejected[0]["reason"].startswith("unreadable line")
    assert datetime.fromisoformat(rejected[0]["at"]).tzinfo is not None
    assert spool.records() == []


def test_allocator_numbers_are_unique_across_threads_and_restarts(tmp_path):
    numbers: list[str] = []

    def take():
        allocator = NumberAllocator(tmp_path)
        for _ in range(25):
            numbers.append(allocator.next_number())

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(numbers)) == 100 and all(is_valid(n) for n in numbers)
    again = NumberAllocator(tmp_path)
    assert again.next_number() == ticket_number(FIRST_COUNTER + 100)
    again.advance_to(5_000_000)
    assert again.next_number() == ticket_number(5_000_001)
    again.advance_to(10)  # never backwards
    assert again.next_number() == ticket_number(5_000_002)


def report(uid: str) -> CallReport:
    return CallReport("0812000111", "id", "utilities", f"/rec/{uid}.wav", uid)


def counts(desk: TicketDesk) -> tuple[int, int]:
    with desk.service.sessions.begin() as session:
        return (session.scalar(select(func.count()).select_from(Ticket)),
                session.scalar(select(func.count()).select_from(Incident)))


def call_rows(desk: TicketDesk) -> list[tuple[str, str, str]]:
    with desk.service.sessions.begin() as session:
        return [tuple(r) for r in session.execute(
            select(queue_calls.c.unique_id, queue_calls.c.outcome, queue_calls.c.member)
            .order_by(queue_calls.c.unique_id))]


def call(uid: str, outcome: str = ANSWERED, member: str = "PJSIP/ani") -> CallRecord:
    return CallRecord("hotline", uid, "0812000444", datetime(2026, 12, 3, 9, 0, tzinfo=UTC),
                      outcome, 12.5, member if outcome == ANSWERED else "", "id", "")


async def outage_then_recovery(desk: TicketDesk, stop, start) -> None:
    assert await desk.prepare()
    stored = await desk.open_from_call(report("before"))
    await desk.record_call(call("call-before"))
    stop()
    try:
        # The AMI service's call records: spooled beside the tickets, none lost.
        await desk.record_call(call("call-down-1"))
        await desk.record_call(call("call-down-2", ABANDONED))
        spooled = [await desk.open_from_call(report(f"down-{i}")) for i in range(3)]
        desk.record_emergency_call("112-call", "0812000222", "fire", "fire")
        await desk.drain()
        # The AMI service's record of a queue-first call, as it grows while the database is down.
        waiting = IncidentReport("112-queued", "0812000333", "unknown", "emergency",
                                 datetime(2026, 12, 3, 10, 0, tzinfo=UTC),
                                 joins='[["emergency", 1.0]]')
        await desk.save_incident(waiting)
        await desk.save_incident(replace(waiting, call_state="answered", answered_by="ani"))
        assert len(set(spooled + [stored])) == 4 and all(is_valid(n) for n in spooled)
        view = await desk.status_by_number(spooled[0])  # heard from the spool
        assert view is not None and (view.status, view.agency) == ("received", "utilities")
        assert await desk.flush_spool() == 0  # still down: nothing written, nothing lost
    finally:
        start()
    assert await desk.flush_spool() == 8
    assert await desk.flush_spool() == 0
    assert counts(desk) == (4, 2)
    assert call_rows(desk) == [("call-before", ANSWERED, "PJSIP/ani"),
                               ("call-down-1", ANSWERED, "PJSIP/ani"),
                               ("call-down-2", ABANDONED, "")]
    queued = await desk.incident("112-queued")
    assert queued is not None  # in order: the later state won
    assert (queued.report.call_state, queued.report.answered_by) == ("answered", "ani")
    for number in spooled:
        record = await desk.ticket(number)
        assert record is not None and record.recording_path.startswith("/rec/down-")
        assert record.history[0].actor == "spool:phone"


async def test_sqlite_outage_loses_nothing(tmp_path):
    db_dir = tmp_path / "db"
    settings = Settings(data_dir=tmp_path / "data",
                        database_url=f"sqlite:///{db_dir / 'hotline.sqlite3'}")
    desk = build_ticket_desk(upgraded(settings))
    moved = tmp_path / "db-away"

    def stop() -> None:  # the database folder disappears (a lost mount) ...
        desk.service.engine.dispose()
        shutil.move(db_dir, moved)

    try:
        await outage_then_recovery(desk, stop, lambda: shutil.move(moved, db_dir))
    finally:
        desk.close()


async def test_postgres_outage_loses_nothing(tmp_path):
    server = postgres_server()
    settings = Settings(data_dir=tmp_path, database_url=server.new_database())
    desk = build_ticket_desk(upgraded(settings))
    try:
        await outage_then_recovery(desk, server.stop, server.start)
    finally:
        desk.close()


async def test_a_replayed_spool_line_is_written_once(tmp_path):
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'h.sqlite3'}")
    desk = build_ticket_desk(upgraded(settings))
    assert await desk.prepare()
    line = NewTicket(number=ticket_number(2_000_000), token="tok", channel="phone",
                     category="roads", received_at=AT)
    desk.spool.append(line)
    assert await desk.flush_spool() == 1
    desk.spool.append(line)  # as if the process died after the commit, before the rewrite
    assert await desk.flush_spool() == 1
    assert counts(desk) == (1, 0)
    record = call("replayed")  # a call record too: one row, the replay a no-op
    for _ in range(2):
        desk.spool.append(record)
        assert await desk.flush_spool() == 1
    await desk.record_call(record)  # and written again directly: still one
    assert call_rows(desk) == [("replayed", ANSWERED, "PJSIP/ani")]
    desk.close()


async def test_status_by_number(tmp_path: Path):
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'h.sqlite3'}")
    desk = build_ticket_desk(upgraded(settings))
    number = await desk.open_from_call(CallReport("0812", "en", "roads", None, "c1"))
    view = await desk.status_by_number(number)
    assert view is not None
    assert (view.number, view.status, view.agency, view.agency_name) == (
        number, "received", "public_works", "Public Works Agency")
    assert view.due_at.tzinfo is not None
    wrong_check = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert await desk.status_by_number(wrong_check) is None
    assert await desk.status_by_number(ticket_number(9_999_999)) is None
    assert await desk.status_by_number("") is None
    # The same call reported twice (a retried AGI request) is one ticket.
    assert await desk.open_from_call(CallReport("0812", "en", "roads", None, "c1")) == number
    # An unknown IVR category still makes a ticket, routed by the citizen service office.
    other = await desk.open_from_call(CallReport("0812", "id", "karaoke", None, "c2"))
    assert (await desk.status_by_number(other)).agency == "citizen_service"
    desk.close()


async def test_until_the_schema_is_up_to_date_tickets_go_to_the_spool(tmp_path):
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'h.sqlite3'}")
    schema_ready = asyncio.Event()
    desk = build_ticket_desk(settings, schema_ready=schema_ready)  # an empty database
    try:
        early = await desk.open_from_call(report("early"))
        desk.record_emergency_call("112-early", "0812000222", "fire", "fire")
        await desk.drain()
        assert is_valid(early) and len(desk.spool.records()) == 2
        assert await desk.flush_spool() == 0  # nothing tried before the schema is there
        upgraded(settings)
        schema_ready.set()
        later = await desk.open_from_call(report("later"))  # at once: waiting was no failure
        assert len(desk.spool.records()) == 2 and await desk.ticket(later) is not None
        assert await desk.flush_spool() == 2
        assert counts(desk) == (2, 1)
    finally:
        desk.close()


def test_an_incident_with_its_call_facts_survives_the_spool_line() -> None:
    from datetime import UTC, datetime

    from ivr.tickets.records import IncidentReport
    from ivr.tickets.spool import decode, encode

    at = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    report = IncidentReport("9.1", "0811", "fire", "fire", at, answered_at=at, answered_by="ani",
                            waited_seconds=4.5, call_state="answered", silent=True, keys="2",
                            joins='[["emergency", 1.0]]', location="https://lis/x", lane="prank")
    assert decode(encode(report)) == report
    old_line = ('{"kind": "incident", "unique_id": "9.2", "caller_number": "0811", '
                '"service": "fire", "queue": "fire", "started_at": "2026-12-03T10:00:00+00:00"}')
    assert decode(old_line).call_state == "waiting"  # a line spooled by an older version


def test_a_ticket_keeps_its_kind_and_area_and_old_lines_still_read() -> None:
    from datetime import UTC, datetime

    from ivr.tickets.records import NewTicket
    from ivr.tickets.spool import decode, encode

    at = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    new = NewTicket("1", "t", "phone", "roads", at, kind="complaint", district="coblong",
                    subdistrict="dago", operator="ani")
    assert decode(encode(new)) == new
    old_line = ('{"kind": "ticket", "number": "2", "token": "u", "channel": "phone", '
                '"category": "roads", "received_at": "2026-12-03T10:00:00+00:00"}')
    assert decode(old_line).kind == "handling_request"  # spooled before tickets had a kind


def test_ratings_and_virtual_hold_steps_round_trip_through_a_spool_line() -> None:
    at = datetime(2026, 12, 4, 8, 30, tzinfo=UTC)
    for record in (Rating("10000015", 4, "call", at, "/rec/c.wav"),
                   VirtualHoldStep("1733.5", "dialled", "0812", "hotline", at, 2)):
        assert decode(encode(record)) == record


async def test_a_virtual_hold_step_is_spooled_while_the_database_is_away_and_lands_once(
        tmp_path: Path) -> None:
    desk = build_ticket_desk(upgraded(Settings(data_dir=tmp_path)))
    try:
        step = VirtualHoldStep("1733.5", "accepted", "0812", "hotline", datetime.now(UTC))
        desk.spool.append(step)  # as when the database refused it
        desk.spool.append(step)  # offered twice after a crash
        assert await desk.flush_spool() == 2
        await desk.record_vhold_step(step)  # and once more, live: still one row
        with desk.service.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(virtual_hold_steps)
                                ).scalar_one() == 1
    finally:
        desk.close()
