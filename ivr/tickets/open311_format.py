"""Open311 GeoReport v2 at the edge, pure: parse what clients send, shape what we answer.

XML is built with ElementTree, so every value from a caller is escaped, and characters XML
cannot carry are dropped on the way in and out; JSON is json.dumps. Dates are W3C (ISO 8601
with an offset) in the city's time zone. Reading is public, so ``request_view`` publishes only
what a citizen may read: the public note (never the internal or escalation notes), and the
description only of requests that came in over Open311 itself (a phone ticket's description
holds the caller's transcript: name, address, whatever they said).
"""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .catalog import AttributeSpec
from .errors import InvalidRequest
from .fields import TICKET_LIMITS, xml_safe
from .records import CategoryRecord, TicketQuery, TicketRecord
from .status import open311_status, statuses_for_open311

FORMATS = {"json": "application/json", "xml": "text/xml"}
SPEC_URL = "http://wiki.open311.org/GeoReport_v2"
DEFAULT_WINDOW = timedelta(days=90)
MAX_RESULTS = 1000
# Form field -> the ticket field it is stored in (its column sets the limit).
STORED_AS = {"description": "description", "email": "contact_email", "phone": "caller_number",
             "address_string": "address", "address_id": "address", "media_url": "media_url"}
# Fields not stored, only checked (account_id is echoed back).
PROTOCOL_LIMITS = {"device_id": 100, "account_id": 100}
FIELD_LIMITS = {**{name: TICKET_LIMITS[field] for name, field in STORED_AS.items()},
                **PROTOCOL_LIMITS}
# Channels whose description the citizen wrote to be published (Open311 itself).
PUBLISHED_DESCRIPTION_CHANNELS = frozenset({"api"})
# Decimal degrees as people write them: no exponent, no underscores, ASCII digits only.
_DEGREES = re.compile(r"[+-]?(?:[0-9]{1,3}(?:\.[0-9]{0,17})?|\.[0-9]{1,17})")
# A link: http(s), then printable ASCII only (no spaces, no CR/LF, no controls).
_MEDIA_URL = re.compile(r"https?://[\x21-\x7e]+", re.IGNORECASE)
# Children of these XML elements are named as follows; anything else is <item>.
_SINGULAR = {"errors": "error", "services": "service", "service_requests": "request",
             "attributes": "attribute", "values": "value", "endpoints": "endpoint",
             "formats": "format"}


