"""Every route's error replies have the one body and the table's status (issue 11).

The router is enumerated: a route added without its cases here fails
``test_every_route_is_walked``. For each /api/ route: its bad inputs and unknown ids, the
wrong role (from the OpenAPI table's least roles), and an unexpected exception from a
monkeypatched dependency (a 500 with a logged reference and no internals).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from web_fixtures import as_user

from ivr.web import openapi
from ivr.web.errors import ERROR_STATUS
from ivr.web.keys import (
    CALLERS,
    CALLS,
    CONSOLE,
    FEED,
    FLOWS,
    OPERATORS,
    SOURCE,
    STREAMS,
    TICKETS,
    USERS,
)

SECRET = "secret internals of the failure"
# Not /api/: pages answer HTML (or redirect), Open311 has its spec's error list.
NOT_API = {
    ("GET", "/healthz"), ("GET", "/metrics"), ("GET", "/login"), ("POST", "/login"),
    ("POST", "/logout"), ("GET", "/"), ("GET", "/wallboard"), ("GET", "/console"),
    ("GET", "/incidents"), ("GET", "/agency"), ("GET", "/scorecard"), ("GET", "/t/{token}"),
    ("POST", "/t/{token}/reopen"), ("POST", "/t/{token}/stop"), ("POST", "/t/{token}/rate"),
    ("GET", "/admin/flows"), ("GET", "/admin/callers"), ("GET", "/reports"), ("GET", "/static"),
    ("GET", "/reports/operators"),
    ("GET", "/admin/catalog"), ("GET", "/wallscreen"), ("GET", "/public"),
    ("GET", "/admin/users"), ("GET", "/admin/operators"), ("GET", "/admin/roster"),
    ("GET", "/admin/codes"),
}
LOWER_ROLE = {"supervisor": "ani", "admin": "sri", "agency": "ani"}
CSV = {"Content-Type": "text/csv"}


@dataclass(frozen=True)
class Case:
    """One request and the error it must get."""

    path: str
    status: int
    error_id: str
    user: str | None = "boss"
    json: Any = None
    data: bytes | str | None = None
    headers: dict[str, str] = field(default_factory=dict)


class Exploding:
    """A dependency that fails in a way no handler expects."""

    def __call__(self, *args: object, **kwargs: object) -> Any:
        raise RuntimeError(SECRET)

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(SECRET)


Patch = Callable[[web.Application, pytest.MonkeyPatch], None]


def boom(key: web.AppKey[Any], attribute: str) -> Patch:
    return lambda app, mp: mp.setattr(app[key], attribute, Exploding())


FLOW_TEXT_OF_12345 = (Path(__file__).parents[2] / "dialplan/flows/12345.yaml").read_text()
ROUTES: dict[tuple[str, str], tuple[Patch, list[Case]]] = {
    ("GET", "/api/v1/queues"): (boom(SOURCE, "load_board"), []),
    ("GET", "/api/v1/wallboard"): (boom(FEED, "snapshot"), []),
    ("GET", "/api/v1/events"): (boom(STREAMS, "take"), [
        Case("/api/v1/events?want=nope", 400, "bad-want", "ani"),
        Case("/api/v1/events?want=board", 403, "forbidden", "ani")]),
    ("GET", "/api/v1/console"): (boom(FEED, "snapshot"), []),
    ("GET", "/api/v1/tickets"): (boom(TICKETS, "by_caller"), [
        Case("/api/v1/tickets", 400, "bad-caller", "ani")]),
    ("GET", "/api/v1/tickets/{number}"): (boom(TICKETS, "ticket"), [
        Case("/api/v1/tickets/99999999", 404, "no-such-ticket", "ani")]),
    ("POST", "/api/v1/tickets/{number}/status"): (boom(TICKETS, "change_status"), [
        Case("/api/v1/tickets/99999999/status", 404, "no-such-ticket", "ani",
             {"status": "in_progress"}),
        Case("/api/v1/tickets/99999999/status", 422, "invalid-status-transition", "ani",
             {"status": "nonsense"}),
        Case("/api/v1/tickets/1/status", 400, "bad-json", "ani", data="{nope",
             headers={"Content-Type": "application/json"})]),
    ("GET", "/api/v1/incidents"): (boom(TICKETS, "incidents"), [
        Case("/api/v1/incidents?start=yesterday", 400, "bad-query", "sri"),
        Case("/api/v1/incidents?caller=0811;x", 400, "bad-number", "sri")]),
    ("GET", "/api/v1/incidents/{unique_id}"): (boom(TICKETS, "incident"), [
        Case("/api/v1/incidents/17000.1", 404, "no-such-incident", "sri"),
        Case("/api/v1/incidents/a;b", 400, "bad-number", "sri")]),
    ("POST", "/api/v1/incidents/{unique_id}/outcome"): (boom(TICKETS, "set_incident_outcome"), [
        Case("/api/v1/incidents/17000.1/outcome", 404, "no-such-incident", "ani",
             {"outcome": "fire"}),
        Case("/api/v1/incidents/17000.1/outcome", 400, "bad-outcome", "ani",
             {"outcome": "dragons"})]),
    ("GET", "/api/v1/agency/tickets"): (boom(TICKETS, "agency_tickets"), [
        Case("/api/v1/agency/tickets", 400, "bad-agency", "sri")]),
    ("GET", "/api/v1/agency/handed-back"): (boom(TICKETS, "handed_back"), []),
    ("GET", "/api/v1/reports/scorecard"): (boom(TICKETS, "score_facts"), [
        Case("/api/v1/reports/scorecard?month=2026-13", 400, "bad-query", "sri"),
        Case("/api/v1/reports/scorecard?month=soon", 400, "bad-query", "sri")]),
    ("GET", "/api/v1/reports/scorecard.csv"): (boom(TICKETS, "score_facts"), [
        Case("/api/v1/reports/scorecard.csv?month=2026-1", 400, "bad-query", "sri")]),
    ("GET", "/api/v1/agency/tickets/{number}"): (boom(TICKETS, "ticket"), [
        Case("/api/v1/agency/tickets/99999999", 404, "no-such-ticket", "sri")]),
    **{("POST", f"/api/v1/agency/tickets/{{number}}/{action}"): (boom(TICKETS, "ticket"), [
        Case(f"/api/v1/agency/tickets/99999999/{action}", 404, "no-such-ticket", "sri", {})])
       for action in ("accept", "note", "resolve", "handback", "assign")},
    ("PUT", "/api/v1/users/{username}/agencies"): (boom(USERS, "set_agencies"), [
        Case("/api/v1/users/nobody/agencies", 404, "no-such-user", json={"agencies": []}),
        Case("/api/v1/users/ani/agencies", 422, "bad-account",
             json={"agencies": ["public_works"]})]),
    ("GET", "/api/v1/desk"): (lambda app, mp: mp.setattr(
        "ivr.web.desk_api.KIND_NAMES", Exploding()), []),
    ("POST", "/api/v1/calls/{unique_id}/ticket"): (boom(TICKETS, "open_at_desk"), [
        Case("/api/v1/calls/17000.1/ticket", 400, "bad-wrapup", "ani", {"kind": "gossip"}),
        Case("/api/v1/calls/a;b/ticket", 400, "bad-wrapup", "ani",
             {"kind": "complaint", "category": "roads", "description": "x"}),
        Case("/api/v1/calls/17000.1/ticket", 422, "unknown-category", "ani",
             {"kind": "complaint", "category": "moon", "description": "x"})]),
    ("POST", "/api/v1/calls/{unique_id}/wrapup"): (boom(TICKETS, "wrap_up"), [
        Case("/api/v1/calls/17000.1/wrapup", 400, "bad-wrapup", "ani", {"reason": "other"})]),
    ("GET", "/api/v1/calls/unwrapped"): (boom(TICKETS, "unwrapped_calls"), [
        Case("/api/v1/calls/unwrapped?hours=nan", 400, "bad-hours", "ani"),
        Case("/api/v1/calls/unwrapped?all=1", 403, "forbidden", "ani")]),
    ("GET", "/api/v1/pranks/{number}"): (boom(TICKETS, "prank_calls"), [
        Case("/api/v1/pranks/08x", 400, "bad-number", "ani")]),
    ("DELETE", "/api/v1/pranks/{number}"): (boom(TICKETS, "clear_pranks"), [
        Case("/api/v1/pranks/08x", 400, "bad-number", "sri")]),
    ("GET", "/api/v1/reports/escalations"): (boom(TICKETS, "escalation_report"), [
        Case("/api/v1/reports/escalations?hours=inf", 400, "bad-hours", "sri")]),
    ("GET", "/api/v1/reports/calls"): (boom(CALLS, "calls_between"), [
        Case("/api/v1/reports/calls?by=moon", 400, "bad-query", "sri"),
        Case("/api/v1/reports/calls?from=yesterday", 400, "bad-query", "sri")]),
    ("GET", "/api/v1/reports/tickets"): (boom(TICKETS, "ticket_facts"), [
            Case("/api/v1/reports/tickets?by=moon", 400, "bad-query", "sri")]),
    **{("GET", f"/api/v1/reports/{name}"): (boom(TICKETS, "in_transaction"), [
        Case(f"/api/v1/reports/{name}?by=moon", 400, "bad-query", "sri"),
        Case(f"/api/v1/reports/{name}?from=2026-02-30", 400, "bad-query", "sri")])
       for name in ("callbacks", "notifications", "satisfaction")},
    ("GET", "/api/v1/operators"): (boom(OPERATORS, "states"), []),
    ("POST", "/api/v1/operators/{username}/pause"): (boom(OPERATORS, "pause"), [
        Case("/api/v1/operators/nobody/pause", 404, "no-such-operator", "sri", {})]),
    ("POST", "/api/v1/operators/{username}/unpause"): (boom(OPERATORS, "unpause"), [
        Case("/api/v1/operators/nobody/unpause", 404, "no-such-operator", "sri", {})]),
    ("POST", "/api/v1/operators/{username}/spy"): (boom(OPERATORS, "listen_in"), [
        Case("/api/v1/operators/nobody/spy", 404, "no-such-operator", "sri",
             {"mode": "listen", "phone": "spv"})]),
    ("GET", "/api/v1/reports/operators"): (boom(CALLS, "activities_between"), [
        Case("/api/v1/reports/operators?shift=tea", 400, "bad-query", "sri"),
        Case("/api/v1/reports/operators?from=2026-02-30", 400, "bad-query", "sri")]),
    ("GET", "/api/v1/me/figures"): (boom(CALLS, "activities_between"), []),
    ("GET", "/api/v1/roster"): (boom(OPERATORS, "store"), []),
    ("GET", "/api/v1/roster.csv"): (boom(OPERATORS, "store"), []),
    ("PUT", "/api/v1/roster.csv"): (boom(OPERATORS, "store"), [
        Case("/api/v1/roster.csv", 400, "bad-encoding", data=b"operator\n\xff\n", headers=CSV),
        Case("/api/v1/roster.csv", 422, "bad-roster-csv",
             data="operator,date,shift,skills\nnobody,someday,moon,\n", headers=CSV),
        Case("/api/v1/roster.csv", 415, "unsupported-media-type", data="x",
             headers={"Content-Type": "application/xml"})]),
    ("GET", "/api/v1/callers"): (boom(CALLERS, "search"), [
        Case("/api/v1/callers?q=" + "x" * 201, 400, "bad-query", "sri")]),
    ("GET", "/api/v1/callers.csv"): (boom(CALLERS, "export_csv"), []),
    ("POST", "/api/v1/callers/import"): (boom(CALLERS, "import_csv"), [
        Case("/api/v1/callers/import", 400, "bad-encoding", "sri", data=b"number\n\xff\n",
             headers=CSV),
        Case("/api/v1/callers/import", 422, "bad-callers-csv", "sri",
             data="number,name,address,district,notes\n08x,,,,\n", headers=CSV),
        Case("/api/v1/callers/import", 403, "csrf", "sri", data="x",
             headers={"Content-Type": "text/plain"})]),
    ("GET", "/api/v1/callers/{number}"): (boom(CALLERS, "get"), [
        Case("/api/v1/callers/0811000", 404, "no-such-caller", "ani"),
        Case("/api/v1/callers/08abc", 400, "bad-caller-number", "ani")]),
    ("PUT", "/api/v1/callers/{number}"): (boom(CALLERS, "put"), [
        Case("/api/v1/callers/0811000", 422, "invalid-caller", "sri", {"name": "Siti"}),
        Case("/api/v1/callers/0811000", 422, "invalid-caller", "sri",
             {"name": "Siti", "adress": "Jl. A 1"}),
        Case("/api/v1/callers/" + "1" * 21, 400, "bad-caller-number", "sri",
             {"name": "Siti", "address": "Jl. A 1"})]),
    ("DELETE", "/api/v1/callers/{number}"): (boom(CALLERS, "delete"), [
        Case("/api/v1/callers/0811000", 404, "no-such-caller", "sri"),
        Case("/api/v1/callers/x", 400, "bad-caller-number", "sri")]),
    ("GET", "/api/v1/flows"): (boom(FLOWS, "files"), []),
    ("GET", "/api/v1/flows/{number}"): (boom(FLOWS, "files"), [
        Case("/api/v1/flows/999", 404, "no-such-flow"),
        Case("/api/v1/flows/12a", 400, "bad-flow-number")]),
    ("PUT", "/api/v1/flows/{number}"): (boom(FLOWS, "validate_text"), [
        Case("/api/v1/flows/112", 400, "bad-flow", json={}),
        Case("/api/v1/flows/112", 422, "flow-invalid", json={"text": "number: [112"}),
        Case("/api/v1/flows/112", 422, "flow-number", json={"text": FLOW_TEXT_OF_12345})]),
    ("POST", "/api/v1/flows/{number}/check"): (boom(FLOWS, "validate_text"), [
        Case("/api/v1/flows/112/check", 400, "bad-flow", json={"text": " "}),
        Case("/api/v1/flows/112/check", 422, "flow-invalid", json={"text": "number: [112"})]),
    ("POST", "/api/v1/flows/{number}/rollback"): (boom(FLOWS, "rollback"), [
        Case("/api/v1/flows/112/rollback", 409, "no-rollback", json={}),
        Case("/api/v1/flows/1x/rollback", 400, "bad-flow-number", json={})]),
    ("GET", "/api/v1/users"): (boom(USERS, "users"), []),
    ("POST", "/api/v1/users"): (boom(USERS, "add"), [
        Case("/api/v1/users", 422, "bad-account",
             json={"username": "ani", "role": "operator", "password": "long-enough-1"}),
        Case("/api/v1/users", 422, "bad-account",
             json={"username": "new", "role": "king", "password": "long-enough-1"}),
        Case("/api/v1/users", 422, "bad-account",
             json={"username": "new", "role": "agency", "password": "long-enough-1"}),
        Case("/api/v1/users", 422, "bad-account", json={
            "username": "new", "role": "agency", "password": "long-enough-1",
            "agencies": ["atlantis"]})]),
    ("POST", "/api/v1/users/{username}/disable"): (boom(USERS, "set_active"), [
        Case("/api/v1/users/nobody/disable", 404, "no-such-user", json={}),
        Case("/api/v1/users/boss/disable", 409, "last-admin", json={})]),
    ("POST", "/api/v1/users/{username}/enable"): (boom(USERS, "set_active"), [
        Case("/api/v1/users/nobody/enable", 404, "no-such-user", json={})]),
    ("POST", "/api/v1/users/{username}/password"): (boom(USERS, "set_password"), [
        Case("/api/v1/users/nobody/password", 404, "no-such-user",
             json={"password": "long-enough-1"}),
        Case("/api/v1/users/ani/password", 422, "bad-account", json={"password": "x"})]),
    ("POST", "/api/v1/me/password"): (boom(USERS, "set_password"), [
        Case("/api/v1/me/password", 403, "wrong-password", "ani",
             {"old_password": "wrong", "new_password": "long-enough-1"}),
        Case("/api/v1/me/password", 422, "bad-account", "ani",
             {"old_password": "operator-pass-1", "new_password": "x"})]),
    ("PUT", "/api/v1/users/{username}/role"): (boom(USERS, "set_role"), [
        Case("/api/v1/users/nobody/role", 404, "no-such-user", json={"role": "operator"}),
        Case("/api/v1/users/ani/role", 422, "bad-account", json={"role": "king"}),
        Case("/api/v1/users/boss/role", 409, "last-admin", json={"role": "operator"})]),
    ("GET", "/api/v1/admin/history"): (boom(USERS, "history"), [
        Case("/api/v1/admin/history?kind=flows", 400, "bad-query")]),
    ("GET", "/api/v1/roster/operators"): (boom(OPERATORS, "store"), []),
    ("POST", "/api/v1/roster/operators"): (boom(OPERATORS, "store"), [
        Case("/api/v1/roster/operators", 400, "roster-invalid", json={"username": "a b"})]),
    ("PUT", "/api/v1/roster/operators/{username}"): (boom(OPERATORS, "store"), [
        Case("/api/v1/roster/operators/nobody", 404, "no-such-operator",
             json={"password": "long-enough-1"})]),
    ("DELETE", "/api/v1/roster/operators/{username}"): (boom(OPERATORS, "store"), [
        Case("/api/v1/roster/operators/nobody", 404, "no-such-operator")]),
    ("GET", "/api/v1/roster/week"): (boom(OPERATORS, "store"), [
        Case("/api/v1/roster/week?week=soon", 400, "bad-query")]),
    ("POST", "/api/v1/roster/assignments"): (boom(OPERATORS, "store"), [
        Case("/api/v1/roster/assignments", 400, "roster-invalid", json={"operator": "nobody"})]),
    ("GET", "/api/v1/tokens"): (boom(USERS, "tokens"), []),
    ("POST", "/api/v1/tokens"): (boom(USERS, "issue_token"), [
        Case("/api/v1/tokens", 404, "no-such-user", json={"username": "nobody"})]),
    ("DELETE", "/api/v1/tokens/{id}"): (boom(USERS, "revoke_token"), [
        Case("/api/v1/tokens/999", 404, "no-such-token"),
        Case("/api/v1/tokens/abc", 404, "no-such-token")]),
    ("GET", "/api/openapi.json"): (
        lambda app, mp: mp.setattr(openapi, "document", Exploding()), []),
    # The catalog admin and the wall screen.
    ("GET", "/api/v1/catalog"): (boom(TICKETS, "on_database"), []),
    ("GET", "/api/v1/catalog/categories"): (boom(TICKETS, "desk_categories"), []),
    ("GET", "/api/v1/districts"): (boom(TICKETS, "on_database"), []),
    ("POST", "/api/v1/catalog/{kind}"): (boom(TICKETS, "on_database"), [
        Case("/api/v1/catalog/nope", 404, "no-such-catalog-entry", json={"code": "x"}),
        Case("/api/v1/catalog/categories", 400, "catalog-invalid", json={"code": "Bad Code"})]),
    ("PUT", "/api/v1/catalog/{kind}/{code}"): (boom(TICKETS, "on_database"), [
        Case("/api/v1/catalog/categories/nothing", 404, "no-such-catalog-entry",
             json={"name": "X", "agency": "public_works", "tier": "general"}),
        Case("/api/v1/catalog/tiers/general", 400, "catalog-invalid",
             json={"amount": 0, "unit": "days"})]),
    ("DELETE", "/api/v1/catalog/{kind}/{code}"): (boom(TICKETS, "on_database"), [
        Case("/api/v1/catalog/categories/other", 400, "catalog-invalid"),
        Case("/api/v1/catalog/agencies/nothing", 404, "no-such-catalog-entry")]),
    ("POST", "/api/v1/catalog/changes/{id}/revert"): (boom(TICKETS, "on_database"), [
        Case("/api/v1/catalog/changes/abc/revert", 400, "bad-change-id", json={}),
        Case("/api/v1/catalog/changes/999/revert", 404, "no-such-catalog-entry", json={})]),
    ("GET", "/api/v1/wallscreen"): (boom(TICKETS, "wallscreen"), []),
    ("GET", "/api/v1/wallscreen/trends"): (boom(CALLS, "trend"), []),
    # The public performance page's figures (no login).
    ("GET", "/api/v1/public/performance"): (boom(TICKETS, "score_facts"), [
        Case("/api/v1/public/performance?month=2026-13", 400, "bad-query", None),
        Case("/api/v1/public/performance?month=soon", 400, "bad-query", None)]),
    ("GET", "/api/v1/public/performance.csv"): (boom(TICKETS, "score_facts"), [
        Case("/api/v1/public/performance.csv?month=2026-1", 400, "bad-query", None)]),
    # The citizens' notices' wording.
    ("GET", "/api/v1/notices/templates"): (boom(TICKETS, "on_database"), []),
    ("PUT", "/api/v1/notices/templates/{event}/{language}"): (boom(TICKETS, "on_database"), [
        Case("/api/v1/notices/templates/party/en", 400, "bad-template",
             json={"body": "$link"}),
        Case("/api/v1/notices/templates/status/en", 400, "bad-template",
             json={"body": "Report $number: $secret $link"}),
        Case("/api/v1/notices/templates/status/en", 400, "bad-template",
             json={"body": "Report $number, no link"})]),
    ("DELETE", "/api/v1/notices/templates/{event}/{language}"): (
        boom(TICKETS, "on_database"), [
            Case("/api/v1/notices/templates/status/en", 404, "no-such-template")]),
    # The operator's console (console_api.py): "ani" is no operator of the (empty) roster.
    ("GET", "/api/v1/console/me"): (boom(CONSOLE, "me"), [
        Case("/api/v1/console/me", 404, "no-such-operator", "ani")]),
    **{("POST", f"/api/v1/console/{action}"): (boom(CONSOLE, method), [
        Case(f"/api/v1/console/{action}", 404, "no-such-operator", "ani", {})])
       for action, method in (("login", "log_in"), ("logout", "log_out"), ("pause", "pause"),
                              ("unpause", "unpause"), ("wrapup", "wrap_up"),
                              ("transfer", "transfer"), ("hold", "hold"),
                              ("resume", "resume"))},
    **{("GET", f"/api/v1/{path}"): (boom(CONSOLE, "code_list"), [])
       for path in ("pause-reasons", "wrapup-codes")},
    ("PUT", "/api/v1/pause-reasons"): (boom(CONSOLE, "codes"), [
        Case("/api/v1/pause-reasons", 400, "bad-codes", json={"codes": []}),
        Case("/api/v1/pause-reasons", 400, "bad-codes", json={"codes": [{"code": "wrap-up"}]})]),
    ("PUT", "/api/v1/wrapup-codes"): (boom(CONSOLE, "codes"), [
        Case("/api/v1/wrapup-codes", 400, "bad-codes", json={"codes": [{"code": "Bad Code"}]}),
        Case("/api/v1/wrapup-codes", 400, "bad-codes",
             json={"codes": [{"code": "a"}, {"code": "a"}]})]),
}
# What the boom request of each route sends, where the route needs more than its path.
BOOM_REQUEST: dict[tuple[str, str], Case] = {
    **{("PUT", f"/api/v1/{path}"): Case(f"/api/v1/{path}", 500, "internal-error",
                                        json={"codes": [{"code": "x", "label": "X"}]})
       for path in ("pause-reasons", "wrapup-codes")},
    ("PUT", "/api/v1/notices/templates/{event}/{language}"): Case(
        "/api/v1/notices/templates/status/en", 500, "internal-error",
        json={"subject": "Report $number", "body": "Report $number is $status: $link"}),
    ("DELETE", "/api/v1/notices/templates/{event}/{language}"): Case(
        "/api/v1/notices/templates/status/en", 500, "internal-error"),
    ("GET", "/api/v1/agency/tickets"): Case("/api/v1/agency/tickets?agency=public_works", 500,
                                            "internal-error"),
    ("GET", "/api/v1/tickets"): Case("/api/v1/tickets?caller=0811", 500, "internal-error"),
    ("POST", "/api/v1/me/password"): Case(
        "/api/v1/me/password", 500, "internal-error", "ani",
        {"old_password": "operator-pass-1", "new_password": "long-enough-2"}),
    ("PUT", "/api/v1/roster.csv"): Case("/api/v1/roster.csv", 500, "internal-error",
                                        data="operator,date,shift,skills\n", headers=CSV),
    ("POST", "/api/v1/callers/import"): Case(
        "/api/v1/callers/import", 500, "internal-error", "sri",
        data="number,name,address,district,notes\n", headers=CSV),
    ("PUT", "/api/v1/callers/{number}"): Case(
        "/api/v1/callers/112", 500, "internal-error", "sri", {"name": "Siti", "address": "A 1"}),
    ("PUT", "/api/v1/flows/{number}"): Case("/api/v1/flows/112", 500, "internal-error",
                                            json={"text": "number: '112'\n"}),
    ("POST", "/api/v1/flows/{number}/check"): Case(
        "/api/v1/flows/112/check", 500, "internal-error", json={"text": "number: '112'\n"}),
    ("POST", "/api/v1/users"): Case(
        "/api/v1/users", 500, "internal-error",
        json={"username": "new", "role": "operator", "password": "long-enough-1"}),
    ("GET", "/api/v1/admin/history"): Case("/api/v1/admin/history?kind=user", 500,
                                           "internal-error"),
    ("POST", "/api/v1/roster/operators"): Case(
        "/api/v1/roster/operators", 500, "internal-error",
        json={"username": "rani", "password": "long-enough-1"}),
    ("POST", "/api/v1/users/{username}/password"): Case(
        "/api/v1/users/ani/password", 500, "internal-error", json={"password": "long-enough-1"}),
    ("POST", "/api/v1/incidents/{unique_id}/outcome"): Case(
        "/api/v1/incidents/17000.1/outcome", 500, "internal-error", json={"outcome": "fire"}),
    ("POST", "/api/v1/calls/{unique_id}/ticket"): Case(
        "/api/v1/calls/17000.1/ticket", 500, "internal-error",
        json={"kind": "complaint", "category": "roads", "description": "x"}),
    ("POST", "/api/v1/calls/{unique_id}/wrapup"): Case(
        "/api/v1/calls/17000.1/wrapup", 500, "internal-error", json={"reason": "test_call"}),
    ("POST", "/api/v1/catalog/{kind}"): Case("/api/v1/catalog/tiers", 500, "internal-error",
                                             json={"code": "x"}),
    ("PUT", "/api/v1/catalog/{kind}/{code}"): Case("/api/v1/catalog/tiers/general", 500,
                                                   "internal-error", json={}),
    ("DELETE", "/api/v1/catalog/{kind}/{code}"): Case("/api/v1/catalog/tiers/general", 500,
                                                      "internal-error"),
}
ROLES = {(m.upper(), p): role for m, p, role, _ in openapi.OPERATIONS}


def concrete(path: str) -> str:
    return (path.replace("{number}", "112").replace("{username}", "ani").replace("{id}", "1")
            .replace("{unique_id}", "17000.1"))


async def send(client: TestClient, method: str, case: Case, user: str | None) -> Any:
    headers = {**(as_user(user) if user else {}), **case.headers}
    reply = await client.request(method, case.path, json=case.json, data=case.data,
                                 headers=headers)
    assert reply.content_type == "application/json", await reply.text()
    body = await reply.json()
    assert (reply.status, body.get("error_id")) == (case.status, case.error_id), body
    assert set(body) == {"error_id", "message", "details"}
    assert isinstance(body["message"], str) and isinstance(body["details"], dict)
    assert ERROR_STATUS.get(case.error_id, reply.status) == reply.status
    return body


def test_every_route_is_walked(tmp_path: Path) -> None:
    from ivr.app import web_app
    from ivr.config import Settings

    app = web_app(Settings(data_dir=tmp_path))
    routes = {(r.method, r.resource.canonical) for r in app.router.routes()
              if r.resource is not None and r.method != "HEAD"
              and not r.resource.canonical.startswith("/open311/")}
    assert routes - NOT_API == set(ROUTES)


@pytest.mark.parametrize(("route", "case"), [
    (route, case) for route, (_, cases) in ROUTES.items() for case in cases],
    ids=lambda v: v.error_id if isinstance(v, Case) else " ".join(v))
async def test_a_route_s_bad_input_and_unknown_ids(client: TestClient, route: tuple[str, str],
                                                  case: Case) -> None:
    await send(client, route[0], case, case.user)
    documented = openapi.document()["paths"][route[1]][route[0].lower()]["responses"]
    assert case.error_id in documented[str(case.status)]["description"]


@pytest.mark.parametrize("route", sorted(r for r in ROUTES if ROLES[r]), ids=" ".join)
async def test_a_route_needs_its_role(client: TestClient, route: tuple[str, str]) -> None:
    method, path = route
    body = None if method in ("GET", "DELETE") else {}
    await send(client, method, Case(concrete(path), 401, "login-required", json=body), None)
    lower = LOWER_ROLE.get(ROLES[route])
    if lower is not None:
        await send(client, method, Case(concrete(path), 403, "forbidden", json=body), lower)


@pytest.mark.parametrize("route", sorted(ROUTES), ids=" ".join)
async def test_an_unexpected_failure_is_a_500_with_a_logged_reference(
        client: TestClient, route: tuple[str, str], monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    method, path = route
    patch, _ = ROUTES[route]
    patch(client.server.app, monkeypatch)
    user = {"operator": "ani", "supervisor": "sri"}.get(ROLES[route], "boss")
    case = BOOM_REQUEST.get(route) or Case(
        concrete(path), 500, "internal-error", user,
        json=None if method in ("GET", "DELETE") else {})
    body = await send(client, method, case, case.user if route in BOOM_REQUEST else user)
    reference = body["details"]["reference"]
    assert SECRET not in str(body)
    logged = [r for r in caplog.records if reference in r.getMessage()]
    assert logged and logged[0].exc_info is not None
    assert str(logged[0].exc_info[1]) == SECRET  # the patched dependency's failure
