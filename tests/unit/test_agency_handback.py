"""The hotline's re-route list: a ticket an agency hands back waits, with the agency's
reason, until the hotline assigns it on; the next agency's acceptance counts afresh. The
reason (pure), then the desk on real SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from schema_fixtures import upgraded
from tickets_pg import database_url, postgres_server  # noqa: F401  (fixture)

from ivr.config import Settings
from ivr.tickets.desk import build_ticket_desk
from ivr.tickets.errors import InvalidRequest
from ivr.tickets.inbox import hand_back_reason
from ivr.tickets.records import HistoryEntry
from ivr.tickets.status import Status
from ivr.tickets.wrapups import desk_form

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def line(to: str, frm: str | None, note: str = "") -> HistoryEntry:
    return HistoryEntry(NOW, "web:rina", frm, to, note)


@pytest.mark.parametrize(("status", "history", "reason"), [
    (Status.RECEIVED, [line("received", None)], None),
    (Status.RECEIVED, [line("received", None), line("assigned", "received"),
                       line("received", "assigned", "handed back by public_works: provincial"),
                       line("received", "received", "overdue: escalated to x")],
     "handed back by public_works: provincial"),
    (Status.ASSIGNED, [line("received", None), line("in_progress", "received"),
                       line("received", "in_progress", "handed back by public_works: no"),
                       line("assigned", "received")], None),
    (Status.RECEIVED, [line("received", None),  # not accepted yet, handed back at once
                       line("received", "received", "handed back by public_works: ours?"),
                       line("received", "received", "called the citizen")],
     "handed back by public_works: ours?"),
    (Status.RECEIVED, [], None),  # the history was not loaded
])
def test_the_hand_back_reason_is_the_last_change_of_a_ticket_received_again(
        status, history, reason) -> None:
    assert hand_back_reason(status, history) == reason


@pytest.fixture
async def desk(database_url, tmp_path):  # noqa: F811
    desk = build_ticket_desk(upgraded(Settings(data_dir=tmp_path, database_url=database_url)))
    assert await desk.prepare()
    yield desk
    desk.close()


FORM = {"kind": "complaint", "category": "roads", "description": "pothole"}


async def test_handed_back_tickets_wait_on_the_re_route_list_until_assigned(desk) -> None:
    number = await desk.open_at_desk(desk_form("6.5", FORM), "ani")
    other = await desk.open_at_desk(desk_form("6.6", FORM), "ani")
    accepted = await desk.change_status(number, "in_progress", "web:rina", "")
    assert accepted.accepted_at is not None
    back = await desk.hand_back(number, "web:rina", "a provincial road", "citizen_service")
    assert back.accepted_at is None  # the next agency's acceptance is the response
    [listed] = await desk.handed_back()
    assert listed.number == number and listed.agency == "citizen_service"
    assert hand_back_reason(listed.status, listed.history) == (
        "handed back by public_works: a provincial road")
    # The default agency's inbox shows it with the reason; other tickets have none.
    inbox = {t.number: t for t in await desk.agency_tickets(("citizen_service",))}
    assert hand_back_reason(inbox[number].status, inbox[number].history) is not None
    assert [t.number for t in await desk.agency_tickets(("public_works",))] == [other]
    await desk.assign(number, "environment", "web:sri", "the drain, not the road")
    assert await desk.handed_back() == []


async def test_a_ticket_not_yet_accepted_is_handed_back_but_not_by_the_default_agency(
        desk) -> None:
    number = await desk.open_at_desk(desk_form("6.7", FORM), "ani")
    back = await desk.hand_back(number, "web:rina", "not a road of ours", "citizen_service")
    assert (back.status, back.agency) == (Status.RECEIVED, "citizen_service")
    assert [t.number for t in await desk.handed_back()] == [number]
    with pytest.raises(InvalidRequest, match="default agency already"):
        await desk.hand_back(number, "web:cs", "nor ours", "citizen_service")
