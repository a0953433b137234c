"""The access table and the OpenAPI document agree, and every /api/ route is in both."""

import pytest

from ivr.accounts import Role
from ivr.web.access import needed_role
from ivr.web.openapi import OPERATIONS, document
from ivr.web.openapi_site import SITE_OPERATIONS

OP, SUP, ADM = Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN


@pytest.mark.parametrize(("method", "path", "role"), [
    ("GET", "/healthz", None), ("GET", "/metrics", None), ("GET", "/login", None),
    ("POST", "/login", None), ("GET", "/api/openapi.json", None),
    ("GET", "/open311/v2/services.json", None), ("POST", "/open311/v2/requests.json", None),
    ("GET", "/static/common.js", None),
    ("GET", "/api/v1/queues", OP), ("GET", "/console", OP), ("GET", "/api/v1/console", OP),
    ("GET", "/api/v1/events", OP), ("POST", "/api/v1/tickets/123/status", OP),
    ("GET", "/wallboard", SUP), ("GET", "/api/v1/wallboard", SUP),
    ("GET", "/api/v1/operators", SUP), ("POST", "/api/v1/operators/ani/pause", SUP),
    ("GET", "/api/v1/roster.csv", SUP), ("PUT", "/api/v1/roster.csv", ADM),
    ("GET", "/admin/flows", ADM), ("PUT", "/api/v1/flows/112", ADM),
    ("POST", "/api/v1/flows/112/rollback", ADM), ("POST", "/api/v1/users", ADM),
    ("DELETE", "/api/v1/tokens/3", ADM),
    ("GET", "/api/v1/callers/0812", OP), ("PUT", "/api/v1/callers/0812", SUP),
    ("DELETE", "/api/v1/callers/0812", SUP), ("GET", "/api/v1/callers", SUP),
    ("GET", "/api/v1/callers.csv", SUP), ("POST", "/api/v1/callers/import", SUP),
    ("GET", "/admin/callers", SUP), ("POST", "/api/v1/callers", ADM),
    ("POST", "/api/v1/queues", ADM),          # no rule for it: closed to all but admins
    ("GET", "/api/v1/something-new", ADM),
    ("DELETE", "/healthz", ADM),
])
def test_least_role(method: str, path: str, role: Role | None) -> None:
    assert needed_role(method, path) == role


def test_roles_are_ordered() -> None:
    assert ADM.allows(SUP) and SUP.allows(OP) and ADM.allows(OP)
    assert not OP.allows(SUP) and not SUP.allows(ADM)


@pytest.mark.parametrize(("method", "path", "role", "summary"), OPERATIONS)
def test_openapi_roles_match_the_access_table(method: str, path: str, role: str,
                                              summary: str) -> None:
    concrete = path.replace("{number}", "112").replace("{username}", "ani").replace(
        "{id}", "1")
    needed = needed_role(method.upper(), concrete)
    assert (str(needed) if needed else "") == role


def test_every_route_the_app_serves_is_described(tmp_path) -> None:
    """The router against the document: nothing served is left out, nothing described is
    not served (the static files' folder aside)."""
    from ivr.app import web_app
    from ivr.config import Settings

    app = web_app(Settings(data_dir=tmp_path))
    routes = {(r.method.lower(), r.resource.canonical) for r in app.router.routes()
              if r.resource is not None and r.method != "HEAD"
              and r.resource.canonical != "/static"}
    described = {(method, path) for path, item in document()["paths"].items()
                 for method in item}
    assert routes == described
    assert {(m, p) for m, p, _, _ in OPERATIONS} == {r for r in routes if r[1].startswith("/api/")}
    assert document()["paths"]["/api/v1/wallboard"]["get"]["x-role"] == "supervisor"


@pytest.mark.parametrize(("method", "path", "role", "summary", "kind"), SITE_OPERATIONS)
def test_the_site_routes_roles_match_the_access_table(method: str, path: str, role: str,
                                                      summary: str, kind: str) -> None:
    needed = needed_role(method.upper(), path.replace("{token}", "abc"))
    assert (str(needed) if needed else "") == role


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("GET", "/agency", True), ("GET", "/api/v1/agency/tickets", True),
    ("POST", "/api/v1/agency/tickets/123/accept", True),
    ("GET", "/", True), ("POST", "/logout", True), ("POST", "/api/v1/me/password", True),
    ("GET", "/console", False), ("GET", "/api/v1/tickets/123", False),
    ("POST", "/api/v1/tickets/123/status", False), ("GET", "/wallboard", False),
    ("GET", "/api/v1/events", False), ("GET", "/api/v1/callers/0811", False),
    ("GET", "/admin/flows", False), ("POST", "/api/v1/calls/1.1/ticket", False),
    # The scorecard (their own agencies' lines: scorecard_api.py); nothing else of reports.
    ("GET", "/scorecard", True), ("GET", "/api/v1/reports/scorecard", True),
    ("HEAD", "/api/v1/reports/scorecard.csv", True),
    ("GET", "/reports", False), ("GET", "/api/v1/reports/escalations", False),
    ("GET", "/api/v1/reports/tickets", False), ("GET", "/api/v1/reports/scorecard.json", False),
    # Routing tickets on is the hotline's.
    ("GET", "/api/v1/agency/handed-back", False), ("GET", "/api/v1/tickets", False),
    ("GET", "/api/v1/users", False), ("PUT", "/api/v1/users/rina/agencies", False),
])
def test_agency_staff_open_their_inbox_and_nothing_of_the_hotline(method, path, allowed):
    from ivr.web.access import may

    assert may(Role.AGENCY, method, path) is allowed


def test_supervisors_open_the_agency_inbox_and_operators_do_not():
    from ivr.web.access import may

    assert may(Role.SUPERVISOR, "GET", "/api/v1/agency/tickets")
    assert may(Role.ADMIN, "POST", "/api/v1/agency/tickets/1/assign")
    assert not may(Role.OPERATOR, "GET", "/agency")


def test_hotline_supervisors_see_the_re_route_list_and_the_scorecard():
    from ivr.web.access import may

    assert may(Role.SUPERVISOR, "GET", "/api/v1/agency/handed-back")
    assert may(Role.SUPERVISOR, "GET", "/scorecard")
    assert not may(Role.OPERATOR, "GET", "/api/v1/agency/handed-back")
    assert not may(Role.OPERATOR, "GET", "/api/v1/reports/scorecard")
