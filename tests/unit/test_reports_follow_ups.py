"""Follow-up reports: callbacks of abandoned 112 calls, messages, the satisfaction follow-up.

The figures are pure functions table-tested with exact numbers; the reads run on a real
SQLite database and a real PostgreSQL (``database_url``); the routes and the page over HTTP.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestClient
from schema_fixtures import upgraded
from tickets_pg import database_url, postgres_server  # noqa: F401  (fixture)
from web_fixtures import as_user, start_client

from ivr.config import Settings
from ivr.notify.rules import MAX_TRIES
from ivr.reports.callbacks import (
    VIRTUAL_HOLD,
    CallbackFact,
    CallbackLine,
    callback_fact,
    callback_lines,
    virtual_hold_facts,
)
from ivr.reports.follow_up_facts import callback_facts, message_facts, survey_facts
from ivr.reports.notifications import (
    MessageFact,
    NotificationLine,
    notification_lines,
    notification_total,
    purpose_of,
)
from ivr.reports.periods import Period
from ivr.reports.satisfaction import SatisfactionFigures, SurveyFact, satisfaction_figures
from ivr.satisfaction import store
from ivr.tickets.desk import TicketDesk, build_ticket_desk
from ivr.tickets.models import Incident, OutboxMessage
from ivr.tickets.records import NewTicket, Rating
from ivr.web.keys import TICKETS

MARCH = Period(date(2026, 3, 1), date(2026, 3, 31), "Asia/Jakarta")
IN = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)
BEFORE = datetime(2026, 2, 28, 16, 59, tzinfo=UTC)  # 23:59 on 28 February in Jakarta
FIRST = datetime(2026, 2, 28, 17, 0, tzinfo=UTC)  # 00:00 on 1 March in Jakarta


def tries_log(results: list[str], state: str, of: int = 3) -> str:
    """An incident's ``callbacks`` text as ``emergency.lane.tries_log`` writes it."""
    entries: list[dict[str, object]] = [
        {"try": n, "of": of, "at": 1_772_000_000.0 + 120 * n, "result": r}
        for n, r in enumerate(results, 1)]
    entries.append({"state": state, "summary": "callback …"})
    return json.dumps(entries)


# --- callbacks ------------------------------------------------------------------------------

@pytest.mark.parametrize(("log", "expected"), [
    (tries_log(["no answer", "answered"], "answered"), (2, "answered", True)),
    (tries_log(["no answer", "busy", "no answer"], "exhausted"), (3, "exhausted", False)),
    (tries_log(["no answer"], "cancelled"), (1, "cancelled", False)),
    (tries_log([], "waiting"), (0, "waiting", False)),
    (json.dumps([{"try": 1, "of": 3, "at": 1.0, "result": "answered"}]), (1, "answered", True)),
])
def test_a_callback_job_is_read_from_the_incidents_log(log: str, expected: tuple) -> None:
    fact = callback_fact("112", IN, log)
    assert fact is not None and (fact.tries, fact.state, fact.answered) == expected


@pytest.mark.parametrize("log", ["", "  ", "not json", "{}", "[]"])
def test_no_callback_job_is_none(log: str) -> None:
    assert callback_fact("112", IN, log) is None


def test_callbacks_per_kind_with_exact_counts() -> None:
    facts = [CallbackFact("112", IN, 1, "answered", True),
             CallbackFact("112", FIRST, 2, "answered", True),
             CallbackFact("112", IN, 3, "exhausted", False),
             CallbackFact("112", IN, 1, "cancelled", False),
             CallbackFact("112", IN, 0, "waiting", False),
             CallbackFact("112", IN, 1, "dialling", False),
             CallbackFact("112", BEFORE, 3, "exhausted", False),  # the period before
             CallbackFact(VIRTUAL_HOLD, IN, 1, "answered", True),
             CallbackFact(VIRTUAL_HOLD, IN, 0, "waiting", False, accepted=False)]  # declined
    assert callback_lines(facts, MARCH) == [
        CallbackLine("112", offered=6, accepted=6, reached=2, unreached=1, cancelled=1,
                     pending=2, tries=8),
        CallbackLine(VIRTUAL_HOLD, offered=2, accepted=1, reached=1, tries=1)]
    assert callback_lines(facts, MARCH)[0].reach_rate == 2 / 3
    assert callback_lines([], MARCH) == [CallbackLine("112"), CallbackLine(VIRTUAL_HOLD)]


