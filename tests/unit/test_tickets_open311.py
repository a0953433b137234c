"""Open311 GeoReport v2 over HTTP (aiohttp test client), JSON and XML, SQLite and PostgreSQL."""

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from open311_fixtures import V2, open311_client
from sqlalchemy import text
from tickets_pg import database_url  # noqa: F401  (the sqlite/postgresql fixture)

from ivr.app import web_app
from ivr.config import Settings
from ivr.tickets.status import Status

KEY = "test-key-123"


@pytest.fixture
async def client(database_url, tmp_path):  # noqa: F811
    settings = Settings(data_dir=tmp_path, database_url=database_url, open311_api_keys=KEY,
                        open311_jurisdiction="testcity")
    async with open311_client(settings) as test_client:
        yield test_client


def xml_of(text: str) -> ET.Element:
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(text.split("\n", 1)[1])


POTHOLE = {"api_key": KEY, "service_code": "roads", "lat": "-6.2", "long": "106.8",
           "description": "Deep pothole <b>near</b> the school & market", "email": "a@b.id"}


async def post(client, form, fmt="json"):
    return await client.post(f"{V2}/requests.{fmt}", data=form)


async def test_discovery(client):
    body = await (await client.get(f"{V2}/discovery.json")).json()
    endpoint = body["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2")
    assert set(endpoint["formats"]) == {"application/json", "text/xml"}
    root = xml_of(await (await client.get(f"{V2}/discovery.xml")).text())
    assert root.tag == "discovery"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "application/json", "text/xml"]


async def test_services_and_definitions(client):
    services = await (await client.get(f"{V2}/services.json")).json()
    by_code = {s["service_code"]: s for s in services}
    assert {"roads", "utilities", "environment", "public_order", "other"} <= set(by_code)
    assert by_code["utilities"]["metadata"] is True and by_code["roads"]["metadata"] is False
    assert by_code["roads"]["type"] == "realtime"
    root = xml_of(await (await client.get(f"{V2}/services.xml")).text())
    assert len(root.findall("service")) == len(services)
    definition = await (await client.get(f"{V2}/services/utilities.json")).json()
    attribute = definition["attributes"][0]
    assert (attribute["code"], attribute["datatype"], attribute["required"]) == (
        "utility", "singlevaluelist", True)
    assert {"key": "water", "name": "Water"} in attribute["values"]
    root = xml_of(await (await client.get(f"{V2}/services/utilities.xml")).text())
    assert root.tag == "service_definition"
    assert root.find("attributes/attribute/values/value/key").text == "water"
    missing = await client.get(f"{V2}/services/astrology.json")
    assert missing.status == 404
    assert (await missing.json())[0]["code"] == 404


async def test_post_then_get_in_both_formats(client):
    response = await post(client, POTHOLE)
    assert response.status == 200
    created = (await response.json())[0]
    number, token = created["service_request_id"], created["token"]
    one = await (await client.get(f"{V2}/requests/{number}.json")).json()
    assert len(one) == 1
    request = one[0]
    assert (request["status"], request["service_code"], request["lat"]) == ("open", "roads",
                                                                           -6.2)
    assert request["description"] == POTHOLE["description"]
    assert request["agency_responsible"] == "Public Works Agency"
    assert request["requested_datetime"].endswith("+07:00")
    assert "a@b.id" not in str(request)  # contact details are never published
    root = xml_of(await (await client.get(f"{V2}/requests/{number}.xml")).text())
    assert root.find("request/description").text == POTHOLE["description"]
    tokens = await (await client.get(f"{V2}/tokens/{token}.json")).json()
    assert tokens == [{"service_request_id": number, "token": token}]
    root = xml_of(await (await client.get(f"{V2}/tokens/{token}.xml")).text())
    assert root.find("request/service_request_id").text == number
    xml_post = xml_of(await (await post(client, POTHOLE, "xml")).text())
    assert xml_post.tag == "service_requests"
    assert xml_post.find("request/service_request_id").text.isdigit()


