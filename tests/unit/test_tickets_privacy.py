"""Privacy: an anonymous Open311 reader sees only what a citizen may read.

The real aiohttp Open311 routes over a socket, on SQLite and on PostgreSQL. Internal operator
notes, escalations (naming the supervisor) and a phone caller's words stay inside; the
operators' own views keep all of it.
"""

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from open311_fixtures import V2, open311_client
from sqlalchemy import text
from tickets_pg import database_url  # noqa: F401  (the sqlite/postgresql fixture)

from ivr.config import Settings
from ivr.db import make_engine
from ivr.flows.ports import CallReport
from ivr.schema.upgrade import VERSION_TABLE, alembic_config, head_revision, upgrade_database
from ivr.tickets.desk import TicketDesk
from ivr.tickets.storage import public_note_after

KEY = "privacy-key"
TRANSCRIPT = "my name is Budi Santoso, I live at Jalan Melati 5, my phone is 0812 5550 1234"
INTERNAL = "caller sounded drunk, check with depot foreman Agus"
PUBLIC = "a crew is scheduled for Tuesday"


@pytest.fixture
async def client(database_url, tmp_path):  # noqa: F811
    settings = Settings(data_dir=tmp_path, database_url=database_url, open311_api_keys=KEY)
    async with open311_client(settings) as test_client:
        yield test_client


async def published(client, number: str) -> str:
    """Everything an anonymous reader can get about the ticket, JSON and XML."""
    texts = []
    for path in (f"/requests/{number}.json", f"/requests/{number}.xml", "/requests.json",
                 "/requests.xml"):
        response = await client.get(V2 + path)
        assert response.status == 200
        texts.append(await response.text())
    return "\n".join(texts)


async def phone_ticket(desk: TicketDesk) -> str:
    number = await desk.open_from_call(CallReport("0812555012", "id", "roads", "/rec/a.wav",
                                                  "call-1", "emergency words: fire"))
    assert await desk.attach_transcript(number, TRANSCRIPT)
    return number


async def test_internal_notes_escalations_and_transcripts_stay_inside(client):
    desk = client.desk
    number = await phone_ticket(desk)
    await desk.change_status(number, "assigned", "web:ana", INTERNAL, public_note=PUBLIC)
    await desk.change_status(number, "in_progress", "web:ana", "second internal remark")
    assert await desk.escalate(timedelta(days=30)) == [number]
    everything = await published(client, number)
    for secret in ("Budi", "Melati", "5550", "drunk", "internal remark", "supervisor",
                   "escalated", "emergency words", "/rec/"):
        assert secret not in everything
    request = (await (await client.get(f"{V2}/requests/{number}.json")).json())[0]
    assert request["description"] == "Roads and infrastructure, reported by phone"
    assert request["status_notes"] == "in_progress"  # the public note explained "assigned"
    # The operators' view is unchanged: every note, the transcript, the caller.
    inside = await desk.ticket(number)
    assert TRANSCRIPT in inside.description and inside.caller_number == "0812555012"
    notes = [h.note for h in inside.history]
    assert INTERNAL in notes and any("supervisor" in n for n in notes)
    assert [h.public_note for h in inside.history if h.public_note] == [PUBLIC]


async def test_only_the_public_note_is_published(client):
    desk = client.desk
    number = await phone_ticket(desk)
    await desk.change_status(number, "assigned", "web:ana", INTERNAL, public_note=PUBLIC)
    await desk.escalate(timedelta(days=30))  # keeps the public note
    as_json = await (await client.get(f"{V2}/requests/{number}.json")).json()
    assert as_json[0]["status_notes"] == f"assigned: {PUBLIC}"
    as_xml = await (await client.get(f"{V2}/requests/{number}.xml")).text()
    root = ET.fromstring(as_xml.split("\n", 1)[1])
    assert root.find("request/status_notes").text == f"assigned: {PUBLIC}"
    assert INTERNAL not in str(as_json) + as_xml and "supervisor" not in str(as_json) + as_xml


async def test_an_open311_request_keeps_its_own_description(client):
    form = {"api_key": KEY, "service_code": "roads", "lat": "-6.2", "long": "106.8",
            "description": "Pothole by the school"}
    number = (await (await client.post(f"{V2}/requests.json", data=form)).json()
              )[0]["service_request_id"]
    request = (await (await client.get(f"{V2}/requests/{number}.json")).json())[0]
    assert request["description"] == "Pothole by the school"


@pytest.mark.parametrize(("before", "after", "current", "given", "expected"), [
    ("received", "assigned", "", "crew on Tuesday", "crew on Tuesday"),
    ("assigned", "in_progress", "crew on Tuesday", "", ""),  # explained the old status
    ("assigned", "assigned", "crew on Tuesday", "", "crew on Tuesday"),  # an escalation
    ("assigned", "assigned", "crew on Tuesday", "moved to Wednesday", "moved to Wednesday"),
])
def test_public_note_after(before, after, current, given, expected):
    assert public_note_after(before, after, current, given) == expected


def test_the_upgrade_keeps_existing_tickets_and_their_notes_internal(database_url):  # noqa: F811
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:  # a database made by the previous version
            cfg = alembic_config(database_url)
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0001_tickets")
            old_ticket(conn)
        upgrade_database(engine)
        with engine.connect() as conn:
            version = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
            row = conn.execute(text("SELECT status_note, public_note FROM tickets")).one()
            notes = conn.execute(text("SELECT note, public_note FROM ticket_history")).one()
        assert version == head_revision()
        assert tuple(row) == ("internal: escalated to public_works-supervisor", "")
        assert tuple(notes) == ("internal: escalated to public_works-supervisor", "")
    finally:
        engine.dispose()


def old_ticket(conn) -> None:
    at = datetime(2024, 5, 6, 3, 0, tzinfo=UTC).replace(tzinfo=None)
    conn.execute(text("INSERT INTO agencies VALUES ('public_works', 'Public Works', 'PU', "
                      ":t, 'public_works-supervisor')"), {"t": True})
    conn.execute(text("INSERT INTO categories VALUES ('roads', 'Roads', '', 'public_works', "
                      "'general', 'infrastructure', '')"))
    conn.execute(text(
        "INSERT INTO tickets (id, number, token, channel, caller_number, contact_name, "
        "contact_email, language, category_code, agency_code, description, attributes_json, "
        "address, status, status_note, created_at, updated_at, due_at) VALUES (1, "
        "'10000004', 'tok', 'phone', '0812', '', '', 'id', 'roads', 'public_works', "
        "'[transcript] hello', '{}', '', 'received', :note, :at, :at, :at)"),
        {"note": "internal: escalated to public_works-supervisor", "at": at})
    conn.execute(text("INSERT INTO ticket_history (ticket_id, at, actor, from_status, "
                      "to_status, note) VALUES (1, :at, 'system', 'received', 'received', "
                      ":note)"),
                 {"note": "internal: escalated to public_works-supervisor", "at": at})