def test_virtual_holds_from_their_steps() -> None:
    steps = [("h1", "offered", 0, IN), ("h1", "accepted", 0, IN),  # reached on the 2nd try
             ("h1", "dialled", 1, IN), ("h1", "dialled", 2, IN), ("h1", "reached", 2, IN),
             ("h2", "offered", 0, IN),  # declined
             ("h3", "offered", 0, IN), ("h3", "accepted", 0, IN), ("h3", "dialled", 1, IN),
             ("h3", "dialled", 2, IN), ("h3", "dialled", 3, IN), ("h3", "unreached", 3, IN),
             ("h4", "offered", 0, IN), ("h4", "accepted", 0, IN)]  # waiting for its turn
    facts = {f.started_at: f for f in virtual_hold_facts(steps)}  # one per hold
    assert len(virtual_hold_facts(steps)) == 4 and len(facts) == 1
    [line] = [x for x in callback_lines(virtual_hold_facts(steps), MARCH)
              if x.kind == VIRTUAL_HOLD]
    assert line == CallbackLine(VIRTUAL_HOLD, offered=4, accepted=3, reached=1, unreached=1,
                                pending=1, tries=5)
    assert CallbackLine("112").reach_rate is None


# --- notifications --------------------------------------------------------------------------

@pytest.mark.parametrize(("key", "purpose"), [
    ("citizen:10000004:17:sms", "notice"), ("overdue:10000004:pw@city.example", "escalation"),
    ("survey:10000004:sms", "survey"), ("something", "other"), ("", "other")])
def test_a_messages_purpose_is_its_keys_prefix(key: str, purpose: str) -> None:
    assert purpose_of(key) == purpose


def test_messages_per_channel_and_purpose_with_exact_counts() -> None:
    facts = [MessageFact("sms", "notice", IN, 0, True),  # sent at once
             MessageFact("sms", "notice", IN, 2, True),  # sent on the third try: retried
             MessageFact("sms", "notice", IN, MAX_TRIES, False),  # given up: retried
             MessageFact("sms", "notice", IN, MAX_TRIES - 1, False),  # still to be tried
             MessageFact("sms", "notice", IN, 0, False),  # waiting, never tried
             MessageFact("email", "escalation", FIRST, 0, True),
             MessageFact("email", "notice", IN, 1, False),
             MessageFact("sms", "survey", IN, 0, True),
             MessageFact("sms", "survey", BEFORE, 0, True)]  # the period before
    lines = notification_lines(facts, MARCH)
    assert lines == [
        NotificationLine("email", "escalation", queued=1, sent=1),
        NotificationLine("email", "notice", queued=1, waiting=1),
        NotificationLine("sms", "notice", queued=5, sent=2, failed=1, waiting=2, retried=2),
        NotificationLine("sms", "survey", queued=1, sent=1)]
    assert notification_total(lines) == NotificationLine(
        "total", "total", queued=8, sent=4, failed=1, waiting=3, retried=2)
    assert notification_lines([], MARCH) == []


# --- satisfaction ---------------------------------------------------------------------------

def test_follow_ups_by_resolution_and_ratings_by_when_given() -> None:
    facts = [
        SurveyFact("1", "pw", IN, "calling"),
        SurveyFact("2", "pw", IN, "answered"),  # answered, no rating keyed
        SurveyFact("3", "pw", IN, "rated", 5, "call", IN),
        SurveyFact("4", "pw", IN, "sms", sms_survey=True),
        SurveyFact("5", "water", IN, "rated", 2, "web", IN, sms_survey=True),
        SurveyFact("6", "water", IN, "unreached"),
        SurveyFact("7", "water", IN, "rated", 4, "web", IN),  # a web rating only
        SurveyFact("8", "pw", BEFORE, "rated", 4, "call", FIRST),  # resolved before, rated in
        SurveyFact("9", "pw", IN, "rated", 1, "call", IN + timedelta(days=30)),  # rated after
    ]
    assert satisfaction_figures(facts, MARCH) == SatisfactionFigures(
        started=7, calling=1, answered=3, sms_surveys=2, unreached=1, ratings=4, by_call=2,
        by_web=2, rating_sum=15, satisfied=3)
    figures = satisfaction_figures(facts, MARCH)
    assert (figures.average_rating, figures.satisfied_share) == (3.75, 0.75)
    empty = satisfaction_figures([], MARCH)
    assert (empty.started, empty.average_rating, empty.satisfied_share) == (0, None, None)


