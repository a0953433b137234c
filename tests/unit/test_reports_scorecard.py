"""The agencies' scorecard: when each deadline question is decided and the month's rates,
with exact numbers (pure); the facts read from real tickets; the API, CSV and page, with an
agency user seeing only its own agencies' lines."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from schema_fixtures import upgraded
from web_fixtures import ADMIN, basic, start_client

from ivr.config import Settings
from ivr.reports.periods import BadPeriod, Period, month_period
from ivr.reports.scorecard import Decision, ScoreFact, ScoreLine, decided, scorecard_lines
from ivr.tickets.desk import build_ticket_desk
from ivr.tickets.wrapups import desk_form
from ivr.web.keys import TICKETS, USERS

TZ = "Asia/Jakarta"  # UTC+7
NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30), TZ)
NOW = datetime(2026, 12, 3, 3, 0, tzinfo=UTC)


def at(day: int, hour: int = 3, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def test_a_question_is_decided_when_done_in_time_or_at_the_deadline() -> None:
    due = at(10)
    assert decided(at(9), due, NOW) == Decision(at(9), True)
    assert decided(due, due, NOW) == Decision(due, True)  # at the deadline is in time
    assert decided(at(12), due, NOW) == Decision(due, False)  # late: missed at the deadline
    assert decided(None, due, NOW) == Decision(due, False)
    assert decided(None, at(5, month=12), NOW) is None  # not due yet: still open


def fact(number: str, agency: str, due: datetime, accepted: datetime | None = None,
         resolved: datetime | None = None, counted: bool = True) -> ScoreFact:
    return ScoreFact(number, agency, agency.title(), due, accepted, resolved, counted)


FACTS = [
    # public works: 4 responses decided in November, 3 in time; 3 resolutions, 1 in time.
    fact("1", "pw", at(10), accepted=at(2), resolved=at(9)),  # both in time
    fact("2", "pw", at(10), accepted=at(3), resolved=at(20)),  # resolved late: missed 10th
    fact("3", "pw", at(15), accepted=at(16)),  # accepted late, missed at 15th, not resolved
    fact("4", "pw", at(5, month=12), accepted=at(28)),  # in time; resolution open (due Dec)
    fact("5", "pw", at(10, month=10), accepted=at(1), resolved=at(2)),  # late: October's
    fact("6", "pw", at(20), counted=False),  # rejected: no one's work
    # closed on the call: resolved at once, so also responded at once.
    fact("7", "env", at(20), resolved=at(1)),
    # the month is the city's: 30 Nov 18:00 UTC is 1 Dec 01:00 in Jakarta.
    fact("8", "env", at(30, hour=18), accepted=at(30, hour=18)),
]


def test_the_month_s_rates_with_exact_numbers() -> None:
    lines = scorecard_lines(FACTS, [("pw", "Public Works"), ("env", "Environment"),
                                    ("disaster", "Disaster")], NOVEMBER, NOW)
    assert lines == [ScoreLine("disaster", "Disaster", 0, 0, 0, 0),
                     ScoreLine("env", "Environment", 1, 1, 1, 1),
                     ScoreLine("pw", "Public Works", 4, 3, 3, 1)]
    disaster, env, pw = lines
    assert (pw.response_rate, pw.resolution_rate) == (0.75, 1 / 3)
    assert (env.response_rate, env.resolution_rate) == (1.0, 1.0)
    assert disaster.response_rate is None and disaster.resolution_rate is None
    assert pw.satisfaction is None  # no ratings in the month


def test_an_agency_seen_only_in_the_facts_still_gets_its_line() -> None:
    [line] = scorecard_lines([fact("9", "old", at(3), accepted=at(1))], [], NOVEMBER, NOW)
    assert (line.agency, line.agency_name, line.responses) == ("old", "Old", 1)


@pytest.mark.parametrize(("text", "first", "last"), [
    ("2026-11", date(2026, 11, 1), date(2026, 11, 30)),
    ("2024-02", date(2024, 2, 1), date(2024, 2, 29)),
    ("2026-12", date(2026, 12, 1), date(2026, 12, 31)),
    (None, date(2026, 12, 1), date(2026, 12, 31)),
])
def test_a_month_is_a_period_of_city_days(text, first, last) -> None:
    period = month_period(text, TZ, NOW)
    assert (period.first, period.last) == (first, last)
    assert period.start == datetime(first.year, first.month, 1, tzinfo=UTC) - timedelta(hours=7)


@pytest.mark.parametrize("text", ["2026-13", "2026-1", "26-11", "november", "2026/11"])
def test_a_bad_month_is_refused(text) -> None:
    with pytest.raises(BadPeriod, match="YYYY-MM"):
        month_period(text, TZ, NOW)


async def test_the_facts_come_from_real_tickets(tmp_path) -> None:
    desk = build_ticket_desk(upgraded(Settings(data_dir=tmp_path)))
    try:
        made = await desk.open_at_desk(desk_form("7.1", {
            "kind": "complaint", "category": "roads", "description": "pothole"}), "ani")
        await desk.change_status(made, "in_progress", "web:rina", "")
        rejected = await desk.open_at_desk(desk_form("7.2", {
            "kind": "complaint", "category": "roads", "description": "joke"}), "ani")
        await desk.change_status(rejected, "rejected", "web:sri", "a joke")
        period = month_period(None, TZ, datetime.now(UTC))
        agencies, facts = await desk.score_facts(period.start, period.end)
        assert ("public_works", "Public Works Agency") in agencies
        seen = {f.number: f for f in facts}
        assert (seen[made].agency, seen[made].counted) == ("public_works", True)
        assert seen[made].accepted_at is not None and seen[made].resolved_at is None
        if rejected in seen:  # due this month (7 working days): read, never counted
            assert not seen[rejected].counted
        [line] = [x for x in scorecard_lines(facts, agencies, period, datetime.now(UTC))
                  if x.agency == "public_works"]
        assert (line.responses, line.responded_on_time, line.resolutions) == (1, 1, 0)
    finally:
        desk.close()


async def test_the_api_csv_and_page_show_an_agency_user_its_own_lines(tmp_path: Path) -> None:
    client = await start_client(tmp_path)
    try:
        app = client.server.app
        await asyncio.to_thread(app[USERS].add, "rina", "agency", "agency-pass-1")
        await asyncio.to_thread(app[USERS].set_agencies, "rina", ["public_works"])
        made = await app[TICKETS].open_at_desk(desk_form("7.3", {
            "kind": "complaint", "category": "roads", "description": "pothole"}), "ani")
        await app[TICKETS].change_status(made, "in_progress", "web:rina", "")
        rina = basic("rina", "agency-pass-1")
        body = await (await client.get("/api/v1/reports/scorecard", headers=rina)).json()
        assert [(x["agency"], x["responses"], x["response_rate"], x["satisfaction"])
                for x in body["lines"]] == [("public_works", 1, 1.0, None)]
        everyone = await (await client.get("/api/v1/reports/scorecard",
                                           headers=basic(*ADMIN))).json()
        assert len(everyone["lines"]) == 6  # every default agency
        csv = await client.get(f"/api/v1/reports/scorecard.csv?month={body['month']}",
                               headers=rina)
        assert csv.content_type == "text/csv"
        rows = (await csv.text()).splitlines()
        assert rows[0].startswith("month,agency,agency_name,responses,responded_on_time")
        assert rows[1] == f"{body['month']},public_works,Public Works Agency,1,1,1,0,0,,0,0,"
        page = await (await client.get("/scorecard", headers=rina)).text()
        assert "Public Works Agency" in page and "Environment Agency" not in page
        assert "100 % <small>(1/1)</small>" in page
        bad = await client.get("/scorecard?month=13", headers=rina)
        assert bad.status == 400
    finally:
        await client.close()
        await asyncio.sleep(0)
