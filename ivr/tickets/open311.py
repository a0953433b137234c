"""Open311 GeoReport v2 under /open311/v2/: discovery, services, requests, tokens.

Handlers are small: parse with ``open311_format``, ask the ``TicketDesk``, render JSON or XML.
Domain errors become the spec's error list (``[{"code": 400, "description": ...}]``, or
``<errors><error>`` in XML) with the same HTTP status. Reading is public (as in the spec);
``POST requests`` needs an API key from the settings or the ``api_keys`` table, sent in the
POST body (form or JSON, as the spec's ``api_key`` argument) or the ``X-API-Key`` header. A key
in the query string is refused: URLs end up in access logs and proxies' logs. The key is
never logged.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from ..config import Settings
from ..web.errors import Refused
from ..web.inputs import form_of, parse_json_object
from . import open311_format as fmt
from .catalog import ATTRIBUTES
from .desk import DB_DOWN, TicketDesk, new_token
from .errors import (
    InvalidRequest,
    InvalidTransition,
    NoSuchTicket,
    NotAuthorized,
    TicketError,
    UnknownCategory,
)
from .records import NewTicket

log = logging.getLogger(__name__)

BASE = "/open311/v2"
CHANGESET = "2025-01-01T00:00:00Z"
API_KEY_HEADER = "X-API-Key"
_STATUS_OF = {InvalidRequest: 400, InvalidTransition: 400, NotAuthorized: 403,
              NoSuchTicket: 404, UnknownCategory: 404}


@dataclass(frozen=True)
class Open311Config:
    jurisdiction: str
    api_keys: frozenset[str]
    timezone: str
    contact: str
    language: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def open311_config(settings: Settings) -> Open311Config:
    keys = frozenset(k.strip() for k in settings.open311_api_keys.split(",") if k.strip())
    return Open311Config(settings.open311_jurisdiction, keys, settings.ticket_timezone,
                         settings.open311_contact, settings.default_language)


@dataclass(frozen=True)
class Reply:
    root: str  # the XML root element
    body: Any
    status: int = 200


Handler = Callable[[web.Request], Awaitable[Reply]]


def _respond(handler: Handler) -> Callable[[web.Request], Awaitable[web.Response]]:
    """Run a handler; render its reply, or its error in the spec's form, as JSON or XML."""
    async def endpoint(request: web.Request) -> web.Response:
        form = request.match_info.get("fmt", "")
        if form not in fmt.FORMATS:
            return _render("json", Reply("errors", fmt.errors_body(
                400, "the format must be .json or .xml"), 400))
        try:
            reply = await handler(request)
        except TicketError as exc:
            status = _STATUS_OF.get(type(exc), 400)
            reply = Reply("errors", fmt.errors_body(status, exc.message), status)
        except DB_DOWN:
            log.warning("open311 %s: database unavailable", request.path)
            reply = Reply("errors", fmt.errors_body(
                503, "the service is unavailable for a moment, please try again"), 503)
        return _render(form, reply)
    return endpoint


def _render(form: str, reply: Reply) -> web.Response:
    text, content_type = fmt.render(form, reply.root, reply.body)
    return web.Response(text=text, status=reply.status, content_type=content_type,
                        charset="utf-8")


