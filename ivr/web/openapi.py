"""GET /api/openapi.json: the JSON API described in OpenAPI 3.1, from one table of operations.

Each operation names the least role it needs (the same as ``access.RULES``; a unit test
checks they agree and that every /api/ route of the app is described). Writes take JSON
bodies (the roster CSV excepted) and are refused when cross-site (``csrf.py``).
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

# (method, path, least role or "" for open, summary)
OPERATIONS: tuple[tuple[str, str, str, str], ...] = (
    ("get", "/api/v1/queues", "operator", "Each queue, its waiting callers and its members"),
    ("get", "/api/v1/wallboard", "supervisor",
     "Per queue: waiting, longest wait, answered/abandoned today, service level, ASA, "
     "abandon rate; abandoned callers; operators and time in state"),
    ("get", "/api/v1/events", "operator",
     "Server-sent events: ?want=board (supervisor, event 'board' = the wallboard body) or "
     "?want=console (event 'console' = the console body); at most 5 streams open per user, "
     "one more is 429"),
    ("get", "/api/v1/console", "operator",
     "The queue call offered to me (ringing/connected), its ticket, the caller's tickets"),
    ("get", "/api/v1/tickets", "operator", "Tickets of a caller: ?caller=NUMBER"),
    ("get", "/api/v1/tickets/{number}", "operator", "One ticket with its history"),
    ("post", "/api/v1/tickets/{number}/status", "operator",
     'Change a ticket\'s status with a note: {"status": "in_progress", "note": "..."}'),
    ("get", "/api/v1/reports/escalations", "supervisor",
     "Overdue and due-soon tickets per agency (?hours=H, 0 to 8784, default "
     "IVR_TICKET_DUE_SOON_HOURS); "
     "the web service also escalates them to each agency's supervisor every minute"),
    ("get", "/api/v1/reports/calls", "supervisor",
     "Calls offered, answered, abandoned, service level (15 s, 20 s, IVR_SERVICE_LEVEL_SECONDS) "
     "and ASA: ?from=YYYY-MM-DD&to=YYYY-MM-DD&by=day|shift|queue (city days; default today); "
     "&format=csv or Accept: text/csv for CSV"),
    ("get", "/api/v1/reports/tickets", "supervisor",
     "Tickets opened, resolved and overdue: ?from&to&by=day|category|agency; "
     "&format=csv or Accept: text/csv for CSV"),
    ("get", "/api/v1/operators", "supervisor", "Operators' states, pause reasons, queues"),
    ("post", "/api/v1/operators/{username}/pause", "supervisor", 'Pause: {"reason": "..."}'),
    ("post", "/api/v1/operators/{username}/unpause", "supervisor", "Unpause"),
    ("get", "/api/v1/roster", "supervisor", "Shifts, operators, assignments"),
    ("get", "/api/v1/roster.csv", "supervisor", "The roster as CSV"),
    ("put", "/api/v1/roster.csv", "admin", "Replace the roster's dates from CSV"),
    ("get", "/api/v1/flows", "admin", "The IVR flows in use"),
    ("get", "/api/v1/flows/{number}", "admin", "A flow's YAML, menu tree and versions"),
    ("put", "/api/v1/flows/{number}", "admin",
     'Check and install a flow: {"text": "..."}; 422 lists every problem'),
    ("post", "/api/v1/flows/{number}/check", "admin",
     "Check a flow without saving; 200 with the menu tree, or 422"),
    ("post", "/api/v1/flows/{number}/rollback", "admin", "Back to the previous version"),
    ("get", "/api/v1/users", "admin", "Web accounts, with whether each is enabled"),
    ("post", "/api/v1/users", "admin", 'Add an account: {"username", "role", "password"}'),
    ("post", "/api/v1/users/{username}/disable", "admin",
     "Disable an account: its sessions end and its API tokens are revoked; 409 for the last "
     "enabled admin"),
    ("post", "/api/v1/users/{username}/enable", "admin",
     "Enable an account again (its revoked tokens stay revoked)"),
    ("post", "/api/v1/users/{username}/password", "admin",
     'Set a user\'s password: {"password"}; their sessions end'),
    ("post", "/api/v1/me/password", "operator",
     'Change my own password: {"old_password", "new_password"}; my other sessions end '
     "(a session caller gets a new cookie); 403 for a wrong old password"),
    ("get", "/api/v1/tokens", "admin", "API tokens issued (not the tokens)"),
    ("post", "/api/v1/tokens", "admin",
     'Issue a token for a user: {"username", "label"}; shown once'),
    ("delete", "/api/v1/tokens/{id}", "admin", "Revoke a token"),
    ("get", "/api/openapi.json", "", "This document"),
)


WRITE_RESPONSES = {
    "400": {"description": "the body is not a JSON object (or a value is out of range)"},
    "415": {"description": "a body of a type this operation does not take"},
}
ROLE_RESPONSES = {
    "401": {"description": "not logged in, or wrong credentials"},
    "429": {"description": "too many failed logins from this address or for this user; "
                           "see Retry-After"},
}


def _operation(method: str, path: str, role: str, summary: str) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "x-role": role or "anonymous",
        "responses": {"200": {"description": "OK"}},
    }
    if role:
        operation["responses"].update({**ROLE_RESPONSES, "403": {"description": (
            f"needs the {role} role; or a write that is cross-site, lacks the session's "
            "CSRF token or has a form or text/plain body")}})
    else:
        operation["security"] = []
    params = [p.strip("{}") for p in path.split("/") if p.startswith("{")]
    if params:
        operation["parameters"] = [{"name": p, "in": "path", "required": True,
                                    "schema": {"type": "string"}} for p in params]
    if method in ("post", "put", "delete"):
        media = "text/csv" if path.endswith(".csv") else "application/json"
        operation["requestBody"] = {"content": {media: {"schema": {
            "type": "string" if media == "text/csv" else "object"}}}, "required": False}
        operation["responses"].update(WRITE_RESPONSES)
    return operation


def document() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for method, path, role, summary in OPERATIONS:
        paths.setdefault(path, {})[method] = _operation(method, path, role, summary)
    return {
        "openapi": "3.1.0",
        "info": {"title": "City hotline API", "version": "1"},
        "components": {"securitySchemes": {
            "basic": {"type": "http", "scheme": "basic"},
            "token": {"type": "http", "scheme": "bearer",
                      "description": "an API token an admin issued (POST /api/v1/tokens)"},
            "session": {"type": "apiKey", "in": "cookie", "name": "hotline_session",
                        "description": "after POST /login; writes need X-CSRF-Token"}}},
        "security": [{"basic": []}, {"token": []}, {"session": []}],
        "paths": paths,
    }


async def openapi(request: web.Request) -> web.Response:
    return web.json_response(document())