# --- the reads, on SQLite and PostgreSQL ----------------------------------------------------

@pytest.fixture
async def desk(database_url, tmp_path) -> AsyncIterator[TicketDesk]:  # noqa: F811
    desk = build_ticket_desk(upgraded(Settings(data_dir=tmp_path, database_url=database_url)))
    assert await desk.prepare()
    yield desk
    desk.close()


async def resolved_ticket(desk: TicketDesk, caller: str, category: str = "roads") -> str:
    number = await desk.submit(NewTicket(
        number="", token=f"tok-{caller}", channel="phone", category=category,
        received_at=datetime.now(UTC), caller_number=caller, description="pothole"),
        actor="test")
    await desk.change_status(number, "in_progress", "agency:pw", "on it")
    await desk.change_status(number, "resolved", "agency:pw", "patched", "Patched.")
    return number


def add_incident(session, unique_id: str, started_at: datetime, callbacks: str) -> None:
    session.add(Incident(unique_id=unique_id, caller_number="0812", service="fire",
                         queue="fire", started_at=started_at, callbacks=callbacks))


def add_message(session, key: str, channel: str, created_at: datetime, tries: int,
                sent: bool) -> None:
    session.add(OutboxMessage(channel=channel, recipient="0812", subject="", body="x",
                              dedupe_key=key, created_at=created_at, next_try_at=created_at,
                              tries=tries, sent_at=created_at if sent else None,
                              last_error=""))


def write(desk: TicketDesk, fn, *args) -> object:
    with desk.service.sessions.begin() as session:
        return fn(session, *args)


async def test_the_reads_give_the_periods_records(desk: TicketDesk) -> None:
    def fill(session) -> None:
        add_incident(session, "1.1", IN, tries_log(["no answer", "answered"], "answered"))
        add_incident(session, "1.2", IN, tries_log(["no answer"] * 3, "exhausted"))
        add_incident(session, "1.3", IN, "")  # answered in the queue: no callback
        add_incident(session, "1.4", BEFORE, tries_log(["busy"], "cancelled"))
        add_message(session, "citizen:10000001:5:sms", "sms", IN, 2, True)
        add_message(session, "overdue:10000001:a@b.c", "email", IN, MAX_TRIES, False)
        add_message(session, "citizen:10000001:6:email", "email", BEFORE, 0, True)

    write(desk, fill)
    facts = write(desk, callback_facts, MARCH.start, MARCH.end)
    assert [(f.kind, f.tries, f.state, f.answered) for f in facts] == [
        ("112", 2, "answered", True), ("112", 3, "exhausted", False)]
    messages = write(desk, message_facts, MARCH.start, MARCH.end)
    assert sorted((m.channel, m.purpose, m.tries, m.sent) for m in messages) == [
        ("email", "escalation", MAX_TRIES, False), ("sms", "notice", 2, True)]

    now = datetime.now(UTC)
    called, texted, rated = [await resolved_ticket(desk, f"08120000000{n}") for n in (1, 2, 3)]
    write(desk, store.mark, called, store.ANSWERED, now)
    write(desk, store.mark, texted, store.SMS_SENT, now)
    write(desk, add_message, f"survey:{texted}:sms", "sms", now, 0, True)
    assert await desk.rate(Rating(rated, 5, "call", now))
    today = datetime.now(ZoneInfo("Asia/Jakarta")).date()
    period = Period(today, today, "Asia/Jakarta")
    surveys = {f.ticket: f for f in write(desk, survey_facts, period.start, period.end)}
    assert {n: (f.state, f.rating, f.rated_by, f.sms_survey) for n, f in surveys.items()} == {
        called: ("answered", None, "", False), texted: ("sms", None, "", True),
        rated: ("rated", 5, "call", False)}
    assert all(f.agency and f.resolved_at is not None for f in surveys.values())
    assert satisfaction_figures(surveys.values(), period) == SatisfactionFigures(
        started=3, answered=2, sms_surveys=1, ratings=1, by_call=1, rating_sum=5, satisfied=1)
    yesterday = Period(today - timedelta(days=1), today - timedelta(days=1), "Asia/Jakarta")
    assert write(desk, survey_facts, yesterday.start, yesterday.end) == []


# --- over HTTP ------------------------------------------------------------------------------