class Open311Api:
    def __init__(self, desk_key: web.AppKey[TicketDesk], config: Open311Config) -> None:
        self.desk_key = desk_key
        self.config = config

    def _desk(self, request: web.Request) -> TicketDesk:
        return request.app[self.desk_key]

    def _check_jurisdiction(self, params: Mapping[str, str]) -> None:
        given = params.get("jurisdiction_id", "")
        if given and given != self.config.jurisdiction:
            raise NoSuchTicket(f"jurisdiction_id {given!r} is not served here")

    async def discovery(self, request: web.Request) -> Reply:
        url = f"{request.url.origin()}{BASE}"
        return Reply("discovery", {
            "changeset": CHANGESET, "contact": self.config.contact,
            "key_service": self.config.contact,
            "endpoints": [{"specification": fmt.SPEC_URL, "url": url, "changeset": CHANGESET,
                           "type": "production", "formats": list(fmt.FORMATS.values())}]})

    async def services(self, request: web.Request) -> Reply:
        self._check_jurisdiction(request.query)
        categories = await self._desk(request).categories()
        return Reply("services", [fmt.service_view(c, c.code in ATTRIBUTES)
                                  for c in categories])

    async def definition(self, request: web.Request) -> Reply:
        self._check_jurisdiction(request.query)
        code = request.match_info["code"]
        codes = {c.code for c in await self._desk(request).categories()}
        if code not in codes:
            raise UnknownCategory(f"service_code {code!r} not found")
        return Reply("service_definition", fmt.definition_view(code, ATTRIBUTES.get(code, ())))

    async def post_request(self, request: web.Request) -> Reply:
        if "api_key" in request.query:
            raise InvalidRequest(f"api_key belongs in the POST body (the api_key field) or "
                                 f"the {API_KEY_HEADER} header, never in the URL")
        raw = {**request.query, **await _post_body(request)}
        self._check_jurisdiction(raw)
        key = raw.pop("api_key", "") or request.headers.get(API_KEY_HEADER, "")
        client = await self._client(request, key)
        fmt.check_limits(raw)
        params = fmt.clean_form(raw)
        code = params.get("service_code", "").strip()
        if not code:
            raise InvalidRequest("service_code is required")
        if code not in {c.code for c in await self._desk(request).categories()}:
            raise UnknownCategory(f"service_code {code!r} not found")
        lat, long, address = fmt.parse_location(params)
        new = self._new_ticket(request, params, code, lat, long, address)
        number = await self._desk(request).submit(new, actor=f"open311:{client}")
        return Reply("service_requests", [{
            "service_request_id": number, "token": new.token, "service_notice": "",
            "account_id": params.get("account_id", "")}])

    def _new_ticket(self, request: web.Request, params: Mapping[str, str], code: str,
                    lat: float | None, long: float | None, address: str) -> NewTicket:
        name = fmt.contact_name(params)
        return NewTicket(
            number="", token=new_token(), channel="api", category=code,
            received_at=self._desk(request).clock(), caller_number=params.get("phone", ""),
            contact_name=name, contact_email=params.get("email", ""),
            language=self.config.language, description=params.get("description", ""),
            media_url=params.get("media_url") or None, latitude=lat, longitude=long,
            address=address,
            attributes=fmt.parse_attributes(params, ATTRIBUTES.get(code, ())))

    async def _client(self, request: web.Request, key: str) -> str:
        if not key:
            raise NotAuthorized("api_key is required to create a service request")
        if any(hmac.compare_digest(key, known) for known in self.config.api_keys):
            return "settings-key"
        client = await self._desk(request).api_client(key)
        if client is None:
            raise NotAuthorized("api_key is not valid")
        return client

    async def get_requests(self, request: web.Request) -> Reply:
        self._check_jurisdiction(request.query)
        desk = self._desk(request)
        query = fmt.parse_query(request.query, desk.clock())
        tickets = await desk.find(query)
        return Reply("service_requests", [fmt.request_view(t, self.config.zone)
                                          for t in tickets])

    async def get_request(self, request: web.Request) -> Reply:
        self._check_jurisdiction(request.query)
        number = request.match_info["id"]
        ticket = await self._desk(request).ticket(number)
        if ticket is None:
            raise NoSuchTicket(f"service_request_id {number!r} not found")
        return Reply("service_requests", [fmt.request_view(ticket, self.config.zone)])

    async def get_token(self, request: web.Request) -> Reply:
        self._check_jurisdiction(request.query)
        token = request.match_info["token"]
        ticket = await self._desk(request).ticket_by_token(token)
        if ticket is None:
            raise NoSuchTicket(f"token {token!r} not found")
        return Reply("service_requests", [{"service_request_id": ticket.number,
                                           "token": ticket.token}])


async def _post_body(request: web.Request) -> dict[str, str]:
    """The POST arguments: a form (the spec's way) or a JSON object of plain values."""
    if request.content_type == "application/json":
        try:  # the API's one JSON reader: bad JSON, deep nesting, NaN, \ud800 are refused
            body = parse_json_object(await request.read())
        except Refused as exc:
            raise InvalidRequest(exc.message) from None
        if not all(isinstance(v, str | int | float) for v in body.values()):
            raise InvalidRequest("a JSON body must be an object of strings and numbers")
        return {str(k): str(v) for k, v in body.items()}
    form = await form_of(request)
    if not all(isinstance(v, str) for v in form.values()):
        raise InvalidRequest("files are not taken; give a media_url instead")
    return {key: str(value) for key, value in form.items()}


def add_open311_routes(app: web.Application, desk_key: web.AppKey[TicketDesk],
                       config: Open311Config) -> None:
    """Register the GeoReport v2 routes; the desk is looked up under ``desk_key`` per request."""
    api = Open311Api(desk_key, config)
    fmt_part = "{fmt:[A-Za-z0-9]+}"
    routes = [
        ("GET", f"{BASE}/discovery.{fmt_part}", api.discovery),
        ("GET", f"{BASE}/services.{fmt_part}", api.services),
        ("GET", f"{BASE}/services/{{code:[^/]+}}.{fmt_part}", api.definition),
        ("POST", f"{BASE}/requests.{fmt_part}", api.post_request),
        ("GET", f"{BASE}/requests.{fmt_part}", api.get_requests),
        ("GET", f"{BASE}/requests/{{id:[^/]+}}.{fmt_part}", api.get_request),
        ("GET", f"{BASE}/tokens/{{token:[^/]+}}.{fmt_part}", api.get_token),
    ]
    for method, path, handler in routes:
        app.router.add_route(method, path, _respond(handler))
