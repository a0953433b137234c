"""The one error body and its status table (issue 11); the routes are walked in
``test_web_errors_routes.py``."""

from __future__ import annotations

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from web_fixtures import ADMIN, as_user, basic

from ivr.accounts import AccountError, LastAdmin, NoSuchUser
from ivr.errors import DomainError
from ivr.roster.desk import RosterDomainError, UnknownOperator
from ivr.tickets.errors import NoSuchTicket, StoreUnavailable, TicketError
from ivr.web.errors import (
    ERROR_STATUS,
    Refused,
    domain_reply,
    http_reply,
    internal_reply,
)


def subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    return found.union(*(subclasses(c) for c in found))


def test_every_error_class_s_id_has_a_status() -> None:
    import ivr.callers  # noqa: F401  (the domain errors register as subclasses)
    import ivr.roster.desk  # noqa: F401
    import ivr.tickets.errors  # noqa: F401

    classes = subclasses(DomainError) | subclasses(AccountError) | {AccountError}
    missing = {c.error_id for c in classes - {Refused}} - set(ERROR_STATUS)
    assert missing == set()


@pytest.mark.parametrize(("exc", "status"), [
    (NoSuchTicket("no ticket 7", number="7"), 404), (TicketError("no"), 422),
    (StoreUnavailable("down"), 503), (UnknownOperator("no operator"), 404),
    (RosterDomainError("no"), 400), (NoSuchUser("no user"), 404), (LastAdmin("last"), 409),
    (AccountError("bad"), 422), (Refused("bad-json", "send JSON"), 400),
])
def test_the_status_comes_from_the_table(exc: DomainError | AccountError, status: int) -> None:
    reply = domain_reply(exc)
    assert (reply.status, reply.error_id) == (status, exc.error_id)
    assert set(reply.body()) == {"error_id", "message", "details"}


def test_the_body_carries_the_message_and_details() -> None:
    body = domain_reply(NoSuchTicket("no ticket 7", number="7")).body()
    assert body == {"error_id": "no-such-ticket", "message": "no ticket 7",
                    "details": {"number": "7"}}


def test_retry_after_and_the_basic_challenge_are_headers() -> None:
    slow = domain_reply(Refused("too-many-failures", "wait", retry_after_s=30))
    assert (slow.status, slow.headers["Retry-After"]) == (429, "30")
    assert "WWW-Authenticate" in domain_reply(Refused("login-required", "log in")).headers


def test_an_http_error_keeps_its_status_headers_and_own_text() -> None:
    plain = http_reply(web.HTTPMethodNotAllowed("POST", ["GET"]))
    assert (plain.status, plain.error_id, plain.message) == (405, "method-not-allowed",
                                                              "Method Not Allowed")
    assert plain.headers["Allow"] == "GET"
    told = http_reply(web.HTTPNotFound(text="no such thing"))
    assert (told.error_id, told.message) == ("not-found", "no such thing")


def test_an_internal_error_shows_only_its_reference() -> None:
    reply = internal_reply("abc123")
    assert reply.body() == {"error_id": "internal-error", "message": reply.message,
                            "details": {"reference": "abc123"}}
    assert reply.status == 500


async def test_the_router_s_own_errors_on_api_paths_have_the_body(client: TestClient) -> None:
    missing = await client.get("/api/v1/nothing-here", headers=basic(*ADMIN))
    assert missing.status == 404
    assert (await missing.json())["error_id"] == "not-found"
    wrong = await client.post("/api/v1/wallboard", headers=basic(*ADMIN))
    assert wrong.status == 405 and "GET" in wrong.headers["Allow"]
    assert set(await wrong.json()) == {"error_id", "message", "details"}


async def test_a_401_asks_for_credentials(client: TestClient) -> None:
    reply = await client.get("/api/v1/queues", headers=basic("ani", "wrong"))
    assert reply.status == 401 and "Basic" in reply.headers["WWW-Authenticate"]
    assert (await reply.json())["error_id"] == "bad-credentials"


async def test_pages_and_redirects_are_left_alone(client: TestClient) -> None:
    page = await client.get("/reports?from=someday", headers=as_user("sri"))
    assert page.status == 400 and page.content_type == "text/html"
    login = await client.get("/wallboard", allow_redirects=False)
    assert login.status == 303 and login.headers["Location"].startswith("/login")
    static = await client.get("/static/nothing.js")
    assert static.status == 404 and static.content_type != "application/json"


async def test_open311_keeps_its_spec_s_error_list(client: TestClient) -> None:
    reply = await client.get("/open311/v2/services/no-such-service.json")
    assert reply.status == 404
    [error] = await reply.json()
    assert set(error) == {"code", "description"} and error["code"] == 404
