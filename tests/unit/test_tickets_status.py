from datetime import UTC, datetime, timedelta

import pytest

from ivr.tickets.errors import InvalidRequest, InvalidTransition
from ivr.tickets.escalation import build_report, flag
from ivr.tickets.records import TicketRecord
from ivr.tickets.status import (
    Status,
    check_transition,
    open311_status,
    parse_status,
    statuses_for_open311,
)

S = Status


@pytest.mark.parametrize(("current", "target"), [
    (S.RECEIVED, S.ASSIGNED), (S.RECEIVED, S.IN_PROGRESS), (S.RECEIVED, S.REJECTED),
    (S.RECEIVED, S.DUPLICATE), (S.ASSIGNED, S.IN_PROGRESS), (S.ASSIGNED, S.RESOLVED),
    (S.IN_PROGRESS, S.RESOLVED), (S.IN_PROGRESS, S.ASSIGNED), (S.RESOLVED, S.CLOSED),
    (S.RESOLVED, S.IN_PROGRESS),
    (S.IN_PROGRESS, S.RECEIVED), (S.ASSIGNED, S.RECEIVED),  # handed back by the agency
])
def test_allowed_transitions(current, target):
    check_transition(current, target)


@pytest.mark.parametrize(("current", "target"), [
    (S.RECEIVED, S.RESOLVED), (S.RECEIVED, S.CLOSED), (S.RECEIVED, S.RECEIVED),
    (S.CLOSED, S.IN_PROGRESS), (S.REJECTED, S.ASSIGNED), (S.DUPLICATE, S.CLOSED),
    (S.RESOLVED, S.REJECTED), (S.RESOLVED, S.RECEIVED),
])
def test_refused_transitions(current, target):
    with pytest.raises(InvalidTransition) as caught:
        check_transition(current, target)
    assert caught.value.error_id == "invalid-status-transition"


@pytest.mark.parametrize(("status", "open311"), [
    (S.RECEIVED, "open"), (S.ASSIGNED, "open"), (S.IN_PROGRESS, "open"),
    (S.RESOLVED, "closed"), (S.CLOSED, "closed"), (S.REJECTED, "closed"),
    (S.DUPLICATE, "closed"),
])
def test_open311_status(status, open311):
    assert open311_status(status) == open311
    assert status in statuses_for_open311(open311)


def test_bad_values():
    with pytest.raises(InvalidRequest):
        statuses_for_open311("pending")
    with pytest.raises(InvalidTransition):
        parse_status("lost")


NOW = datetime(2024, 5, 6, 3, 0, tzinfo=UTC)


def ticket(number: str, agency: str, due_in_h: float, status: Status = S.RECEIVED):
    return TicketRecord(
        number=number, token="t" + number, channel="phone", status=status, status_note="",
        category="roads", category_name="Roads", agency=agency, agency_name_en=agency.title(),
        agency_name_id=agency, language="id", caller_number="", description="",
        recording_path=None, media_url=None, latitude=None, longitude=None, address="",
        created_at=NOW, updated_at=NOW, due_at=NOW + timedelta(hours=due_in_h),
        escalated_at=None)


@pytest.mark.parametrize(("due_in_h", "status", "expected"), [
    (-1, S.RECEIVED, "overdue"), (-1, S.IN_PROGRESS, "overdue"), (-1, S.RESOLVED, None),
    (1, S.ASSIGNED, "due_soon"), (3, S.ASSIGNED, None), (1, S.CLOSED, None),
])
def test_flag(due_in_h, status, expected):
    assert flag(ticket("1", "roads", due_in_h, status), NOW, timedelta(hours=2)) == expected


def test_escalation_report_groups_by_agency_earliest_first():
    tickets = [ticket("3", "water", -1), ticket("1", "roads", -5), ticket("2", "roads", -2),
               ticket("4", "roads", 1), ticket("5", "roads", 10),
               ticket("6", "water", -3, S.CLOSED)]
    report = build_report(tickets, NOW, timedelta(hours=2))
    assert [(a.agency, a.overdue, a.due_soon) for a in report.agencies] == [
        ("roads", ("1", "2"), ("4",)), ("water", ("3",), ())]
    assert (report.overdue_count, report.due_soon_count) == (3, 1)
