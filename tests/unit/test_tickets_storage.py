"""The ticket service on a real database: SQLite and PostgreSQL (started by the tests)."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from tickets_pg import database_url  # noqa: F401  (the sqlite/postgresql fixture)

from ivr.db import make_engine
from ivr.schema.upgrade import VERSION_TABLE, all_metadata, upgrade_database
from ivr.tickets.deadlines import WorkingCalendar
from ivr.tickets.errors import InvalidRequest, InvalidTransition, NoSuchTicket, UnknownCategory
from ivr.tickets.models import Holiday
from ivr.tickets.numbers import ticket_number
from ivr.tickets.records import IncidentReport, NewTicket, TicketQuery
from ivr.tickets.service import TicketService
from ivr.tickets.status import Status

# Monday 6 May 2024, 10:00 in Jakarta.
MONDAY_10 = datetime(2024, 5, 6, 3, 0, tzinfo=UTC)
CALENDAR = WorkingCalendar(timezone="Asia/Jakarta", opens=time(8), closes=time(16))


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def service(database_url):  # noqa: F811
    engine = make_engine(database_url)
    upgrade_database(engine)
    yield TicketService(engine, CALENDAR, clock=Clock(MONDAY_10))
    engine.dispose()


def new_ticket(counter: int, category: str = "roads", **fields) -> NewTicket:
    defaults = dict(number=ticket_number(counter), token=f"tok{counter}", channel="phone",
                    category=category, received_at=MONDAY_10)
    return NewTicket(**{**defaults, **fields})


def test_migrations_match_the_models(database_url):  # noqa: F811
    engine = make_engine(database_url)
    upgrade_database(engine)
    upgrade_database(engine)  # a second start changes nothing
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        diff = compare_metadata(context, all_metadata())
        agencies = conn.execute(text("SELECT count(*) FROM agencies")).scalar_one()
    engine.dispose()
    assert diff == []
    assert agencies == 6


def test_open_ticket_routes_and_sets_deadline(service):
    record = service.open_ticket(new_ticket(1_000_001, "roads", caller_number="0812000111",
                                            recording_path="/rec/a.wav"), actor="ivr")
    assert (record.status, record.agency, record.category) == (Status.RECEIVED,
                                                               "public_works", "roads")
    assert record.due_at == datetime(2024, 5, 15, 3, 0, tzinfo=UTC)  # 7 working days
    utilities = service.open_ticket(new_ticket(1_000_002, "utilities"), actor="ivr")
    assert utilities.due_at == MONDAY_10 + timedelta(hours=24)  # round-the-clock agency
    stored = service.get(record.number, with_history=True)
    assert stored is not None and stored.recording_path == "/rec/a.wav"
    assert stored.caller_number == "0812000111"
    assert [(h.actor, h.from_status, h.to_status) for h in stored.history] == [
        ("ivr", None, "received")]


def test_holidays_from_the_table_move_deadlines(service):
    with service.sessions.begin() as session:
        session.add(Holiday(day=date(2024, 5, 9), name="Ascension", workday=False))
    record = service.open_ticket(new_ticket(1_000_003, "roads"), actor="ivr")
    assert record.due_at == datetime(2024, 5, 16, 3, 0, tzinfo=UTC)


def test_open_ticket_is_idempotent_by_number_and_by_call(service):
    first = service.open_ticket(new_ticket(1_000_004, source_ref="call-1"), actor="ivr")
    again = service.open_ticket(new_ticket(1_000_004, source_ref="call-1"), actor="ivr")
    same_call = service.open_ticket(new_ticket(1_000_005, source_ref="call-1"), actor="ivr")
    assert first.number == again.number == same_call.number
    assert len(service.find(TicketQuery())) == 1


def test_open_ticket_refusals(service):
    with pytest.raises(UnknownCategory):
        service.open_ticket(new_ticket(1_000_006, "astrology"), actor="ivr")
    with pytest.raises(InvalidRequest):
        service.open_ticket(new_ticket(1_000_007, description="x" * 4001), actor="api")


def test_description_is_stored_as_data(service):
    hostile = "'); DROP TABLE tickets; -- <b>bold</b> 🚧"
    record = service.open_ticket(new_ticket(1_000_008, description=hostile), actor="api")
    assert service.get(record.number).description == hostile


def test_status_machine_with_history(service):
    number = service.open_ticket(new_ticket(1_000_009), actor="ivr").number
    service.change_status(number, Status.ASSIGNED, "dispatcher ana", "to the north depot",
                          agency="public_works")
    service.change_status(number, Status.IN_PROGRESS, "depot budi")
    done = service.change_status(number, Status.RESOLVED, "depot budi", "hole filled")
    assert done.status is Status.RESOLVED and done.status_note == "hole filled"
    assert [(h.actor, h.to_status, h.note) for h in done.history][1:] == [
        ("dispatcher ana", "assigned", "to the north depot"),
        ("depot budi", "in_progress", ""), ("depot budi", "resolved", "hole filled")]
    with pytest.raises(InvalidTransition):
        service.change_status(number, Status.REJECTED, "someone")
    with pytest.raises(NoSuchTicket):
        service.change_status(ticket_number(9_999_999), Status.ASSIGNED, "someone")


def test_overdue_due_soon_escalation(service):
    urgent = service.open_ticket(new_ticket(1_000_010, "hazard"), actor="ivr")  # due +2 h
    late = service.open_ticket(new_ticket(1_000_011, "utilities",
                                          received_at=MONDAY_10 - timedelta(days=2)),
                               actor="ivr")
    service.open_ticket(new_ticket(1_000_012, "roads"), actor="ivr")  # due next week
    window = timedelta(hours=3)
    assert [t.number for t in service.overdue()] == [late.number]
    assert [t.number for t in service.due_soon(window)] == [urgent.number]
    report = service.escalation_report(window)
    assert (report.overdue_count, report.due_soon_count) == (1, 1)
    assert sorted(service.escalate(window)) == sorted([urgent.number, late.number])
    assert service.escalate(window) == []  # once each
    history = service.get(late.number, with_history=True).history
    assert history[-1].note == "overdue: escalated to utilities-supervisor"


def test_find_filters(service):
    a = service.open_ticket(new_ticket(1_000_013, "roads"), actor="ivr")
    b = service.open_ticket(new_ticket(1_000_014, "environment",
                                       received_at=MONDAY_10 + timedelta(hours=1)),
                            actor="ivr")
    service.change_status(b.number, Status.REJECTED, "desk", "not ours")
    assert {t.number for t in service.find(TicketQuery(categories=("roads",)))} == {a.number}
    assert [t.number for t in service.find(TicketQuery(numbers=(b.number,)))] == [b.number]
    assert [t.number for t in service.find(
        TicketQuery(statuses=frozenset({Status.REJECTED})))] == [b.number]
    assert [t.number for t in service.find(
        TicketQuery(start=MONDAY_10 + timedelta(minutes=30)))] == [b.number]
    assert [t.number for t in service.find(TicketQuery(end=MONDAY_10))] == [a.number]


def test_incident_once_per_call(service):
    report = IncidentReport("1715000000.1", "0812000111", "fire", "fire", MONDAY_10)
    assert service.record_incident(report) is True
    assert service.record_incident(report) is False


def test_incident_facts_are_kept_as_they_grow_and_the_outcome_is_the_operator_s(service):
    from dataclasses import replace

    waiting = IncidentReport("1715000000.2", "0812000222", "unknown", "emergency", MONDAY_10,
                             joins='[["emergency", 1.0]]', location="https://lis/x")
    assert service.save_incident_facts(waiting) is True
    assert service.set_incident_outcome("1715000000.2", "prank", "web:ani",
                                        MONDAY_10).outcome == "prank"
    answered = replace(waiting, call_state="answered", answered_by="ani", silent=True,
                       answered_at=MONDAY_10 + timedelta(seconds=9), waited_seconds=9.0)
    assert service.save_incident_facts(answered) is False
    view = service.incident("1715000000.2")
    assert view.report == answered  # every fact, as the AMI service saw it last
    assert (view.outcome, view.outcome_by) == ("prank", "web:ani")  # not overwritten
    assert service.outcome_counts(MONDAY_10, MONDAY_10 + timedelta(days=1)) == {"prank": 1}
    assert [v.report.unique_id for v in service.incidents(
        MONDAY_10, MONDAY_10 + timedelta(days=1), caller="0812000222")] == ["1715000000.2"]
    assert service.set_incident_outcome("nope", "fire", "web:ani", MONDAY_10) is None


def test_prank_calls_count_within_the_window_and_since_a_clearance(service):
    for n, days_ago in enumerate((1, 2, 3, 9)):
        uid = f"1715000001.{n}"
        service.save_incident_facts(IncidentReport(uid, "0812000333", "unknown", "emergency",
                                                   MONDAY_10 - timedelta(days=days_ago),
                                                   joins="[]"))
        service.set_incident_outcome(uid, "prank", "web:ani", MONDAY_10)
    week = MONDAY_10 - timedelta(days=7)
    assert service.prank_calls("0812000333", week) == 3
    assert service.prank_calls("0812000999", week) == 0
    # The lane's list: the same rule for every number in one query.
    assert service.prank_numbers(week, 3) == {"0812000333"}
    assert service.prank_numbers(week, 4) == set()
    service.clear_pranks("0812000333", "web:sri", MONDAY_10 - timedelta(days=1, hours=12))
    assert service.prank_calls("0812000333", week) == 1
    assert service.prank_numbers(week, 2) == set()
    assert service.prank_numbers(week, 1) == {"0812000333"}


def test_highest_counter(service):
    assert service.highest_counter("") is None
    for counter in (1_000_020, 12_000_000, 1_000_030):
        service.open_ticket(new_ticket(counter), actor="ivr")
    assert service.highest_counter("") == 12_000_000
