"""Escalation e-mail: the pure rules, and an overdue ticket mailed through a real SMTP server
(aiosmtpd on a local port) from a real database (SQLite and PostgreSQL): once per recipient,
kept and retried with backoff while the server is away."""

import socket
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.controller import Controller
from schema_fixtures import upgraded
from sqlalchemy import select
from tickets_pg import database_url, postgres_server  # noqa: F401  (fixture)

from ivr.config import Settings
from ivr.notify.rules import (
    MAX_TRIES,
    gives_up,
    next_try,
    overdue_message,
    overdue_recipients,
)
from ivr.notify.smtp import outbox_worker
from ivr.tickets.desk import build_ticket_desk
from ivr.tickets.models import Agency, OutboxMessage
from ivr.tickets.numbers import ticket_number
from ivr.tickets.records import NewTicket, TicketRecord
from ivr.tickets.status import Status

NOW = datetime(2024, 5, 6, 3, 0, tzinfo=UTC)
HOTLINE = "duty@hotline.example"
AGENCY = "roads@city.example"


# --- pure -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("tries", "seconds"), [
    (1, 30), (2, 60), (3, 120), (7, 1920), (8, 3600), (12, 3600), (40, 3600)])
def test_retries_back_off_doubling_to_an_hour(tries: int, seconds: int) -> None:
    assert next_try(tries, NOW) == NOW + timedelta(seconds=seconds)


def test_a_message_is_given_up_after_max_tries() -> None:
    assert not gives_up(MAX_TRIES - 1)
    assert gives_up(MAX_TRIES)


def test_recipients_are_those_set_each_once() -> None:
    assert overdue_recipients(AGENCY, HOTLINE) == [AGENCY, HOTLINE]
    assert overdue_recipients("", HOTLINE) == [HOTLINE]
    assert overdue_recipients(" ", "") == []
    assert overdue_recipients(AGENCY, AGENCY.upper()) == [AGENCY]


# --- a real SMTP server and a real database ------------------------------------------------------

class Inbox:
    """A real SMTP server on ``port`` collecting what it accepted; stopped and started again
    (a new aiosmtpd controller each time: one cannot be restarted)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.messages: list[tuple[list[str], bytes]] = []
        self.controller: Controller | None = None

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802  (aiosmtpd)
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def smtp_port() -> int:
    return free_port()


@pytest.fixture
def inbox(smtp_port):
    server = Inbox(smtp_port)
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def desk(database_url, tmp_path, smtp_port):  # noqa: F811
    settings = upgraded(Settings(data_dir=tmp_path, database_url=database_url,
                                 smtp_host="127.0.0.1", smtp_port=smtp_port))
    desk = build_ticket_desk(settings)
    yield desk, settings
    desk.close()


async def overdue_ticket(desk) -> str:
    """A roads ticket received weeks ago (long overdue), its agency with an address."""
    number = await desk.submit(NewTicket(
        number=ticket_number(1), token="tok1", channel="phone", category="roads",
        received_at=datetime.now(UTC) - timedelta(days=40)), actor="test")
    record = await desk.ticket(number)
    with desk.service.sessions.begin() as session:
        session.get(Agency, record.agency).email = AGENCY
    return number


def outbox_rows(desk) -> list[OutboxMessage]:
    with desk.service.sessions.begin() as session:
        return list(session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_the_message_names_the_ticket_its_due_time_and_the_agency_inbox() -> None:
    ticket = TicketRecord("10000004", "t", "phone", Status.ASSIGNED, "", "roads", "Roads", "dpu",
                          "Public Works", "PU", "id", "", "", None, None, None, None, "", NOW,
                          NOW, NOW, None)
    mail = overdue_message(ticket, "Public Works", AGENCY, "https://hotline.example/")
    assert mail.dedupe_key == f"overdue:10000004:{AGENCY}"
    assert "10000004" in mail.subject and "Public Works" in mail.subject
    assert "2024-05-06 10:00 WIB" in mail.body  # 03:00 UTC in Jakarta
    assert "https://hotline.example/agency" in mail.body


async def test_an_overdue_ticket_is_mailed_once_to_each_recipient(desk, inbox) -> None:
    desk, settings = desk
    handler = inbox
    number = await overdue_ticket(desk)
    assert await desk.escalate(timedelta(hours=2), HOTLINE) == [number]
    worker = outbox_worker(settings, desk.service.sessions)
    assert await worker.send_pass() == 2
    assert sorted(rcpt for rcpts, _ in handler.messages for rcpt in rcpts) == sorted(
        [AGENCY, HOTLINE])
    assert all(number.encode() in content for _, content in handler.messages)
    assert await desk.escalate(timedelta(hours=2), HOTLINE) == []
    assert await worker.send_pass() == 0
    assert len(handler.messages) == 2
    assert all(row.sent_at is not None for row in outbox_rows(desk))


async def test_with_the_server_away_the_mail_waits_and_goes_once_it_is_back(
        desk, inbox) -> None:
    desk, settings = desk
    handler = inbox
    handler.stop()
    number = await overdue_ticket(desk)
    await desk.escalate(timedelta(hours=2))  # no hotline address: the agency's only
    worker = outbox_worker(settings, desk.service.sessions)
    before = datetime.now(UTC)
    assert await worker.send_pass() == 0
    [row] = outbox_rows(desk)
    assert (row.tries, row.sent_at, row.recipient) == (1, None, AGENCY)
    assert row.next_try_at > before and row.last_error
    assert await worker.send_pass() == 0  # not due yet: not tried again
    assert outbox_rows(desk)[0].tries == 1
    handler.start()
    assert await worker.send_pass(row.next_try_at + timedelta(seconds=1)) == 1
    [(rcpts, content)] = handler.messages
    assert rcpts == [AGENCY] and number.encode() in content
    assert outbox_rows(desk)[0].sent_at is not None


async def test_without_an_smtp_host_nothing_is_sent_and_it_says_so_once(desk, inbox,
                                                                        caplog) -> None:
    desk, settings = desk
    handler = inbox
    await overdue_ticket(desk)
    await desk.escalate(timedelta(hours=2), HOTLINE)
    worker = outbox_worker(Settings(), desk.service.sessions)
    assert await worker.send_pass() == 0
    assert await worker.send_pass() == 0
    assert handler.messages == []
    told = [r.message for r in caplog.records if "SMTP not configured" in r.message]
    assert told == ["SMTP not configured: 2 messages wait in the outbox"]


async def test_a_ticket_flagged_due_soon_is_mailed_once_it_is_overdue(desk, inbox) -> None:
    desk, settings = desk
    number = await overdue_ticket(desk)
    record = await desk.ticket(number)
    # Flagged an hour before its deadline (due soon): no mail yet.
    before_due = record.due_at - timedelta(hours=1)
    assert desk.service.escalate(timedelta(hours=2), before_due, HOTLINE) == [number]
    assert outbox_rows(desk) == []
    # Now it is overdue: flagged again, once, and mailed.
    assert await desk.escalate(timedelta(hours=2), HOTLINE) == [number]
    assert await desk.escalate(timedelta(hours=2), HOTLINE) == []
    assert sorted(r.recipient for r in outbox_rows(desk)) == sorted([AGENCY, HOTLINE])
    notes = [h.note for h in (await desk.ticket(number)).history if h.actor == "system"]
    assert [n.split(":")[0] for n in notes] == ["due soon", "overdue"]