@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient]:
    client = await start_client(tmp_path)
    desk = client.server.app[TICKETS]
    now = datetime.now(UTC)
    number = await resolved_ticket(desk, "081200000009")

    def fill(session) -> None:
        add_incident(session, "2.1", now, tries_log(["no answer", "answered"], "answered"))
        add_incident(session, "2.2", now, tries_log(["no answer"] * 3, "exhausted"))
        add_message(session, f"survey:{number}:sms", "sms", now, 1, True)
        store.mark(session, number, store.SMS_SENT, now)
        store.rate(session, Rating(number, 4, "web", now))

    await desk.in_transaction(fill)
    yield client
    await client.close()
    await asyncio.sleep(0)


@pytest.mark.parametrize("name", ["callbacks", "notifications", "satisfaction"])
async def test_follow_up_reports_are_for_supervisors(client: TestClient, name: str) -> None:
    path = f"/api/v1/reports/{name}"
    assert (await client.get(path)).status == 401
    assert (await client.get(path, headers=as_user("ani"))).status == 403
    assert (await client.get(path, headers=as_user("sri"))).status == 200


async def test_callbacks_and_notifications_as_json_and_csv(client: TestClient) -> None:
    body = await (await client.get("/api/v1/reports/callbacks", headers=as_user("sri"))).json()
    assert body["by"] == "kind"
    assert body["lines"] == [
        {"kind": "112", "offered": 2, "accepted": 2, "reached": 1, "unreached": 1,
         "cancelled": 0, "pending": 0, "tries": 5, "reach_rate": 0.5},
        {"kind": VIRTUAL_HOLD, "offered": 0, "accepted": 0, "reached": 0, "unreached": 0,
         "cancelled": 0, "pending": 0, "tries": 0, "reach_rate": None}]
    reply = await client.get("/api/v1/reports/callbacks?format=csv", headers=as_user("sri"))
    assert reply.content_type == "text/csv"
    assert list(csv.reader(io.StringIO(await reply.text()))) == [
        ["kind", "offered", "accepted", "reached", "unreached", "cancelled", "pending", "tries",
         "reach_rate"], ["112", "2", "2", "1", "1", "0", "0", "5", "0.5"],
        [VIRTUAL_HOLD, "0", "0", "0", "0", "0", "0", "0", ""]]
    body = await (await client.get("/api/v1/reports/notifications",
                                   headers=as_user("sri"))).json()
    survey = {"channel": "sms", "purpose": "survey", "queued": 1, "sent": 1, "failed": 0,
              "waiting": 0, "retried": 1}
    assert survey in body["lines"]
    assert body["total"]["queued"] == sum(line["queued"] for line in body["lines"])
    reply = await client.get("/api/v1/reports/notifications",
                             headers={**as_user("sri"), "Accept": "text/csv"})
    rows = list(csv.DictReader(io.StringIO(await reply.text())))
    assert {"channel": "sms", "purpose": "survey", "queued": "1", "sent": "1", "failed": "0",
            "waiting": "0", "retried": "1"} in rows


async def test_satisfaction_as_json_csv_and_on_the_page(client: TestClient) -> None:
    body = await (await client.get("/api/v1/reports/satisfaction",
                                   headers=as_user("sri"))).json()
    assert {k: body["total"][k] for k in ("started", "sms_surveys", "ratings", "by_web",
                                          "average_rating", "satisfied_share")} == {
        "started": 1, "sms_surveys": 1, "ratings": 1, "by_web": 1, "average_rating": 4.0,
        "satisfied_share": 1.0}
    [agency] = body["lines"]  # the scorecard's line of the ticket's agency
    assert (agency["ratings"], agency["satisfied"], agency["satisfied_share"]) == (1, 1, 1.0)
    reply = await client.get("/api/v1/reports/satisfaction?format=csv", headers=as_user("sri"))
    rows = list(csv.DictReader(io.StringIO(await reply.text())))
    assert [(r["key"], r["ratings"], r["satisfied_share"]) for r in rows] == [
        ("total", "1", "1"), (agency["key"], "1", "1")]
    assert rows[1]["started"] == ""  # the agencies' lines carry the ratings only
    page = await (await client.get("/reports", headers=as_user("sri"))).text()
    for title in ("Callbacks", "Messages", "Satisfaction follow-up"):
        assert f"<h2>{title} " in page
    assert '<tr data-key="112"><th>112 callbacks</th><td class="num offered">2</td>' in page
    assert '<tr data-key="sms:survey">' in page
    assert "/api/v1/reports/satisfaction?from=" in page
