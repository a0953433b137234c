import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest

from ivr.tickets.catalog import ATTRIBUTES
from ivr.tickets.errors import InvalidRequest
from ivr.tickets.open311_format import (
    FIELD_LIMITS,
    check_limits,
    errors_body,
    parse_attributes,
    parse_location,
    parse_query,
    parse_w3c,
    render,
)
from ivr.tickets.status import Status

NOW = datetime(2024, 5, 6, 3, 0, tzinfo=UTC)


def test_render_errors_in_both_formats():
    body = errors_body(403, "api_key is not valid")
    text, content_type = render("json", "errors", body)
    assert content_type == "application/json"
    assert json.loads(text) == [{"code": 403, "description": "api_key is not valid"}]
    text, content_type = render("xml", "errors", body)
    assert content_type == "text/xml"
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(text.split("\n", 1)[1])
    assert root.tag == "errors"
    assert root.find("error/code").text == "403"


def test_xml_escapes_caller_text():
    hostile = '<script>alert("x")</script> & ]]>'
    text, _ = render("xml", "service_requests", [{"description": hostile, "lat": None,
                                                  "metadata": True}])
    assert "<script>" not in text
    request = ET.fromstring(text.split("\n", 1)[1]).find("request")
    assert request.find("description").text == hostile
    assert request.find("lat").text is None
    assert request.find("metadata").text == "true"


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-05-06T10:00:00+07:00", datetime(2024, 5, 6, 3, 0, tzinfo=UTC)),
    ("2024-05-06T03:00:00Z", datetime(2024, 5, 6, 3, 0, tzinfo=UTC)),
])
def test_parse_w3c(text, expected):
    assert parse_w3c("start_date", text) == expected


@pytest.mark.parametrize("text", ["2024-05-06T10:00:00", "yesterday", "2024-13-01T00:00Z"])
def test_parse_w3c_rejects(text):
    with pytest.raises(InvalidRequest):
        parse_w3c("start_date", text)


def test_parse_query_defaults_to_90_days():
    query = parse_query({}, NOW)
    assert query.start == NOW - timedelta(days=90)
    assert (query.end, query.numbers, query.limit) == (None, (), 1000)


def test_parse_query_filters():
    query = parse_query({"service_request_id": "10000004, 10000012", "service_code": "roads",
                         "status": "open", "start_date": "2024-05-01T00:00:00Z"}, NOW)
    assert query.numbers == ("10000004", "10000012")
    assert query.categories == ("roads",)
    assert Status.IN_PROGRESS in query.statuses and Status.CLOSED not in query.statuses
    assert query.start == datetime(2024, 5, 1, tzinfo=UTC)


def test_parse_query_rejects_reversed_dates():
    with pytest.raises(InvalidRequest):
        parse_query({"start_date": "2024-05-02T00:00:00Z",
                     "end_date": "2024-05-01T00:00:00Z"}, NOW)


@pytest.mark.parametrize(("form", "message"), [
    ({"description": "x" * 4001}, "description is longer than 4000 characters"),
    ({"email": "a" * 201}, "email is longer than 200 characters"),
    ({"media_url": "javascript:alert(1)"}, "media_url must be an http or https URL"),
])
def test_check_limits(form, message):
    with pytest.raises(InvalidRequest, match=message):
        check_limits(form)


def test_check_limits_accepts_exactly_4000():
    check_limits({"description": "x" * 4000})


@pytest.mark.parametrize(("form", "expected"), [
    ({"lat": "-6.2", "long": "106.8"}, (-6.2, 106.8, "")),
    ({"address_string": "Jl. Thamrin 1"}, (None, None, "Jl. Thamrin 1")),
    ({"address_id": "A-17", "lat": "1"}, (None, None, "A-17")),
])
def test_parse_location(form, expected):
    assert parse_location(form) == expected


@pytest.mark.parametrize("form", [{}, {"lat": "1"}, {"lat": "x", "long": "1"},
                                  {"lat": "91", "long": "0"}])
def test_parse_location_rejects(form):
    with pytest.raises(InvalidRequest):
        parse_location(form)


def test_parse_attributes():
    specs = ATTRIBUTES["utilities"]
    assert parse_attributes({"attribute[utility]": "water"}, specs) == {"utility": "water"}
    with pytest.raises(InvalidRequest, match=r"attribute\[utility\] is required"):
        parse_attributes({}, specs)
    with pytest.raises(InvalidRequest, match="must be one of"):
        parse_attributes({"attribute[utility]": "wine"}, specs)


@pytest.mark.parametrize("form", [
    {"lat": "1_0", "long": "0"}, {"lat": "0", "long": "1_0"}, {"lat": "nan", "long": "0"},
    {"lat": "inf", "long": "0"}, {"lat": "-infinity", "long": "0"}, {"lat": "1e1", "long": "0"},
    {"lat": "٣", "long": "0"}, {"lat": "0x10", "long": "0"}, {"lat": "1.2.3", "long": "0"},
    {"lat": "90.0001", "long": "0"}, {"lat": "0", "long": "-180.5"}, {"lat": "+", "long": "0"},
    {"lat": "1" * 40, "long": "0"},
])
def test_parse_location_is_strict(form):
    with pytest.raises(InvalidRequest):
        parse_location(form)


@pytest.mark.parametrize(("lat", "long"), [("-90", "180"), ("+6.5", "-106."), (".5", "0.0"),
                                           ("-6.208763", "106.845599")])
def test_parse_location_takes_decimal_degrees(lat, long):
    assert parse_location({"lat": lat, "long": long}) == (float(lat), float(long), "")


@pytest.mark.parametrize("url", [
    "https://img.example/a.jpg\r\nSet-Cookie: x=1", "http://img.example/a b", "ftp://x/a",
    "https://img.example/\x7f", "https://img.example/é", "https://", "HTTPS:/x",
])
def test_check_limits_refuses_bad_media_urls(url):
    with pytest.raises(InvalidRequest, match="media_url"):
        check_limits({"media_url": url})


def test_check_limits_takes_a_plain_link():
    check_limits({"media_url": "https://img.example/a.jpg?size=2&x=%20"})


def test_limits_come_from_the_columns():
    from ivr.tickets.fields import TICKET_LIMITS
    from ivr.tickets.models import Ticket

    assert TICKET_LIMITS["caller_number"] == Ticket.__table__.c.caller_number.type.length
    assert FIELD_LIMITS["phone"] == TICKET_LIMITS["caller_number"]
    assert FIELD_LIMITS["email"] == TICKET_LIMITS["contact_email"]


def test_xml_safe_keeps_what_xml_can_carry():
    from ivr.tickets.fields import xml_safe

    assert xml_safe("a\x00b\x1fc\td\ne\rf\ud800g\ufffeh\uffffi\U0001f6a7é") == (
        "abc\td\ne\rfghi\U0001f6a7é")
    text, _ = render("xml", "errors", [{"description": "x\x01y\ud800"}])
    assert ET.fromstring(text.split("\n", 1)[1]).find("error/description").text == "xy"
