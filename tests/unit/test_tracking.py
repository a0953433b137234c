"""The citizen's tracking link: the page in the ticket's language with no personal data, and
reopening a resolved ticket (the web app with a real SQLite desk)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from web_fixtures import start_client

from ivr.tickets.desk import new_token
from ivr.tickets.records import HistoryEntry, NewTicket, TicketRecord
from ivr.tickets.status import Status
from ivr.tickets.tracking import reopen_refusal, tracking_view
from ivr.web.keys import TICKETS

CALLER, SECRET_WORDS = "081299900001", "my neighbour Budi at Jl. Mawar 3 dumps rubbish"


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient]:
    client = await start_client(tmp_path)
    yield client
    await client.close()


async def a_ticket(client: TestClient, language: str = "id") -> tuple[str, str]:
    desk = client.server.app[TICKETS]
    token = new_token()
    number = await desk.submit(NewTicket(
        number="", token=token, channel="phone", category="environment",
        received_at=datetime.now(UTC), caller_number=CALLER, language=language,
        description=SECRET_WORDS, address="Jl. Mawar 3"), actor="ivr")
    return number, token


def csrf_of(page: str, form: str = "reopen") -> str:
    found = re.search(rf'<form [^>]*id="{form}".*?name="csrf_token" value="([^"]+)"', page)
    assert found, f"no {form} form on the page"
    return found.group(1)


def test_tokens_are_unguessable_and_url_safe() -> None:
    tokens = {new_token() for _ in range(100)}
    assert len(tokens) == 100
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{22}", t) for t in tokens)  # 128 bits


def test_reopening_is_for_resolved_tickets_within_the_window() -> None:
    now = datetime(2026, 12, 3, 10, tzinfo=UTC)

    def record(status: Status, resolved_days_ago: float) -> TicketRecord:
        at = now - timedelta(days=resolved_days_ago)
        return TicketRecord(
            number="1", token="t", channel="phone", status=status, status_note="",
            category="roads", category_name="Roads", agency="dpu", agency_name_en="Public works",
            agency_name_id="Dinas PU", language="en", caller_number="", description="",
            recording_path=None, media_url=None, latitude=None, longitude=None, address="",
            created_at=at, updated_at=at, due_at=at,
            escalated_at=None, history=(HistoryEntry(at, "dpu", "in_progress", "resolved", "",
                                                     "fixed"),))

    assert reopen_refusal(record(Status.RESOLVED, 3), now, 14) == ""
    assert "within 14 days" in reopen_refusal(record(Status.RESOLVED, 15), now, 14)
    assert "only a resolved" in reopen_refusal(record(Status.IN_PROGRESS, 1), now, 14)
    view = tracking_view(record(Status.RESOLVED, 3), now, 14)
    assert (view.status, view.agency, view.can_reopen) == ("resolved", "Public works", True)
    assert [s.public_note for s in view.steps] == ["fixed"]


async def test_the_page_shows_the_status_in_the_ticket_s_language_and_no_personal_data(
        client: TestClient) -> None:
    number, token = await a_ticket(client, "id")
    reply = await client.get(f"/t/{token}")  # no login: the link is the key
    assert reply.status == 200
    page = await reply.text()
    assert '<html lang="id">' in page and "Laporan Anda" in page
    assert f'<dd id="number">{number}</dd>' in page
    assert '<dd id="status">diterima</dd>' in page
    for private in (CALLER, SECRET_WORDS, "Jl. Mawar"):
        assert private not in page
    assert 'id="reopen"' not in page  # only resolved tickets can be reopened
    # The token never leaves in a Referer to another site (security_headers.py).
    assert reply.headers["Referrer-Policy"] == "same-origin"
    assert (await client.get("/t/not-a-real-token")).status == 404


async def test_a_citizen_reopens_a_resolved_ticket_and_it_goes_back_to_its_agency(
        client: TestClient) -> None:
    number, token = await a_ticket(client, "en")
    desk = client.server.app[TICKETS]
    before = await desk.ticket(number)
    assert before is not None
    await desk.change_status(number, "in_progress", "web:dlh", "")
    await desk.change_status(number, "resolved", "web:dlh", "", public_note="Rubbish taken away")
    page = await (await client.get(f"/t/{token}")).text()
    assert "Rubbish taken away" in page and 'id="reopen"' in page
    assert page.count("<li>") == 3  # received, being worked on, resolved
    refused = await client.post(f"/t/{token}/reopen", data={"reason": "still there",
                                                            "csrf_token": "forged"})
    assert refused.status == 403
    empty = await client.post(f"/t/{token}/reopen", data={"reason": "  ",
                                                          "csrf_token": csrf_of(page)})
    assert empty.status == 409 and "say what is still wrong" in await empty.text()
    done = await client.post(f"/t/{token}/reopen", data={"reason": "the pile is still there",
                                                         "csrf_token": csrf_of(page)})
    assert done.status == 200
    assert "back with the agency" in await done.text()
    record = await desk.ticket(number)
    assert record is not None and record.status == Status.IN_PROGRESS
    assert record.agency == before.agency  # back with the same agency
    last = record.history[-1]
    assert (last.actor, last.to_status) == ("citizen", Status.IN_PROGRESS)
    assert last.note == "reopened by the citizen: the pile is still there"
    assert last.public_note == "Reopened at the citizen's request"
    again = await client.post(f"/t/{token}/reopen", data={"reason": "x",
                                                          "csrf_token": csrf_of(page)})
    assert again.status == 409  # not resolved any more


async def test_a_ticket_resolved_too_long_ago_cannot_be_reopened(tmp_path: Path) -> None:
    client = await start_client(tmp_path, ticket_reopen_days=0.00001)  # under a second
    try:
        number, token = await a_ticket(client, "en")
        desk = client.server.app[TICKETS]
        await desk.change_status(number, "in_progress", "web:dlh", "")
        await desk.change_status(number, "resolved", "web:dlh", "")
        import asyncio

        await asyncio.sleep(1.1)
        page = await (await client.get(f"/t/{token}")).text()
        assert 'id="reopen"' not in page
    finally:
        await client.close()


async def test_a_citizen_rates_a_resolved_report_once_from_the_page(client: TestClient) -> None:
    number, token = await a_ticket(client, "id")
    desk = client.server.app[TICKETS]
    assert 'id="rate"' not in await (await client.get(f"/t/{token}")).text()  # not resolved
    await desk.change_status(number, "in_progress", "web:dlh", "")
    await desk.change_status(number, "resolved", "web:dlh", "", public_note="Sudah diangkut")
    page = await (await client.get(f"/t/{token}")).text()
    assert 'id="rate"' in page and "Seberapa puas Anda" in page
    forged = await client.post(f"/t/{token}/rate", data={"rating": "5", "csrf_token": "x"})
    assert forged.status == 403
    wrong = await client.post(f"/t/{token}/rate", data={"rating": "9",
                                                        "csrf_token": csrf_of(page, "rate")})
    assert wrong.status == 409 and 'id="rate"' in await wrong.text()  # asked again
    done = await client.post(f"/t/{token}/rate", data={"rating": "4",
                                                       "csrf_token": csrf_of(page, "rate")})
    assert done.status == 200
    shown = await done.text()
    assert "Penilaian Anda: 4 dari 5" in shown and 'id="rate"' not in shown
    record = await desk.ticket(number)
    assert record is not None and (record.rating, record.rated_by) == (4, "web")
    again = await client.post(f"/t/{token}/rate", data={"rating": "1",
                                                        "csrf_token": csrf_of(page, "rate")})
    assert again.status == 409  # the first rating stands
    record = await desk.ticket(number)
    assert record is not None and record.rating == 4
