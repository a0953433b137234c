"""Agencies' inboxes: deadline states (pure), and accepting, noting, resolving and handing
back tickets on real SQLite and PostgreSQL, each step in the history and the tracking view."""

from datetime import UTC, datetime, timedelta

import pytest
from schema_fixtures import upgraded
from tickets_pg import database_url, postgres_server  # noqa: F401  (fixture)

from ivr.accounts import Role, User
from ivr.config import Settings
from ivr.tickets.desk import build_ticket_desk
from ivr.tickets.errors import InvalidRequest, InvalidTransition
from ivr.tickets.inbox import DeadlineState, checked_note, deadline_state, inbox_order
from ivr.tickets.status import Status
from ivr.tickets.wrapups import desk_form

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
SOON = timedelta(hours=2)


@pytest.mark.parametrize(("status", "due", "state"), [
    (Status.RECEIVED, NOW - timedelta(minutes=1), DeadlineState.OVERDUE),
    (Status.IN_PROGRESS, NOW + timedelta(hours=1), DeadlineState.DUE_SOON),
    (Status.ASSIGNED, NOW + timedelta(hours=3), DeadlineState.ON_TIME),
    (Status.RESOLVED, NOW - timedelta(days=3), DeadlineState.FINISHED),
])
def test_deadline_states(status, due, state) -> None:
    assert deadline_state(status, due, NOW, SOON) is state


def test_the_inbox_puts_overdue_first_then_by_deadline() -> None:
    rows = [(DeadlineState.ON_TIME, NOW + timedelta(days=1)),
            (DeadlineState.OVERDUE, NOW - timedelta(hours=1)),
            (DeadlineState.DUE_SOON, NOW + timedelta(hours=1)),
            (DeadlineState.OVERDUE, NOW - timedelta(hours=5))]
    ordered = sorted(rows, key=lambda r: inbox_order(*r))
    assert [r[0] for r in ordered] == ["overdue", "overdue", "due_soon", "on_time"]
    assert ordered[0][1] < ordered[1][1]


def test_notes_are_checked() -> None:
    assert checked_note("  done  ") == "done"
    with pytest.raises(InvalidRequest, match="give the reason"):
        checked_note(" ", "the reason")
    with pytest.raises(InvalidRequest, match="at most"):
        checked_note("x" * 2001)


def test_an_agency_user_sees_only_its_agencies() -> None:
    staff = User("rina", Role.AGENCY, agencies=("public_works",))
    assert staff.sees_agency("public_works") and not staff.sees_agency("environment")
    assert User("sri", Role.SUPERVISOR).sees_agency("environment")
    assert not User("ani", Role.OPERATOR).sees_agency("public_works")


@pytest.fixture
async def desk(database_url, tmp_path):  # noqa: F811
    desk = build_ticket_desk(upgraded(Settings(data_dir=tmp_path, database_url=database_url)))
    assert await desk.prepare()
    yield desk
    desk.close()


FORM = {"kind": "complaint", "category": "roads", "description": "pothole"}


async def test_accept_note_resolve_each_in_the_history(desk) -> None:
    number = await desk.open_at_desk(desk_form("5.1", FORM), "ani")
    assert [t.number for t in await desk.agency_tickets(("public_works",))] == [number]
    assert await desk.agency_tickets(("environment",)) == []
    accepted = await desk.change_status(number, "in_progress", "web:rina", "")
    assert accepted.accepted_at is not None
    noted = await desk.add_note(number, "web:rina", "crew sent on Monday", public=True)
    assert noted.status is Status.IN_PROGRESS and noted.public_note == "crew sent on Monday"
    internal = await desk.add_note(number, "web:rina", "asphalt ordered", public=False)
    assert internal.public_note == "crew sent on Monday"  # an internal note publishes nothing
    assert internal.history[-1].note == "asphalt ordered"
    done = await desk.change_status(number, "resolved", "web:rina", "",
                                    public_note="filled and rolled")
    assert done.resolved_at is not None and done.public_note == "filled and rolled"
    assert [h.to_status for h in done.history] == [
        "received", "in_progress", "in_progress", "in_progress", "resolved"]
    # Finished tickets stay in the inbox for a week.
    assert [t.number for t in await desk.agency_tickets(("public_works",))] == [number]


async def test_a_ticket_handed_back_goes_to_the_default_agency_and_is_routed_on(desk) -> None:
    number = await desk.open_at_desk(desk_form("5.2", FORM), "ani")
    await desk.change_status(number, "in_progress", "web:rina", "")
    back = await desk.hand_back(number, "web:rina", "this road is provincial",
                                "citizen_service")
    assert (back.status, back.agency) == (Status.RECEIVED, "citizen_service")
    assert back.history[-1].note == "handed back by public_works: this road is provincial"
    assert [t.number for t in await desk.agency_tickets(("citizen_service",))] == [number]
    routed = await desk.assign(number, "environment", "web:sri", "drainage")
    assert (routed.status, routed.agency) == (Status.ASSIGNED, "environment")
    with pytest.raises(InvalidRequest, match="no agency"):
        await desk.assign(number, "atlantis", "web:sri", "")


async def test_a_ticket_not_yet_accepted_can_be_handed_back(desk) -> None:
    number = await desk.open_at_desk(desk_form("5.4", FORM), "ani")
    back = await desk.hand_back(number, "web:rina", "not ours", "citizen_service")
    assert (back.status, back.agency) == (Status.RECEIVED, "citizen_service")


async def test_a_finished_ticket_cannot_be_handed_back(desk) -> None:
    form = desk_form("5.3", {**FORM, "kind": "consultation", "closed_on_call": True})
    number = await desk.open_at_desk(form, "ani")
    with pytest.raises(InvalidTransition):
        await desk.hand_back(number, "web:rina", "not ours", "citizen_service")
