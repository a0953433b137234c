"""Hostile strings through Open311's JSON and XML (issue 16, part 5): each is parsed back
with real parsers (``json``, ``xml.etree``) and must come back as sent, save only what XML
cannot carry (control characters, lone surrogates, U+FFFE/U+FFFF), which both formats leave
out alike. Through ``render`` and through the real routes and database."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from open311_fixtures import V2, Open311Client, open311_client

from ivr.config import Settings
from ivr.tickets.fields import xml_safe
from ivr.tickets.open311_format import render

HOSTILE = {
    "script": '<script>alert("x")</script>',
    "quotes": "it's \"quoted\" `back` \\\" \\'",
    "cdata-end": "]]>",
    "cdata": "<![CDATA[<b>x</b>]]>",
    "entities": "&amp; &lt; &#0; &#x1F600; &nbsp; &unknown;",
    "pi-and-comment": "<?xml version='1.0'?><!-- x --><!DOCTYPE x [<!ENTITY e 'y'>]>&e;",
    "control": "a\x00b\x01\x08\x0b\x0c\x1b\x1fc\x7f",
    "crlf": "line one\r\nline two\rline three\n",
    "tab": "a\tb",
    "non-bmp": "\U0001f6a7 \U0001d518\U0001d52b\U0001d526 \U00020000",
    "separators": "\u2028\u2029\u0085",
    "bidi": "\u202eevil\u202c \u200b\ufeff",
    "lone-surrogates": "\ud800x\udfff",
    "non-characters": "\ufffe\uffff\ufdd0",
    "json-ish": '{"a": [1, "\\u0000"]}</description><x>',
}
KEY = "test-key-123"


def xml_value(text: str, path: str) -> str:
    """The element's text after a real XML parser read the bytes sent."""
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    element = ET.fromstring(text.encode("utf-8")).find(path)
    assert element is not None
    return element.text or ""


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_render_carries_a_hostile_string_in_both_formats(name: str) -> None:
    hostile = HOSTILE[name]
    body = [{"description": hostile, "status_notes": hostile + hostile}]
    xml_text, _ = render("xml", "service_requests", body)
    json_text, _ = render("json", "service_requests", body)
    xml_text.encode("utf-8")  # what the response sends: never a UnicodeEncodeError
    json_text.encode("utf-8")
    expected = xml_safe(hostile)
    assert xml_value(xml_text, "request/description") == expected
    assert json.loads(json_text)[0]["description"] == expected
    assert xml_value(xml_text, "request/status_notes") == expected + expected
    assert len(ET.fromstring(xml_text.encode()).findall("request/*")) == 2  # no new elements
    if name not in ("control", "lone-surrogates", "non-characters"):
        assert expected == hostile  # the whole value round-trips


def test_an_error_description_is_escaped_too() -> None:
    text, _ = render("xml", "errors", [{"code": 400, "description": HOSTILE["pi-and-comment"]}])
    assert xml_value(text, "error/description") == HOSTILE["pi-and-comment"]


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[Open311Client]:
    settings = Settings(data_dir=tmp_path, open311_api_keys=KEY)
    async with open311_client(settings) as test_client:
        yield test_client


async def test_hostile_reports_round_trip_through_the_routes(client: Open311Client) -> None:
    for name, hostile in HOSTILE.items():
        form = {"api_key": KEY, "service_code": "roads", "lat": "-6.2", "long": "106.8",
                "description": hostile}
        if name == "lone-surrogates":  # JSON that no store can keep: refused, not a 500
            refused = await client.post(f"{V2}/requests.json", json=form)
            assert refused.status == 400, await refused.text()
            continue
        posted = await client.post(f"{V2}/requests.json", data=form)  # a form, as the spec
        assert posted.status == 200, (name, await posted.text())
        number = (await posted.json())[0]["service_request_id"]
        expected = xml_safe(hostile)
        as_json = await (await client.get(f"{V2}/requests/{number}.json")).json()
        xml_reply = await client.get(f"{V2}/requests/{number}.xml")
        assert xml_reply.content_type == "text/xml"
        assert as_json[0]["description"] == expected, name
        assert xml_value(await xml_reply.text(), "request/description") == expected, name
