"""Citizens' notices: which history lines are news, the wording and its checks (pure); the
pass that queues them from a real database (SQLite and PostgreSQL), once per line and
channel, never to an address that opted out; SMS through a real local HTTP gateway."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from schema_fixtures import upgraded
from sqlalchemy import select
from tickets_pg import database_url, postgres_server  # noqa: F401  (fixture)

from ivr.config import Settings
from ivr.notify import EMAIL, SMS
from ivr.notify.citizen import (
    BUILT_IN,
    InvalidTemplate,
    Line,
    Wording,
    checked_wording,
    event_of,
    latest_news,
    opt_out_key,
    recipients,
    render,
    wording,
)
from ivr.notify.notices import NoticeConfig, queue_notices, save_template
from ivr.notify.outbox import Queued
from ivr.notify.sms import HttpSmsSender, SmsRefused, request_of
from ivr.notify.smtp import outbox_worker
from ivr.tickets.desk import build_ticket_desk
from ivr.tickets.models import OutboxMessage
from ivr.tickets.records import NewTicket
from ivr.tickets.wrapups import desk_form

# --- pure -------------------------------------------------------------------------------------


def line(n: int, frm: str | None, to: str, note: str = "", ticket: str = "10000004") -> Line:
    return Line(n, ticket, frm, to, note)


@pytest.mark.parametrize(("history", "event"), [
    (line(1, None, "received"), "created"),
    (line(2, "received", "in_progress"), "status"),
    (line(3, "in_progress", "in_progress", "Crew on site"), "note"),
    (line(4, "in_progress", "in_progress", ""), None),  # an internal note
    (line(5, "in_progress", "in_progress", "  "), None),
])
def test_which_history_lines_are_news(history: Line, event: str | None) -> None:
    assert event_of(history) == event


def test_lines_written_together_make_one_notice_per_ticket_the_latest() -> None:
    # A consultation answered on the call: made, then in progress, resolved and closed.
    news = latest_news([line(4, "resolved", "closed"), line(1, None, "received"),
                        line(2, "received", "in_progress"),
                        line(3, "in_progress", "resolved", "Answered on the call."),
                        line(5, None, "received", ticket="10000012"),
                        line(6, "received", "received", ticket="10000012")])
    assert {number: (found.id, event) for number, (found, event) in news.items()} == {
        "10000004": (4, "status"), "10000012": (5, "created")}


def test_the_wording_is_the_admin_s_else_built_in_else_english() -> None:
    mine = Wording("Hi", "Report $number: $link")
    assert wording("status", "id", {("status", "id"): mine}) == mine
    assert wording("status", "id", {}) == BUILT_IN[("status", "id")]
    assert wording("note", "ko", {}) == BUILT_IN[("note", "en")]
    assert wording("note", "ko", {("note", "en"): mine}) == mine


def test_render_fills_in_and_closes_up_an_empty_note() -> None:
    text = BUILT_IN[("status", "en")].body
    assert render(text, {"number": "10000004", "status": "resolved", "note": "",
                         "link": "https://h.example/t/abc"}) == (
        "City hotline: report 10000004 is now resolved. Follow it: https://h.example/t/abc")


@pytest.mark.parametrize(("event", "language", "body", "field"), [
    ("party", "en", "$link", "event"),
    ("status", "e n", "$link", "language"),
    ("status", "en", "Report $number $secret $link", "body"),
    ("status", "en", "Costs 5$ $link", "body"),
    ("status", "en", "Report $number, follow it at the office", "body"),
    ("status", "en", "", "body"),
    ("status", "en", 7, "body"),
])
def test_an_admin_s_wording_is_refused_by_name(event, language, body, field) -> None:
    with pytest.raises(InvalidTemplate) as refused:
        checked_wording(event, language, "Report $number", body)
    assert refused.value.details["field"] == field


def test_a_good_wording_is_kept_trimmed() -> None:
    assert checked_wording("note", "ID", " Kabar $number ", " $note $${link} $link ") == (
        "note", "id", Wording("Kabar $number", "$note $${link} $link"))


def test_notices_go_to_the_configured_channels_of_those_who_did_not_opt_out() -> None:
    both = (SMS, EMAIL)
    assert recipients("0812-555 01", "Dewi@Mail.example", both, frozenset()) == [
        (SMS, "0812-555 01"), (EMAIL, "Dewi@Mail.example")]
    assert recipients("0812-555 01", "Dewi@Mail.example", both,
                      frozenset({opt_out_key("081255501"), opt_out_key("dewi@mail.EXAMPLE")})
                      ) == []
    assert recipients("0812", "", (EMAIL,), frozenset()) == []
    assert recipients("", "not an address", both, frozenset()) == []


def test_the_sms_gateway_request_get_and_post() -> None:
    url = "http://127.0.0.1:13013/cgi-bin/sendsms?user=h&password=$password&to=$to&text=$text"
    got, form = request_of(url, "get", "+62812", "Report 1 & more: /t/x?y", "p w")
    assert form is None
    query = parse_qs(urlsplit(got).query)
    assert query == {"user": ["h"], "password": ["p w"], "to": ["+62812"],
                     "text": ["Report 1 & more: /t/x?y"]}
    got, form = request_of(url, "post", "+62812", "Report 1 & more", "pw")
    assert got == "http://127.0.0.1:13013/cgi-bin/sendsms"
    assert form == {"user": "h", "password": "pw", "to": "+62812", "text": "Report 1 & more"}


# --- a real database -------------------------------------------------------------------------

CONFIG = NoticeConfig((SMS, EMAIL), "https://hotline.example", "Asia/Jakarta")


@pytest.fixture
async def desk(database_url, tmp_path):  # noqa: F811
    desk = build_ticket_desk(upgraded(Settings(data_dir=tmp_path, database_url=database_url)))
    assert await desk.prepare()
    yield desk
    desk.close()


def a_pass(desk, later_s: float = 5.0) -> int:
    """One notices pass, as if ``later_s`` seconds from now (past the settling time)."""
    with desk.service.sessions.begin() as session:
        return queue_notices(session, CONFIG, datetime.now(UTC) + timedelta(seconds=later_s))


def queued(desk) -> list[tuple[str, str, str]]:
    with desk.service.sessions.begin() as session:
        return [(m.channel, m.recipient, m.body) for m in session.scalars(
            select(OutboxMessage).order_by(OutboxMessage.id))]


async def web_ticket(desk, language: str = "en") -> str:
    return await desk.submit(NewTicket(
        number="", token=f"tok-{language}", channel="web", category="roads",
        received_at=datetime.now(UTC), caller_number="0812 5550 101",
        contact_email="dewi@mail.example", language=language, description="pothole"),
        actor="open311:test")


async def test_each_news_is_queued_once_per_channel_with_the_tracking_link(desk) -> None:
    number = await web_ticket(desk)  # made while the service starts: still told
    assert a_pass(desk) == 0  # the first pass only sets the mark
    assert a_pass(desk, later_s=0) == 0  # too new: its transaction's neighbours may commit
    assert a_pass(desk) == 2
    [(sms, phone, text), (email, address, _)] = queued(desk)
    assert (sms, phone, email, address) == (SMS, "0812 5550 101", EMAIL, "dewi@mail.example")
    assert f"report {number} (Roads and infrastructure) was received" in text
    assert text.endswith("Follow it: https://hotline.example/t/tok-en")
    assert a_pass(desk) == 0  # seen: never again

    await desk.change_status(number, "in_progress", "web:rina", "internal only")
    await desk.add_note(number, "web:rina", "for us only", public=False)
    assert a_pass(desk) == 2  # the change of status; the internal note is no news
    assert "is now being worked on" in queued(desk)[-1][2]
    await desk.add_note(number, "web:rina", "The crew comes on Monday", public=True)
    assert a_pass(desk) == 2
    assert "The crew comes on Monday" in queued(desk)[-1][2]


async def test_the_admin_s_wording_and_the_ticket_s_language_are_used(desk) -> None:
    a_pass(desk)
    save_template(desk.service.sessions, "created", "id",
                  Wording("Laporan $number", "Laporan $number diterima. $link"), "web:sri",
                  datetime.now(UTC))
    number = await web_ticket(desk, "id")
    assert a_pass(desk) == 2
    assert queued(desk)[0][2] == f"Laporan {number} diterima. https://hotline.example/t/tok-id"


async def test_nothing_goes_to_a_citizen_who_opted_out(desk) -> None:
    a_pass(desk)
    number = await web_ticket(desk)
    assert await desk.stop_notices("tok-en") is not None
    assert await desk.stop_notices("no-such-token") is None
    assert a_pass(desk) == 0
    await desk.change_status(number, "in_progress", "web:rina", "")
    assert a_pass(desk) == 0 and queued(desk) == []


async def test_a_desk_ticket_closed_on_the_call_sends_one_notice(desk) -> None:
    a_pass(desk)
    form = desk_form("7.1", {"kind": "consultation", "category": "roads",
                             "caller_number": "0812 5550 102", "closed_on_call": True,
                             "language": "en", "description": "when is the market open"})
    await desk.open_at_desk(form, "ani")
    assert a_pass(desk) == 1  # SMS only: a phone caller has no e-mail
    assert "is now closed" in queued(desk)[0][2]


# --- a real HTTP gateway -----------------------------------------------------------------------

@pytest.fixture
async def gateway():
    """A local HTTP SMS gateway answering as Kannel's sendsms does."""
    received: list[dict[str, str]] = []
    answer = {"status": 202}

    async def sendsms(request: web.Request) -> web.Response:
        received.append(dict(request.query))
        return web.Response(status=answer["status"], text="0: Accepted for delivery")

    app = web.Application()
    app.router.add_get("/cgi-bin/sendsms", sendsms)
    server = TestServer(app)
    await server.start_server()
    yield server, received, answer
    await server.close()