def render(fmt: str, root: str, body: Any) -> tuple[str, str]:
    """(text, content type) of ``body`` in ``fmt``; ``root`` names the XML root element.

    Both formats carry the same text: what XML cannot (control characters, lone surrogates,
    U+FFFE/U+FFFF) is left out of JSON too, so a value never differs between the two and
    never fails to encode. A carriage return is written ``&#13;`` in XML, which a parser would
    otherwise turn into a line feed; it can only be in text (no attributes, fixed tags).
    """
    if fmt == "json":
        return json.dumps(_clean(body), ensure_ascii=False), FORMATS["json"]
    element = _element(root, body)
    text = ET.tostring(element, encoding="unicode").replace("\r", "&#13;")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + text, FORMATS["xml"]


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return xml_safe(value)
    if isinstance(value, dict):
        return {xml_safe(str(k)): _clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _element(tag: str, value: Any) -> ET.Element:
    element = ET.Element(tag)
    if isinstance(value, dict):
        for key, child in value.items():
            element.append(_element(key, child))
    elif isinstance(value, list):
        for child in value:
            element.append(_element(_SINGULAR.get(tag, "item"), child))
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = xml_safe(str(value))
    return element


def errors_body(code: int, description: str) -> list[dict[str, Any]]:
    return [{"code": code, "description": description}]


def w3c(moment: datetime | None, zone: ZoneInfo) -> str | None:
    return moment.astimezone(zone).isoformat(timespec="seconds") if moment else None


def parse_w3c(name: str, text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise InvalidRequest(f"{name} must be a W3C date and time, e.g. "
                             f"2024-05-01T10:00:00+07:00") from None
    if moment.tzinfo is None:
        raise InvalidRequest(f"{name} needs a time zone (Z or an offset like +07:00)")
    return moment.astimezone(UTC)


def service_view(category: CategoryRecord, has_attributes: bool) -> dict[str, Any]:
    return {"service_code": category.code, "service_name": category.name,
            "description": category.description, "metadata": has_attributes,
            "type": "realtime", "keywords": category.keywords, "group": category.group}


def definition_view(code: str, attributes: tuple[AttributeSpec, ...]) -> dict[str, Any]:
    return {"service_code": code, "attributes": [
        {"variable": True, "code": a.code, "datatype": a.datatype, "required": a.required,
         "datatype_description": "", "order": a.order, "description": a.description,
         "values": [{"key": key, "name": name} for key, name in a.values]}
        for a in attributes]}


def public_description(ticket: TicketRecord) -> str:
    """The description as published: the client's own text, or a neutral line for a call."""
    if ticket.channel in PUBLISHED_DESCRIPTION_CHANNELS:
        return ticket.description
    return f"{ticket.category_name}, reported by phone" if ticket.channel == "phone" else (
        ticket.category_name)


def request_view(ticket: TicketRecord, zone: ZoneInfo) -> dict[str, Any]:
    """A ticket as a public Open311 request; our richer status and public note in status_notes."""
    notes = str(ticket.status) + (f": {ticket.public_note}" if ticket.public_note else "")
    return {"service_request_id": ticket.number, "status": open311_status(ticket.status),
            "status_notes": notes, "service_name": ticket.category_name,
            "service_code": ticket.category, "description": public_description(ticket),
            "agency_responsible": ticket.agency_name_en, "service_notice": "",
            "requested_datetime": w3c(ticket.created_at, zone),
            "updated_datetime": w3c(ticket.updated_at, zone),
            "expected_datetime": w3c(ticket.due_at, zone), "address": ticket.address,
            "address_id": "", "zipcode": "", "lat": ticket.latitude, "long": ticket.longitude,
            "media_url": ticket.media_url or ""}


def _split(text: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in (text or "").split(",") if part.strip())


def parse_query(params: Mapping[str, str], now: datetime) -> TicketQuery:
    """GET requests filters; with no id and no dates, the last 90 days (spec default)."""
    numbers = _split(params.get("service_request_id"))
    start = parse_w3c("start_date", params["start_date"]) if params.get("start_date") else None
    end = parse_w3c("end_date", params["end_date"]) if params.get("end_date") else None
    if start and end and start > end:
        raise InvalidRequest("start_date must be before end_date")
    if not numbers and start is None and end is None:
        start = now - DEFAULT_WINDOW
    statuses: frozenset = frozenset()
    for value in _split(params.get("status")):
        statuses |= statuses_for_open311(value)
    return TicketQuery(numbers=numbers, categories=_split(params.get("service_code")),
                       statuses=statuses, start=start, end=end, limit=MAX_RESULTS)


def clean_form(form: Mapping[str, str]) -> dict[str, str]:
    """The form without characters XML cannot carry (they would break the XML feed)."""
    return {xml_safe(key): xml_safe(value) for key, value in form.items()}


def check_limits(form: Mapping[str, str]) -> None:
    """Reject input beyond its column's or the spec's limit, with a message naming the field."""
    for name, limit in FIELD_LIMITS.items():
        length = len(form.get(name, ""))
        if length > limit:
            raise InvalidRequest(f"{name} is longer than {limit} characters ({length})")
    name_limit = TICKET_LIMITS["contact_name"]
    if len(contact_name(form)) > name_limit:
        raise InvalidRequest(f"first_name and last_name together are longer than "
                             f"{name_limit} characters")
    media = form.get("media_url", "")
    if media and not _MEDIA_URL.fullmatch(media):
        raise InvalidRequest("media_url must be an http or https URL without spaces or "
                             "control characters")


def contact_name(form: Mapping[str, str]) -> str:
    """first_name and last_name as stored: one space between them."""
    parts = (form.get("first_name", "").strip(), form.get("last_name", "").strip())
    return " ".join(p for p in parts if p)


def parse_degrees(name: str, text: str, limit: float) -> float:
    """Decimal degrees within -limit..limit; strict (``float`` takes ``1_0``, ``nan``, ``1e1``)."""
    if not _DEGREES.fullmatch(text):
        raise InvalidRequest(f"{name} must be decimal degrees, like -6.2 or 106.8")
    value = float(text)
    if not math.isfinite(value) or not -limit <= value <= limit:
        raise InvalidRequest(f"{name} must be within -{limit:g}..{limit:g}")
    return value


def parse_location(form: Mapping[str, str]) -> tuple[float | None, float | None, str]:
    """(lat, long, address); the spec needs lat and long, or address_string or address_id."""
    address = form.get("address_string", "").strip() or form.get("address_id", "").strip()
    lat_text, long_text = form.get("lat", "").strip(), form.get("long", "").strip()
    if not (lat_text and long_text) and not address:
        raise InvalidRequest("a location is required: lat and long, address_string or "
                             "address_id")
    if not (lat_text and long_text):
        return None, None, address
    return parse_degrees("lat", lat_text, 90), parse_degrees("long", long_text, 180), address


def parse_attributes(form: Mapping[str, str],
                     specs: tuple[AttributeSpec, ...]) -> dict[str, str]:
    """The answers to a service's attributes (``attribute[code]=value``), checked."""
    given = {key[len("attribute["):-1]: value for key, value in form.items()
             if key.startswith("attribute[") and key.endswith("]")}
    answers = {}
    for spec in specs:
        value = given.get(spec.code, "").strip()
        if not value:
            if spec.required:
                raise InvalidRequest(f"attribute[{spec.code}] is required")
            continue
        keys = {key for key, _ in spec.values}
        if keys and not set(value.split(",")) <= keys:
            raise InvalidRequest(f"attribute[{spec.code}] must be one of "
                                 f"{', '.join(sorted(keys))}")
        answers[spec.code] = value[:400]
    return answers
