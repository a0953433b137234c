"""The console's ticket desk: a form becomes a ticket of the call (or a reason for none), on
real SQLite and PostgreSQL; a consultation answered on the call is closed at once; the same
call never makes two tickets; with the database away the ticket waits in the spool and lands
closed, with its wrap-up, once the database is back."""

import time
from datetime import UTC, datetime, timedelta

import pytest
from schema_fixtures import upgraded
from tickets_pg import database_url, postgres_server  # noqa: F401  (fixture)

from ivr.config import Settings
from ivr.reports.tables import queue_calls
from ivr.tickets.desk import build_ticket_desk
from ivr.tickets.errors import InvalidRequest, UnknownCategory
from ivr.tickets.kinds import Kind
from ivr.tickets.status import Status
from ivr.tickets.wrapups import (
    BadWrapUp,
    call_of,
    call_ref,
    checked_reason,
    desk_form,
    grouped,
)

FORM = {"kind": "handling_request", "category": "roads", "description": "pothole on Jl. Dago",
        "caller_number": "081234567890", "contact_name": "Siti", "address": "Jl. Dago 12",
        "district": "coblong", "subdistrict": "dago", "language": "id"}


# --- pure -------------------------------------------------------------------------------------

def test_a_form_is_read_with_its_kind_and_area() -> None:
    form = desk_form("1733224455.42", FORM)
    assert (form.kind, form.category, form.district, form.subdistrict) == (
        Kind.HANDLING_REQUEST, "roads", "coblong", "dago")
    assert not form.closed_on_call


@pytest.mark.parametrize(("body", "field"), [
    ({**FORM, "kind": "gossip"}, "kind"),
    ({**FORM, "category": ""}, "category"),
    ({**FORM, "description": "  "}, "description"),
    ({**FORM, "language": "fr"}, "language"),
    ({**FORM, "closed_on_call": "yes"}, "closed_on_call"),
    ({**FORM, "address": 12}, "address"),
])
def test_a_bad_form_names_the_field(body, field) -> None:
    with pytest.raises(BadWrapUp) as refused:
        desk_form("1.1", body)
    assert refused.value.details["field"] == field


def test_a_call_id_that_is_not_one_is_refused() -> None:
    with pytest.raises(BadWrapUp, match="call id"):
        desk_form("../etc", FORM)


def test_reasons_other_needs_words() -> None:
    assert checked_reason("wrong_number", "") == "wrong_number"
    assert checked_reason("other", "asked for the mayor") == "other: asked for the mayor"
    with pytest.raises(BadWrapUp, match="say why"):
        checked_reason("other", "")
    with pytest.raises(BadWrapUp, match="reason is one of"):
        checked_reason("bored", "")


def test_call_refs_and_grouped_numbers() -> None:
    assert call_of(call_ref("17.3")) == "17.3"
    assert call_of("17.3") is None and call_of(None) is None
    assert grouped("2612030045") == "2612 0300 45"


# --- on a real database -----------------------------------------------------------------------

@pytest.fixture
async def desk(database_url, tmp_path):  # noqa: F811
    desk = build_ticket_desk(upgraded(Settings(data_dir=tmp_path, database_url=database_url)))
    assert await desk.prepare()
    yield desk
    desk.close()


async def test_the_desk_ticket_has_its_agency_deadline_operator_and_wrap_up(desk) -> None:
    number = await desk.open_at_desk(desk_form("1733.1", FORM), "ani")
    ticket = await desk.ticket(number)
    assert (ticket.agency, ticket.operator, ticket.kind, ticket.district) == (
        "public_works", "ani", "handling_request", "coblong")
    assert ticket.status is Status.RECEIVED and ticket.due_at > ticket.created_at
    assert await desk.open_at_desk(desk_form("1733.1", FORM), "ani") == number  # sent twice
    with desk.service.sessions.begin() as session:
        from ivr.tickets.models import CallWrapUp
        row = session.get(CallWrapUp, "1733.1")
        assert (row.ticket_number, row.operator, row.reason) == (number, "ani", "")


async def test_a_consultation_answered_on_the_call_is_closed_at_once(desk) -> None:
    form = desk_form("1733.2", {**FORM, "kind": "consultation", "closed_on_call": True})
    ticket = await desk.ticket(await desk.open_at_desk(form, "ani"))
    assert ticket.status is Status.CLOSED
    assert [h.to_status for h in ticket.history] == [
        "received", "in_progress", "resolved", "closed"]
    assert ticket.public_note == "" and ticket.history[2].public_note == "Answered on the call."
    assert ticket.resolved_at is not None


async def test_an_unknown_category_or_a_long_field_is_refused(desk) -> None:
    with pytest.raises(UnknownCategory):
        await desk.open_at_desk(desk_form("1733.3", {**FORM, "category": "nope"}), "ani")
    with pytest.raises(InvalidRequest, match="address is longer"):
        await desk.open_at_desk(desk_form("1733.3", {**FORM, "address": "a" * 401}), "ani")


async def test_with_the_database_away_the_desk_ticket_waits_and_lands_closed(desk) -> None:
    desk._down_until = time.monotonic() + 60  # as after a failed database step
    form = desk_form("1733.4", {**FORM, "closed_on_call": True})
    number = await desk.open_at_desk(form, "ani")
    assert [r.number for r in desk.spool.records()] == [number]
    desk._down_until = 0.0
    assert await desk.flush_spool() == 1
    ticket = await desk.ticket(number)
    assert ticket.status is Status.CLOSED and ticket.operator == "ani"
    assert await desk.unwrapped_calls("ani", 1) == []


async def test_answered_calls_without_ticket_or_reason_are_listed_until_wrapped(desk) -> None:
    now = datetime.now(UTC)
    with desk.service.engine.begin() as connection:
        for uid, queue, member, outcome in [("9.1", "hotline", "ani", "answered"),
                                            ("9.2", "hotline", "ani", "answered"),
                                            ("9.3", "hotline", "budi", "answered"),
                                            ("9.4", "hotline", "ani", "abandoned"),
                                            ("9.5", "fire", "ani", "answered")]:
            connection.execute(queue_calls.insert().values(
                queue=queue, unique_id=uid, caller_number="0812", joined_at=now,
                outcome=outcome, waited_s=3.0, member=member, language="id", ticket=""))
    assert [c["unique_id"] for c in await desk.unwrapped_calls("ani", 1)] == ["9.1", "9.2"]
    assert len(await desk.unwrapped_calls("", 1)) == 3  # everyone's, 112 calls excepted
    await desk.wrap_up("9.1", "ani", "wrong_number")
    await desk.open_at_desk(desk_form("9.2", FORM), "ani")
    assert await desk.unwrapped_calls("ani", 1) == []
    stored = await desk.wrap_up("9.2", "ani", "test_call")  # a ticket is not undone
    assert stored.ticket_number and stored.reason == ""
    desk.clock = lambda: now + timedelta(hours=3)
    assert await desk.unwrapped_calls("", 1) == []  # older than the window