async def test_sms_goes_through_the_gateway_and_a_refusal_is_tried_again(desk, gateway
                                                                        ) -> None:
    server, received, answer = gateway
    url = (f"http://127.0.0.1:{server.port}/cgi-bin/sendsms?username=hotline"
           "&password=$password&to=$to&text=$text")
    sender = HttpSmsSender(url, "get", "s3cret")
    await sender.send(Queued(1, "+62812", "", "Report 1: https://h.example/t/x", 0))
    assert received == [{"username": "hotline", "password": "s3cret", "to": "+62812",
                         "text": "Report 1: https://h.example/t/x"}]
    answer["status"] = 500
    with pytest.raises(SmsRefused, match="500"):
        await sender.send(Queued(2, "+62812", "", "again", 0))

    # The outbox's worker: a refused SMS waits and goes once the gateway takes it.
    a_pass(desk)
    await web_ticket(desk)
    a_pass(desk)
    worker = outbox_worker(Settings(notify_sms_url=url, notify_sms_password="s3cret"),
                           desk.service.sessions)
    assert await worker.send_pass() == 0
    answer["status"] = 202
    assert await worker.send_pass(datetime.now(UTC) + timedelta(minutes=2)) == 1
    assert received[-1]["to"] == "0812 5550 101"
    assert await worker.send_pass(datetime.now(UTC) + timedelta(hours=2)) == 0


async def test_the_first_pass_skips_the_history_of_before_the_upgrade(desk) -> None:
    await web_ticket(desk)
    with desk.service.sessions.begin() as session:  # as if an hour from now: all old
        assert queue_notices(session, CONFIG, datetime.now(UTC) + timedelta(hours=1)) == 0
    assert a_pass(desk, later_s=3600) == 0 and queued(desk) == []