async def test_xml_output_is_escaped(client):
    hostile = {**POTHOLE, "description": '<script>alert("x")</script>]]>&amp;'}
    number = (await (await post(client, hostile)).json())[0]["service_request_id"]
    text = await (await client.get(f"{V2}/requests/{number}.xml")).text()
    assert "<script>" not in text
    assert xml_of(text).find("request/description").text == hostile["description"]


@pytest.mark.parametrize(("change", "status", "message"), [
    ({"api_key": ""}, 403, "api_key is required"),
    ({"api_key": "wrong"}, 403, "api_key is not valid"),
    ({"service_code": ""}, 400, "service_code is required"),
    ({"service_code": "astrology"}, 404, "not found"),
    ({"lat": "", "long": ""}, 400, "a location is required"),
    ({"description": "x" * 4001}, 400, "description is longer than 4000 characters"),
    ({"service_code": "utilities"}, 400, "attribute[utility] is required"),
    ({"jurisdiction_id": "elsewhere"}, 404, "jurisdiction_id"),
])
async def test_post_errors(client, change, status, message):
    for fmt in ("json", "xml"):
        response = await post(client, {**POTHOLE, **change}, fmt)
        assert response.status == status
        if fmt == "json":
            error = (await response.json())[0]
            assert error["code"] == status and message in error["description"]
        else:
            root = xml_of(await response.text())
            assert root.tag == "errors"
            assert root.find("error/code").text == str(status)
            assert message in root.find("error/description").text


async def test_exactly_4000_characters_is_accepted(client):
    response = await post(client, {**POTHOLE, "description": "é" * 4000})
    assert response.status == 200


async def test_api_key_from_the_table(client):
    import hashlib
    from datetime import UTC, datetime

    from ivr.tickets.models import ApiKey

    with client.desk.service.sessions.begin() as session:
        session.add(ApiKey(key_sha256=hashlib.sha256(b"table-key").hexdigest(),
                           client="city app", created_at=datetime.now(UTC), revoked=False))
    response = await post(client, {**POTHOLE, "api_key": "table-key"})
    assert response.status == 200
    number = (await response.json())[0]["service_request_id"]
    ticket = await client.desk.ticket(number)
    assert ticket.history[0].actor == "open311:city app"


async def test_get_requests_filters(client):
    roads = (await (await post(client, POTHOLE)).json())[0]["service_request_id"]
    waste = (await (await post(client, {**POTHOLE, "service_code": "environment"})).json()
             )[0]["service_request_id"]
    await client.desk._db(client.desk.service.change_status, waste, Status.REJECTED, "desk",
                          "same caller as last week", None, "duplicate of another report")

    async def ids(**params):
        response = await client.get(f"{V2}/requests.json", params=params)
        assert response.status == 200, await response.text()
        return {r["service_request_id"] for r in await response.json()}

    assert await ids() == {roads, waste}
    assert await ids(service_request_id=f"{roads},{waste}") == {roads, waste}
    assert await ids(service_code="environment") == {waste}
    assert await ids(status="closed") == {waste}
    assert await ids(status="open") == {roads}
    assert await ids(start_date="2000-01-01T00:00:00Z", end_date="2001-01-01T00:00:00Z") == set()
    assert await ids(start_date="2000-01-01T00:00:00+07:00") == {roads, waste}
    closed = await (await client.get(f"{V2}/requests/{waste}.json")).json()
    assert closed[0]["status_notes"] == "rejected: duplicate of another report"
    assert "same caller" not in str(closed)  # the internal note stays internal
    root = xml_of(await (await client.get(f"{V2}/requests.xml",
                                          params={"service_code": "roads"})).text())
    assert [r.find("service_request_id").text for r in root.findall("request")] == [roads]


@pytest.mark.parametrize(("path", "status"), [
    ("/requests.json?start_date=yesterday", 400),
    ("/requests.json?status=pending", 400),
    ("/requests/10000005.json", 404),   # bad check digit
    ("/requests/99999992.json", 404),   # valid but unknown
    ("/tokens/nope.json", 404),
    ("/services.yaml", 400),
])
async def test_get_errors(client, path, status):
    response = await client.get(V2 + path)
    assert response.status == status
    assert (await response.json())[0]["code"] == status


