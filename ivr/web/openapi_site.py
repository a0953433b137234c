"""The routes beside the JSON API, in the same OpenAPI document: probes, pages, the tracking
link and Open311 GeoReport v2 (tag ``site``).

They answer what they are for, not the API's error body: pages HTML (a person not logged in
is sent to /login), probes JSON or Prometheus text, Open311 its spec's error list in JSON or
XML. ``openapi.document`` merges them; a unit test checks the router against both tables.
"""

from __future__ import annotations

from typing import Any

HTML = {"text/html": {"schema": {"type": "string"}}}
JSON_OBJECT = {"application/json": {"schema": {"type": "object"}}}
OPEN311_BODY = {"application/json": {"schema": {"type": ["array", "object"]}},
                "text/xml": {"schema": {"type": "string"}}}
REDIRECT = {"description": "to /login when not logged in, or on to the next page"}
TEXT = {"text/plain": {"schema": {"type": "string"}}}

# (method, path, least role or "" for open, summary, kind): kind picks the responses below.
SITE_OPERATIONS: tuple[tuple[str, str, str, str, str], ...] = (
    ("get", "/healthz", "", "Each component's health: 200 ok, 503 degraded", "probe"),
    ("get", "/metrics", "", "Prometheus text: queues, calls, tickets by status", "metrics"),
    ("get", "/login", "", "The login form", "page"),
    ("post", "/login", "", "Log in (form: username, password, csrf_token, next)", "form"),
    ("post", "/logout", "operator", "Log out (form: csrf_token)", "form"),
    ("get", "/", "operator", "Home: an admin's overview of the pages; other roles on to "
     "their own page", "page"),
    ("get", "/wallboard", "supervisor", "The wallboard page", "page"),
    ("get", "/console", "operator", "The operator's console page", "page"),
    ("get", "/incidents", "supervisor", "112 incidents page", "page"),
    ("get", "/agency", "agency", "An agency's inbox page", "page"),
    ("get", "/admin/flows", "admin", "The flow editor page", "page"),
    ("get", "/admin/callers", "supervisor", "The registered callers page", "page"),
    ("get", "/admin/catalog", "admin", "The catalog admin page", "page"),
    ("get", "/admin/users", "admin", "The users page: accounts, roles, agencies, tokens",
     "page"),
    ("get", "/admin/operators", "admin", "The operators' phone accounts page", "page"),
    ("get", "/admin/roster", "admin", "The roster's week grid, CSV and warnings", "page"),
    ("get", "/admin/codes", "admin", "The pause reasons and wrap-up codes page", "page"),
    ("get", "/wallscreen", "supervisor", "The wall screen page", "page"),
    ("get", "/reports", "supervisor", "The reports page", "page"),
    ("get", "/reports/operators", "supervisor",
     "Per-operator figures of a day or shift (?from&shift&operator), with CSV", "page"),
    ("get", "/scorecard", "agency", "The agencies' scorecard page", "page"),
    ("get", "/t/{token}", "", "A citizen's tracking page of one ticket", "tracking"),
    ("post", "/t/{token}/reopen", "", "Reopen a resolved ticket (form: reason, csrf_token)",
     "tracking"),
    ("post", "/t/{token}/stop", "", "No more notices for this ticket (form: csrf_token)",
     "tracking"),
    ("post", "/t/{token}/rate", "", "Rate a resolved ticket 1 to 5, once (form: rating, "
     "csrf_token)", "tracking"),
    ("get", "/public", "", "The public performance page (no login, no personal data)",
     "page"),
    ("get", "/open311/v2/discovery.{fmt}", "", "Open311 discovery", "open311"),
    ("get", "/open311/v2/services.{fmt}", "", "Open311 service list", "open311"),
    ("get", "/open311/v2/services/{code}.{fmt}", "", "Open311 service definition", "open311"),
    ("post", "/open311/v2/requests.{fmt}", "",
     "Open311: report (form or JSON object; api_key in the body or X-API-Key)", "open311"),
    ("get", "/open311/v2/requests.{fmt}", "", "Open311: requests", "open311"),
    ("get", "/open311/v2/requests/{id}.{fmt}", "", "Open311: one request", "open311"),
    ("get", "/open311/v2/tokens/{token}.{fmt}", "", "Open311: the request of a token",
     "open311"),
)
OPEN311_STATUSES = {"200": "OK", "400": "bad request (the spec's error list)",
                    "403": "api_key missing or not valid", "404": "no such request or service",
                    "503": "the database is away for a moment"}


def _responses(kind: str) -> dict[str, Any]:
    """What each kind of route answers."""
    if kind == "probe":
        return {"200": {"description": "ok", "content": JSON_OBJECT},
                "503": {"description": "degraded", "content": JSON_OBJECT}}
    if kind == "metrics":
        return {"200": {"description": "Prometheus text format 0.0.4", "content": TEXT}}
    if kind == "open311":
        replies = {status: {"description": text, "content": OPEN311_BODY}
                   for status, text in OPEN311_STATUSES.items()}
        replies["404"]["content"] = {**OPEN311_BODY, **TEXT}  # the router's: a format not \w+
        return replies
    page = {"200": {"description": "the page", "content": HTML}, "303": REDIRECT,
            "401": {"description": "wrong credentials sent (the API's error body), or the "
                                   "login form again after a wrong password",
                    "content": {**HTML, **JSON_OBJECT}},
            "403": {"description": "not for this role, or an expired form",
                    "content": {**HTML, **TEXT, **JSON_OBJECT}},
            "429": {"description": "too many failed logins; see Retry-After",
                    "content": JSON_OBJECT}}
    if kind == "tracking":
        page["404"] = {"description": "no such link", "content": {**HTML, **TEXT}}
        page["409"] = {"description": "cannot be reopened", "content": HTML}
        page["503"] = {"description": "cannot be saved just now", "content": TEXT}
    return page


def site_operation(method: str, path: str, role: str, summary: str,
                   kind: str) -> dict[str, Any]:
    operation: dict[str, Any] = {"summary": summary, "tags": ["site"],
                                 "x-role": role or "anonymous", "responses": _responses(kind)}
    if not role:
        operation["security"] = []
    names = [part.split("}")[0] for part in path.split("{")[1:]]
    if names:
        operation["parameters"] = [
            {"name": name, "in": "path", "required": True,
             "schema": {"type": "string", "enum": ["json", "xml"]} if name == "fmt"
             else {"type": "string", "pattern": "^[^/.]+$"}} for name in names]
    if method == "post":
        media = "application/x-www-form-urlencoded"
        operation["requestBody"] = {"required": False, "content": {
            media: {"schema": {"type": "object"}},
            **({"application/json": {"schema": {"type": "object"}}} if kind == "open311"
               else {})}}
    return operation
