"""Bad bodies and query values are 400s, flow numbers never become paths, and each user has at
most five live streams (issue 19, items 10 and the low ones)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from aiohttp import ClientResponse
from aiohttp.test_utils import TestClient
from web_fixtures import ADMIN, FakeBoardSource, as_user, basic

from ivr.ami.board import QueueBoard
from ivr.web.errors import Refused
from ivr.web.inputs import parse_json_object
from ivr.web.live import MAX_STREAMS_PER_USER, StreamSlots

BAD_BODIES = {
    "not-json": b"{not json",
    "not-utf8": b'{"text": "\xff\xfe"}',
    "too-deep": b"[" * 100_000,
    "nan": b'{"hours": NaN}',
    "array": b"[1, 2]",
    # Valid JSON no store can keep (issue 16): a 500 from the encoder or PostgreSQL before.
    "lone-surrogate": b'{"username": "\\ud800", "label": "x", "text": "\\udfff"}',
    "surrogate-in-a-key": b'{"\\udc80": 1}',
    "nul": b'{"username": "a\\u0000", "note": ["\\u0000"]}',
}
ROUTES = [
    ("POST", "/api/v1/flows/112/check", "boss"), ("PUT", "/api/v1/flows/112", "boss"),
    ("POST", "/api/v1/tickets/1/status", "ani"), ("POST", "/api/v1/tokens", "boss"),
    ("POST", "/api/v1/users", "boss"), ("POST", "/api/v1/users/ani/password", "boss"),
    ("POST", "/api/v1/me/password", "ani"), ("POST", "/api/v1/operators/ani/pause", "sri"),
    ("PUT", "/api/v1/callers/0811", "sri"), ("POST", "/api/v1/catalog/tiers", "boss"),
    ("POST", "/api/v1/calls/17000.1/ticket", "ani"),
]


@pytest.mark.parametrize(("method", "path", "user"), ROUTES)
@pytest.mark.parametrize("body", sorted(BAD_BODIES))
async def test_a_bad_json_body_is_400_with_the_error_body(client: TestClient, method: str,
                                                         path: str, user: str,
                                                         body: str) -> None:
    reply = await client.request(method, path, data=BAD_BODIES[body],
                                 headers={**as_user(user), "Content-Type": "application/json"})
    assert reply.status == 400, await reply.text()
    assert (await reply.json())["error_id"] == "bad-json"


def test_parse_json_object() -> None:
    assert parse_json_object(b"") == {}
    assert parse_json_object(b' {"a": 1} ') == {"a": 1}
    text = "\U0001f600 \u00e9"
    assert parse_json_object(f'{{"a": ["{text}"]}}'.encode()) == {"a": [text]}
    assert parse_json_object(b'{"a": "\\ud83d\\ude00"}') == {"a": "\U0001f600"}  # a pair is fine
    deep = b'{"a": ' + b"[" * 500 + b'"\\ud800"' + b"]" * 500 + b"}"
    with pytest.raises(Refused):
        parse_json_object(deep)


@pytest.mark.parametrize("body", [b'{"service_code": "\\ud800"}', b"[" * 100_000, b"{x"])
async def test_open311_json_bodies_go_through_the_same_reader(client: TestClient,
                                                              body: bytes) -> None:
    reply = await client.post("/open311/v2/requests.json", data=body,
                              headers={"Content-Type": "application/json"})
    assert reply.status == 400, await reply.text()
    assert (await reply.json())[0]["code"] == 400


async def test_a_tracking_form_that_is_not_utf8_is_not_a_500(client: TestClient) -> None:
    reply = await client.post("/t/" + "a" * 22 + "/stop", data=b"csrf_token=\xff\xfe",
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert reply.status < 500, await reply.text()


async def test_a_roster_csv_that_is_not_utf8_is_400(client: TestClient) -> None:
    reply = await client.put("/api/v1/roster.csv", data=b"operator,date\n\xff\n",
                             headers={**basic(*ADMIN), "Content-Type": "text/csv"})
    assert reply.status == 400


@pytest.mark.parametrize("hours", ["inf", "-inf", "nan", "1e308", "-1", "soon", "9000"])
async def test_escalation_hours_must_be_a_sensible_finite_number(client: TestClient,
                                                                 hours: str) -> None:
    reply = await client.get(f"/api/v1/reports/escalations?hours={hours}",
                             headers=as_user("sri"))
    assert reply.status == 400
    assert (await reply.json())["error_id"] == "bad-hours"


async def test_escalation_hours_in_range_still_work(client: TestClient) -> None:
    reply = await client.get("/api/v1/reports/escalations?hours=0.5", headers=as_user("sri"))
    assert reply.status == 200


# -- item 10: flow numbers are digits ----------------------------------------------------------

@pytest.mark.parametrize(("method", "suffix"), [
    ("GET", ""), ("PUT", ""), ("POST", "/check"), ("POST", "/rollback")])
@pytest.mark.parametrize("number", ["..%2F..%2Fevil", "112abc", "1234567890123456"])
async def test_flow_routes_refuse_numbers_that_are_not_digits(
        client: TestClient, tmp_path: Path, method: str, suffix: str, number: str) -> None:
    text = (await (await client.get("/api/v1/flows/112", headers=basic(*ADMIN))).json())["text"]
    evil = text.replace('number: "112"', 'number: "../../evil"')
    assert evil != text
    reply = await client.request(method, f"/api/v1/flows/{number}{suffix}",
                                 json={"text": evil} if method != "GET" else None,
                                 headers=basic(*ADMIN))
    assert reply.status == 400, await reply.text()
    assert (await reply.json())["error_id"] == "bad-flow-number"
    assert not list(tmp_path.parent.glob("*.yaml")) and not list(tmp_path.rglob("evil*"))


async def test_a_flow_text_whose_own_number_is_not_digits_is_400(client: TestClient) -> None:
    text = (await (await client.get("/api/v1/flows/112", headers=basic(*ADMIN))).json())["text"]
    evil = text.replace('number: "112"', 'number: "../../evil"')
    reply = await client.post("/api/v1/flows/112/check", json={"text": evil},
                              headers=basic(*ADMIN))
    assert reply.status == 400, await reply.text()
    assert (await reply.json())["error_id"] == "bad-flow-number"


# -- live streams per user ---------------------------------------------------------------------

async def open_stream(client: TestClient, user: str) -> ClientResponse:
    return await client.get("/api/v1/events?want=board", headers=as_user(user))


async def test_a_sixth_stream_of_one_user_is_refused_and_a_slot_frees_when_one_ends(
        client: TestClient, source: FakeBoardSource) -> None:
    streams = [await open_stream(client, "sri") for _ in range(MAX_STREAMS_PER_USER)]
    assert [s.status for s in streams] == [200] * MAX_STREAMS_PER_USER
    refused = await open_stream(client, "sri")
    assert refused.status == 429
    assert (await refused.json())["error_id"] == "too-many-streams"
    assert "Retry-After" in refused.headers
    other = await open_stream(client, "boss")  # another user is not affected
    assert other.status == 200
    streams[0].close()
    async with asyncio.timeout(10):
        while True:  # the server notices the closed stream at its next write
            source.push(QueueBoard())
            again = await open_stream(client, "sri")
            if again.status == 200:
                break
            await asyncio.sleep(0.05)
    for stream in [*streams[1:], other, again]:
        stream.close()


def test_stream_slots() -> None:
    slots = StreamSlots(limit=2)
    assert slots.take("a") and slots.take("a") and not slots.take("a")
    assert slots.take("b")
    slots.give_back("a")
    assert slots.take("a")
    slots.give_back("b")
    assert "b" not in slots.open
    assert json.dumps(dict(slots.open)) == '{"a": 2}'