async def test_wired_into_the_web_app(tmp_path: Path):
    settings = Settings(data_dir=tmp_path, redis_port=1)
    async with TestClient(TestServer(web_app(settings))) as test_client:
        response = await test_client.get(f"{V2}/services.json")
        assert response.status == 200
        assert len(await response.json()) >= 5


# --- names against the column, the api key's place, media_url, control characters -----------

@pytest.mark.parametrize(("change", "message"), [
    ({"first_name": "a" * 100, "last_name": "b" * 100},
     "first_name and last_name together are longer than 200 characters"),
    ({"phone": "9" * 65}, "phone is longer than 64 characters"),
    ({"address_id": "x" * 401}, "address_id is longer than 400 characters"),
    ({"media_url": "https://img.example/a.jpg\r\nSet-Cookie: x=1"}, "media_url must be"),
    ({"media_url": "https://img.example/a b.jpg"}, "media_url must be"),
    ({"media_url": "https://img.example/\x01.jpg"}, "media_url must be"),
    ({"media_url": "https://img.example/" + "a" * 490}, "media_url is longer than 500"),
    ({"lat": "1_0"}, "lat must be decimal degrees"),
    ({"long": "nan"}, "long must be decimal degrees"),
])
async def test_post_refuses_what_does_not_fit_with_the_field_name(client, change, message):
    response = await post(client, {**POTHOLE, **change})
    assert response.status == 400, await response.text()
    assert message in (await response.json())[0]["description"]


async def test_names_that_fit_together_are_stored(client):
    response = await post(client, {**POTHOLE, "first_name": "a" * 100, "last_name": "b" * 99})
    assert response.status == 200


async def test_api_key_in_the_query_string_is_refused(client):
    form = {k: v for k, v in POTHOLE.items() if k != "api_key"}
    response = await client.post(f"{V2}/requests.json", params={"api_key": KEY}, data=form)
    assert response.status == 400
    message = (await response.json())[0]["description"]
    assert "POST body" in message and "X-API-Key" in message and KEY not in message


async def test_api_key_in_a_header_or_a_json_body(client):
    form = {k: v for k, v in POTHOLE.items() if k != "api_key"}
    by_header = await client.post(f"{V2}/requests.json", data=form, headers={"X-API-Key": KEY})
    assert by_header.status == 200, await by_header.text()
    by_json = await client.post(f"{V2}/requests.json", json=POTHOLE)
    assert by_json.status == 200, await by_json.text()
    wrong = await client.post(f"{V2}/requests.json", data=form, headers={"X-API-Key": "no"})
    assert wrong.status == 403


async def test_control_characters_never_break_the_xml_feed(client):
    nasty = "bad\x00 \x01\x08\x0b\x0c\x1b[31m \ufffe chars\tkept\nhere"
    response = await post(client, {**POTHOLE, "description": nasty, "address_string": nasty})
    assert response.status == 200, await response.text()
    number = (await response.json())[0]["service_request_id"]
    # Data stored before this fix still reaches the writer: it must clean on output too.
    with client.desk.service.sessions.begin() as session:
        session.execute(text("UPDATE categories SET name = :n WHERE code = 'roads'"),
                        {"n": "Roads\x07\x1f"})
    feed = await (await client.get(f"{V2}/requests.xml")).text()
    root = xml_of(feed)  # parses
    request = root.find("request")
    assert request.find("description").text == "bad [31m  chars\tkept\nhere"
    assert request.find("service_name").text == "Roads"
    one = xml_of(await (await client.get(f"{V2}/requests/{number}.xml")).text())
    assert one.find("request/address").text == "bad [31m  chars\tkept\nhere"


async def test_control_characters_from_a_call_are_dropped(client):
    from ivr.flows.ports import CallReport

    number = await client.desk.open_from_call(
        CallReport("0812\x00\x1b", "id", "roads", None, "call-ctl", "words\x01 heard"))
    assert await client.desk.attach_transcript(number, "hello\x0b there\x00")
    stored = await client.desk.ticket(number)
    assert stored.caller_number == "0812"
    assert stored.description == "words heard\n[transcript] hello there"
    xml_of(await (await client.get(f"{V2}/requests.xml")).text())
