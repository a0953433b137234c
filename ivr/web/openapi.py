"""GET /api/openapi.json: the JSON API described in OpenAPI 3.1, from one table of operations.

Each operation names the least role it needs (the same as ``access.RULES``; a unit test
checks they agree and that every route of the app is described: the routes beside the API,
pages, probes and Open311, are ``openapi_site.py``'s). Writes take JSON
bodies (the roster's and the registered callers' CSV excepted) and are refused when
cross-site (``csrf.py``). Every error has one body (components/schemas/Error) and each error
id one status (``errors.py``); each operation lists its statuses and the error ids behind
them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aiohttp import web

from .errors import ERROR_STATUS
from .openapi_site import SITE_OPERATIONS, site_operation

# (method, path, least role or "" for open, summary)
OPERATIONS: tuple[tuple[str, str, str, str], ...] = (
    ("get", "/api/v1/queues", "operator", "Each queue, its waiting callers and its members"),
    ("get", "/api/v1/wallboard", "supervisor",
     "Per queue: waiting, longest wait, answered/abandoned today, service level, ASA, "
     "abandon rate; abandoned callers; operators and time in state. On a cluster node: "
     "every live node's queues as one, each caller's and operator's node and the nodes "
     "(?scope=cluster, the default there); ?scope=node: this node's own"),
    ("get", "/api/v1/events", "operator",
     "Server-sent events: ?want=board (supervisor, event 'board' = the wallboard body), "
     "?want=board-delta (supervisor: event 'board' once, then event 'board-delta' = the "
     "queues and operators that changed, their order, the abandoned list if it changed) or "
     "?want=console (event 'console' = the console body); at most 5 streams open per user, "
     "one more is 429; at most IVR_WEB_MAX_STREAMS (200) over all users, one more is 503; "
     "?scope=cluster|node as for the wallboard"),
    ("get", "/api/v1/console", "operator",
     "The queue call offered to me (ringing/connected), its ticket, the caller's tickets"),
    ("get", "/api/v1/tickets", "operator", "Tickets of a caller: ?caller=NUMBER"),
    ("get", "/api/v1/tickets/{number}", "operator", "One ticket with its history"),
    ("post", "/api/v1/tickets/{number}/status", "operator",
     'Change a ticket\'s status with a note: {"status": "in_progress", "note": "...", '
     '"public_note": "..."} (the note is internal; the public note is on the tracking page '
     "and in Open311)"),
    ("get", "/api/v1/desk", "operator",
     "The ticket desk's lists: kinds of contact and reasons an answered call made no ticket"),
    ("post", "/api/v1/calls/{unique_id}/ticket", "operator",
     'The ticket of the call I answered (201): {"kind", "category", "description", '
     '"caller_number", "contact_name", "address", "district", "subdistrict", "language", '
     '"closed_on_call"}; the same call again returns its ticket; number_grouped is for '
     "reading out; spooled: true when the database is away (it is kept and written later)"),
    ("post", "/api/v1/calls/{unique_id}/wrapup", "operator",
     'Why the call I answered made no ticket: {"reason", "note" (needed for "other"), '
     '"queue", "caller_number"}; a call that made a ticket keeps it'),
    ("get", "/api/v1/calls/unwrapped", "operator",
     "My answered hotline calls of the last ?hours= (default 12) with neither a ticket nor "
     "a reason; ?all=1 (supervisors): everyone's"),
    ("get", "/api/v1/agency/tickets", "agency",
     "An agency's inbox, overdue first then due soon, each by deadline (deadline_state: "
     "overdue, due_soon, on_time, finished): ?agency=CODE; an agency user gets its own "
     "agencies by default and 403 for any other; finished tickets of the last 7 days too"),
    ("get", "/api/v1/agency/tickets/{number}", "agency",
     "One ticket of my agencies with its history (403 for another agency's)"),
    ("post", "/api/v1/agency/tickets/{number}/accept", "agency",
     'Accept: in progress (the response time), {"note"} optional'),
    ("post", "/api/v1/agency/tickets/{number}/note", "agency",
     'A progress note that keeps the status: {"note", "public": true|false}; a public note '
     "is on the tracking page and in Open311"),
    ("post", "/api/v1/agency/tickets/{number}/resolve", "agency",
     'Resolve with a public note of what was done: {"note"}'),
    ("post", "/api/v1/agency/tickets/{number}/handback", "agency",
     'Hand back, not ours: {"reason"}; the ticket is received again at '
     "IVR_TICKET_DEFAULT_AGENCY for the hotline to re-route"),
    ("post", "/api/v1/agency/tickets/{number}/assign", "agency",
     'Route a ticket to an agency (hotline supervisors): {"agency", "note"}'),
    ("get", "/api/v1/agency/handed-back", "supervisor",
     "Tickets agencies handed back, received again at IVR_TICKET_DEFAULT_AGENCY and not "
     "routed on yet, each with handed_back (the agency and its reason): assign them"),
    ("get", "/api/v1/reports/scorecard", "agency",
     "The agencies' scorecard of ?month=YYYY-MM (default this city month): per agency the "
     "response and resolution rates (on time / decided in the month, 0..1 or null) with their "
     "counts; the satisfaction rate (ratings 4-5 / ratings given in the month, null "
     "without ratings) with ratings and satisfied; an agency user gets its own agencies; "
     "&format=csv for CSV"),
    ("get", "/api/v1/reports/scorecard.csv", "agency", "The scorecard of ?month= as CSV"),
    ("get", "/api/v1/incidents", "supervisor",
     "112 incidents that arrived in [start, end) (ISO; default the last 24 h), newest first: "
     "arrival, queue joins, keys, answer, operator, silent, lane, callbacks, outcome; with the "
     "count of each outcome; ?caller=NUMBER for one number"),
    ("get", "/api/v1/incidents/{unique_id}", "supervisor", "One 112 incident"),
    ("post", "/api/v1/incidents/{unique_id}/outcome", "operator",
     'The operator\'s outcome of a 112 call: {"outcome": "police|fire|ambulance|'
     'other_emergency|information|wrong_number|silent|prank"}'),
    ("get", "/api/v1/pranks/{number}", "operator",
     "Calls from a number marked prank within IVR_EMERGENCY_PRANK_DAYS, and its lane"),
    ("delete", "/api/v1/pranks/{number}", "supervisor",
     "Clear a number's prank history (earlier prank calls stop counting)"),
    ("get", "/api/v1/reports/escalations", "supervisor",
     "Overdue and due-soon tickets per agency (?hours=H, 0 to 8784, default "
     "IVR_TICKET_DUE_SOON_HOURS); "
     "the web service also escalates them to each agency's supervisor every minute"),
    ("get", "/api/v1/reports/calls", "supervisor",
     "Calls offered, answered, abandoned, service level (15 s, 20 s, IVR_SERVICE_LEVEL_SECONDS) "
     "and ASA: ?from=YYYY-MM-DD&to=YYYY-MM-DD&by=day|shift|queue (city days; default today), "
     "&queue=NAME (that queue's calls only); "
     "&format=csv or Accept: text/csv for CSV"),
    ("get", "/api/v1/reports/tickets", "supervisor",
     "Tickets opened, resolved and overdue: ?from&to&by=day|category|agency; "
     "&format=csv or Accept: text/csv for CSV"),
    ("get", "/api/v1/reports/operators", "supervisor",
     "Per operator: handled calls, missed offers (RINGNOANSWER), average handle time (talk + "
     "wrap-up over handled), pause time by reason, wrap-up time (the pause reason wrap-up): "
     "?from=YYYY-MM-DD&to=YYYY-MM-DD (city days; default today), &shift=NAME (that roster "
     "shift of the from day), &operator=NAME; &format=csv or Accept: text/csv for CSV"),
    ("get", "/api/v1/reports/callbacks", "supervisor",
     "Callbacks of abandoned calls per kind (112): offered (jobs started for calls that "
     "arrived in ?from&to), reached, unreached (every try unanswered), cancelled (the caller "
     "called again), pending, tries, reach_rate; &format=csv or Accept: text/csv for CSV"),
    ("get", "/api/v1/reports/notifications", "supervisor",
     "Messages queued in ?from&to per channel (sms, email) and purpose (notice, escalation, "
     "survey): queued, sent, failed (given up), waiting, retried; with the total; "
     "&format=csv or Accept: text/csv for CSV"),
    ("get", "/api/v1/reports/satisfaction", "supervisor",
     "The satisfaction follow-up: of tickets resolved in ?from&to the follow-ups started, "
     "calling, answered, sms_surveys, unreached; ratings given in it (by_call, by_web, "
     "average_rating, satisfied 4-5, satisfied_share); lines: the scorecard's ratings per "
     "agency; &format=csv or Accept: text/csv for CSV (the total first)"),
    ("get", "/api/v1/operators", "supervisor", "Operators' states, pause reasons, queues"),
    ("post", "/api/v1/operators/{username}/pause", "supervisor", 'Pause: {"reason": "..."}'),
    ("post", "/api/v1/operators/{username}/unpause", "supervisor", "Unpause"),
    ("post", "/api/v1/operators/{username}/spy", "supervisor",
     'Listen, whisper or barge on the operator\'s live call: {"mode": "listen|whisper|barge", '
     '"phone": "ROSTER_USERNAME"}; the supervisor\'s phone (a roster phone account) rings '
     "and joins the call through ChanSpy (202)"),
    # The operator's own console actions (console_api.py); "me" is the logged-in operator.
    ("get", "/api/v1/console/me", "operator",
     "Me: logged in to my queues or not, my pause reason and seconds paused, the call I "
     "hold, and the wrap-up limit (my figures: /api/v1/me/figures)"),
    ("post", "/api/v1/console/login", "operator",
     "Back in the queues the roster gives me (within a second)"),
    ("post", "/api/v1/console/logout", "operator",
     "Out of every queue until I log in again (the roster keeps me out)"),
    ("post", "/api/v1/console/pause", "operator",
     'Pause me: {"reason": CODE} from /api/v1/pause-reasons'),
    ("post", "/api/v1/console/unpause", "operator",
     "Unpause me; the pause's length is added to today's pause time"),
    ("post", "/api/v1/console/wrapup", "operator",
     'The wrap-up code of a call I answered: {"unique_id", "code" (from '
     '/api/v1/wrapup-codes), "queue", "caller_number"}; kept with the call (call_wrapups), '
     "spooled while the database is away; ends my wrap-up pause"),
    ("post", "/api/v1/console/transfer", "operator",
     'Transfer my connected call: {"mode": "blind"|"attended", "to": "queue"|"operator"|'
     '"number", "target": queue name, user name or digits}'),
    ("post", "/api/v1/console/hold", "operator",
     "My connected caller to music on hold (my line is freed)"),
    ("post", "/api/v1/console/resume", "operator",
     "The caller I hold back to me: my phone rings"),
    ("get", "/api/v1/pause-reasons", "operator", "The pause reasons: {codes: [{code, label}]}"),
    ("put", "/api/v1/pause-reasons", "admin",
     'Replace the pause reasons: {"codes": [{"code", "label"}, ...]} in order'),
    ("get", "/api/v1/wrapup-codes", "operator", "The wrap-up codes: {codes: [{code, label}]}"),
    ("put", "/api/v1/wrapup-codes", "admin",
     'Replace the wrap-up codes: {"codes": [{"code", "label"}, ...]} in order'),
    ("get", "/api/v1/roster", "supervisor", "Shifts, operators, assignments"),
    ("get", "/api/v1/roster.csv", "supervisor", "The roster as CSV"),
    ("put", "/api/v1/roster.csv", "admin", "Replace the roster's dates from CSV"),
    ("get", "/api/v1/callers", "supervisor",
     "Registered callers whose number, name, address or district contains ?q= (any case; "
     "empty: all), by name; at most 200, \"more\" says whether there are others"),
    ("get", "/api/v1/callers.csv", "supervisor",
     "Every registered caller as CSV: number,name,address,district,notes"),
    ("post", "/api/v1/callers/import", "supervisor",
     "Register callers from CSV (text/csv, header number,name,address,district,notes): new "
     "numbers are added, registered ones replaced, others kept; a bad file is refused whole, "
     "422 with details.problems [{line, reason}]"),
    ("get", "/api/v1/callers/{number}", "operator",
     "The registered caller of a number (name, address, district, notes), as the console "
     "shows it; 404 when the number is not registered"),
    ("put", "/api/v1/callers/{number}", "supervisor",
     'Register a number or replace its entry: {"name", "address", "district", "notes"} '
     "(name and address required); 422 names the field in details.field"),
    ("delete", "/api/v1/callers/{number}", "supervisor", "Unregister a number"),
    ("get", "/api/v1/flows", "admin", "The IVR flows in use"),
    ("get", "/api/v1/flows/{number}", "admin", "A flow's YAML, menu tree and versions"),
    ("put", "/api/v1/flows/{number}", "admin",
     'Check and install a flow: {"text": "..."}; 422 lists every problem'),
    ("post", "/api/v1/flows/{number}/check", "admin",
     "Check a flow without saving; 200 with the menu tree, or 422"),
    ("post", "/api/v1/flows/{number}/rollback", "admin", "Back to the previous version"),
    ("get", "/api/v1/users", "admin", "Web accounts, with whether each is enabled"),
    ("post", "/api/v1/users", "admin",
     'Add an account: {"username", "role", "password", "agencies"} (role agency: the '
     "agency codes it works for, at least one)"),
    ("put", "/api/v1/users/{username}/agencies", "admin",
     'The agencies an agency user works for: {"agencies": ["public_works"]}; its sessions '
     "end"),
    ("post", "/api/v1/users/{username}/disable", "admin",
     "Disable an account: its sessions end and its API tokens are revoked; 409 for the last "
     "enabled admin"),
    ("post", "/api/v1/users/{username}/enable", "admin",
     "Enable an account again (its revoked tokens stay revoked)"),
    ("post", "/api/v1/users/{username}/password", "admin",
     'Set a user\'s password: {"password"}; their sessions end'),
    ("get", "/api/v1/me/figures", "operator",
     "My own figures for the roster shift running now (else today): handled, missed, "
     "average_handle_s, paused_s, wrapup_s, pause_s_by_reason"),
    ("post", "/api/v1/me/password", "operator",
     'Change my own password: {"old_password", "new_password"}; my other sessions end '
     "(a session caller gets a new cookie); 403 for a wrong old password"),
    ("get", "/api/v1/tokens", "admin", "API tokens issued (not the tokens)"),
    ("post", "/api/v1/tokens", "admin",
     'Issue a token for a user: {"username", "label"}; shown once'),
    ("delete", "/api/v1/tokens/{id}", "admin", "Revoke a token"),
    ("put", "/api/v1/users/{username}/role", "admin",
     'Set a user\'s role: {"role", "agencies"} (role agency: at least one agency code); '
     "their sessions end; 409 for the last enabled admin"),
    # The admin's operators and roster pages (roster_admin_api.py) and their history.
    ("get", "/api/v1/admin/history", "admin",
     "The admin pages' changes, newest first (50): ?kind=user|operator|roster; each "
     "{at, actor, kind, subject, summary}"),
    ("get", "/api/v1/roster/operators", "admin",
     "Operators' phone accounts: {username, name, skills, contact, registers} (no passwords)"),
    ("post", "/api/v1/roster/operators", "admin",
     'Add an operator: {"username", "password" (8-64, no spaces or ";"), "name", "skills", '
     '"contact" (empty: the phone registers)}; PJSIP is reloaded within seconds; 400 '
     "roster-invalid names the field in details.field"),
    ("put", "/api/v1/roster/operators/{username}", "admin",
     'Edit an operator: {"password" (empty: kept), "name", "skills", "contact"}'),
    ("delete", "/api/v1/roster/operators/{username}", "admin",
     "Remove an operator; refused (400 roster-invalid) while on the roster from today on"),
    ("get", "/api/v1/roster/week", "admin",
     "The roster grid of ?week=YYYY-MM-DD's week (Monday first): per operator, day and shift "
     "the skills worked; the roster check's warnings of that week"),
    ("post", "/api/v1/roster/assignments", "admin",
     'Set one cell of the grid: {"operator", "date", "shift", "working": true|false, '
     '"skills" (default: the operator\'s)}; answers the week\'s grid'),
    # The catalog admin (catalog_api.py) and the wall screen (wallscreen_api.py).
    ("get", "/api/v1/catalog/categories", "operator",
     "The categories that take tickets, by name: [{code, name, agency, agency_name, tier, "
     'deadline ("2 hours", "7 working days"), description, group}]'),
    ("get", "/api/v1/districts", "operator",
     "Active districts by name, each with its active sub-districts: "
     "[{code, name, subdistricts: [{code, name}]}]"),
    ("get", "/api/v1/catalog", "admin",
     "Every category, agency (branches: parent, districts), district, tier and holiday, "
     "and the latest 200 changes (before/after) first"),
    ("post", "/api/v1/catalog/{kind}", "admin",
     "Add an entry: kind is categories, agencies, districts, tiers or holidays; the body "
     'has its "code" and fields; 201 {entry, change}; 400 catalog-invalid names '
     "details.field"),
    ("put", "/api/v1/catalog/{kind}/{code}", "admin",
     "Replace an entry (send every field; one left out takes its default)"),
    ("delete", "/api/v1/catalog/{kind}/{code}", "admin",
     "Retire a category, agency or district (tickets keep it; none new), remove a tier "
     "(not while a category uses it) or a holiday"),
    ("post", "/api/v1/catalog/changes/{id}/revert", "admin",
     "Go back on a change: the entry as it was before it (an added category, agency or "
     "district is retired), itself a change; 409 when the entry changed since"),
    ("get", "/api/v1/wallscreen", "supervisor",
     "Today's tickets (city time) received and resolved, by kind, category and district; "
     "the month's top categories; poll_s: how often the wall screen asks"),
    ("get", "/api/v1/wallscreen/trends", "supervisor",
     "The city day per queue: starts (hour by hour), offered and service_level_15/_20 "
     "(0..1 or null) per hour, the day's totals, targets [{within_s, percent}] (NENA 90/15 "
     "and 95/20 for 112, the hotline's IVR_SERVICE_LEVEL_HOTLINE_TARGET at 15 s) and state: "
     "ok, amber (within amber_points of a target) or red"),
    # The citizens' notices (notices_api.py).
    ("get", "/api/v1/notices/templates", "admin",
     "The wording of the citizens' notices per event (created, status, note) and language: "
     "[{event, language, subject, body, built_in, updated_at, updated_by}], and the "
     "placeholders ($number, $status, $category, $agency, $due, $note, $link)"),
    ("put", "/api/v1/notices/templates/{event}/{language}", "admin",
     'Save a wording {"subject", "body"}; the body keeps $link; 400 bad-template names '
     "details.field"),
    ("delete", "/api/v1/notices/templates/{event}/{language}", "admin",
     "Back to the built-in wording; 404 when none was saved"),
    # The public performance page (public_api.py): totals only, no login.
    ("get", "/api/v1/public/performance", "",
     "The city month ?month=YYYY-MM (default this month): calls offered, answered and "
     "abandoned per service (112: service level at 15 s and 20 s; 12345: at 15 s, 0..1 or "
     "null), tickets received by category, district and status now, and per agency the "
     "tickets resolved in the month, their mean hours from receipt to resolution and the "
     "scorecard's response, resolution and satisfaction rates; no personal data; "
     "&format=csv for CSV"),
    ("get", "/api/v1/public/performance.csv", "",
     "The same as CSV, one figure a row: month,section,key,name,measure,value"),
    ("get", "/api/openapi.json", "", "This document"),
)


# The error ids each operation may answer beyond those of every role-checked route and write
# (the status of each id: ``errors.ERROR_STATUS``; its body: components/schemas/Error).
ROUTE_ERRORS: dict[tuple[str, str], tuple[str, ...]] = {
    ("get", "/api/v1/queues"): ("live-unavailable",),
    ("get", "/api/v1/wallboard"): ("bad-scope", "live-unavailable"),
    ("get", "/api/v1/console"): ("live-unavailable",),
    ("get", "/api/v1/operators"): ("live-unavailable",),
    ("get", "/api/v1/events"): ("bad-want", "bad-scope", "too-many-streams", "streams-full",
                                "live-unavailable"),
    ("get", "/api/v1/tickets"): ("bad-caller",),
    ("get", "/api/v1/tickets/{number}"): ("no-such-ticket", "invalid-ticket-number"),
    ("post", "/api/v1/tickets/{number}/status"): (
        "no-such-ticket", "invalid-ticket-number", "invalid-status-transition",
        "invalid-request", "store-unavailable"),
    ("post", "/api/v1/calls/{unique_id}/ticket"): (
        "bad-wrapup", "unknown-category", "invalid-request", "store-unavailable"),
    ("post", "/api/v1/calls/{unique_id}/wrapup"): ("bad-wrapup", "store-unavailable"),
    ("get", "/api/v1/calls/unwrapped"): ("bad-hours", "store-unavailable"),
    ("get", "/api/v1/agency/tickets"): ("bad-agency", "store-unavailable"),
    ("get", "/api/v1/agency/tickets/{number}"): ("no-such-ticket", "store-unavailable"),
    ("post", "/api/v1/agency/tickets/{number}/accept"): (
        "no-such-ticket", "invalid-status-transition", "invalid-request", "store-unavailable"),
    ("post", "/api/v1/agency/tickets/{number}/note"): (
        "no-such-ticket", "invalid-request", "store-unavailable"),
    ("post", "/api/v1/agency/tickets/{number}/resolve"): (
        "no-such-ticket", "invalid-status-transition", "invalid-request", "store-unavailable"),
    ("post", "/api/v1/agency/tickets/{number}/handback"): (
        "no-such-ticket", "invalid-status-transition", "invalid-request", "store-unavailable"),
    ("post", "/api/v1/agency/tickets/{number}/assign"): (
        "no-such-ticket", "invalid-status-transition", "invalid-request", "store-unavailable"),
    ("get", "/api/v1/incidents"): ("bad-query", "bad-number", "store-unavailable"),
    ("get", "/api/v1/incidents/{unique_id}"): ("bad-number", "no-such-incident",
                                               "store-unavailable"),
    ("post", "/api/v1/incidents/{unique_id}/outcome"): (
        "bad-number", "bad-outcome", "no-such-incident", "store-unavailable"),
    ("get", "/api/v1/pranks/{number}"): ("bad-number", "store-unavailable"),
    ("delete", "/api/v1/pranks/{number}"): ("bad-number", "store-unavailable"),
    ("get", "/api/v1/reports/escalations"): ("bad-hours",),
    ("get", "/api/v1/reports/calls"): ("bad-query",),
    ("get", "/api/v1/reports/tickets"): ("bad-query",),
    ("get", "/api/v1/reports/operators"): ("bad-query", "store-unavailable"),
    ("get", "/api/v1/me/figures"): ("store-unavailable",),
    ("get", "/api/v1/reports/callbacks"): ("bad-query", "store-unavailable"),
    ("get", "/api/v1/reports/notifications"): ("bad-query", "store-unavailable"),
    ("get", "/api/v1/reports/satisfaction"): ("bad-query", "store-unavailable"),
    ("get", "/api/v1/agency/handed-back"): ("store-unavailable",),
    ("get", "/api/v1/reports/scorecard"): ("bad-query", "store-unavailable"),
    ("get", "/api/v1/reports/scorecard.csv"): ("bad-query", "store-unavailable"),
    ("post", "/api/v1/operators/{username}/pause"): ("no-such-operator", "live-unavailable"),
    ("post", "/api/v1/operators/{username}/unpause"): ("no-such-operator", "live-unavailable"),
    ("post", "/api/v1/operators/{username}/spy"): ("no-such-operator", "spy-refused",
                                                   "ami-unavailable", "roster-error"),
    ("put", "/api/v1/roster.csv"): ("bad-encoding", "bad-roster-csv", "roster-error"),
    ("get", "/api/v1/console/me"): ("no-such-operator", "live-unavailable"),
    ("post", "/api/v1/console/login"): ("no-such-operator", "live-unavailable"),
    ("post", "/api/v1/console/logout"): ("no-such-operator", "live-unavailable"),
    ("post", "/api/v1/console/pause"): ("no-such-operator", "unknown-code",
                                        "store-unavailable", "live-unavailable"),
    ("post", "/api/v1/console/unpause"): ("no-such-operator", "live-unavailable"),
    ("post", "/api/v1/console/wrapup"): ("no-such-operator", "unknown-code", "bad-wrapup",
                                         "store-unavailable", "live-unavailable"),
    ("post", "/api/v1/console/transfer"): ("no-such-operator", "no-call", "bad-transfer",
                                           "ami-refused", "ami-unavailable"),
    ("post", "/api/v1/console/hold"): ("no-such-operator", "no-call", "ami-refused",
                                       "ami-unavailable", "live-unavailable"),
    ("post", "/api/v1/console/resume"): ("no-such-operator", "no-call", "ami-refused",
                                         "ami-unavailable", "live-unavailable"),
    ("get", "/api/v1/pause-reasons"): ("store-unavailable",),
    ("put", "/api/v1/pause-reasons"): ("bad-codes", "store-unavailable"),
    ("get", "/api/v1/wrapup-codes"): ("store-unavailable",),
    ("put", "/api/v1/wrapup-codes"): ("bad-codes", "store-unavailable"),
    ("get", "/api/v1/callers"): ("bad-query", "store-unavailable"),
    ("get", "/api/v1/callers.csv"): ("store-unavailable",),
    ("post", "/api/v1/callers/import"): ("bad-encoding", "bad-callers-csv", "store-unavailable"),
    ("get", "/api/v1/callers/{number}"): ("bad-caller-number", "no-such-caller",
                                          "store-unavailable"),
    ("put", "/api/v1/callers/{number}"): ("bad-caller-number", "invalid-caller",
                                          "store-unavailable"),
    ("delete", "/api/v1/callers/{number}"): ("bad-caller-number", "no-such-caller",
                                             "store-unavailable"),
    ("get", "/api/v1/flows/{number}"): ("bad-flow-number", "no-such-flow"),
    ("put", "/api/v1/flows/{number}"): ("bad-flow", "bad-flow-number", "flow-invalid",
                                        "flow-number"),
    ("post", "/api/v1/flows/{number}/check"): ("bad-flow", "bad-flow-number", "flow-invalid",
                                               "flow-number"),
    ("post", "/api/v1/flows/{number}/rollback"): ("bad-flow-number", "no-such-flow",
                                                  "no-rollback"),
    ("post", "/api/v1/users"): ("bad-account", "busy"),
    ("post", "/api/v1/users/{username}/disable"): ("no-such-user", "last-admin"),
    ("put", "/api/v1/users/{username}/agencies"): ("no-such-user", "bad-account",
                                                   "store-unavailable"),
    ("post", "/api/v1/users/{username}/enable"): ("no-such-user",),
    ("post", "/api/v1/users/{username}/password"): ("no-such-user", "bad-account", "busy"),
    ("post", "/api/v1/me/password"): ("wrong-password", "bad-account"),
    ("post", "/api/v1/tokens"): ("no-such-user", "bad-account"),
    ("delete", "/api/v1/tokens/{id}"): ("no-such-token",),
    ("put", "/api/v1/users/{username}/role"): ("no-such-user", "bad-account", "last-admin",
                                               "store-unavailable"),
    ("get", "/api/v1/admin/history"): ("bad-query", "store-unavailable"),
    ("post", "/api/v1/roster/operators"): ("roster-invalid", "roster-error",
                                           "store-unavailable"),
    ("put", "/api/v1/roster/operators/{username}"): ("roster-invalid", "no-such-operator",
                                                     "roster-error", "store-unavailable"),
    ("delete", "/api/v1/roster/operators/{username}"): ("roster-invalid", "no-such-operator",
                                                        "roster-error", "store-unavailable"),
    ("get", "/api/v1/roster/week"): ("bad-query", "roster-error"),
    ("post", "/api/v1/roster/assignments"): ("roster-invalid", "roster-error",
                                             "store-unavailable"),
    ("get", "/api/v1/catalog/categories"): ("store-unavailable",),
    ("get", "/api/v1/districts"): ("store-unavailable",),
    ("get", "/api/v1/catalog"): ("store-unavailable",),
    ("post", "/api/v1/catalog/{kind}"): ("catalog-invalid", "no-such-catalog-entry",
                                         "store-unavailable"),
    ("put", "/api/v1/catalog/{kind}/{code}"): ("catalog-invalid", "no-such-catalog-entry",
                                               "store-unavailable"),
    ("delete", "/api/v1/catalog/{kind}/{code}"): ("catalog-invalid", "no-such-catalog-entry",
                                                  "store-unavailable"),
    ("post", "/api/v1/catalog/changes/{id}/revert"): (
        "bad-change-id", "catalog-invalid", "no-such-catalog-entry", "catalog-changed-since",
        "store-unavailable"),
    ("get", "/api/v1/wallscreen"): ("store-unavailable",),
    ("get", "/api/v1/wallscreen/trends"): ("store-unavailable",),
    ("get", "/api/v1/public/performance"): ("bad-query", "store-unavailable"),
    ("get", "/api/v1/public/performance.csv"): ("bad-query", "store-unavailable"),
    ("get", "/api/v1/notices/templates"): ("store-unavailable",),
    ("put", "/api/v1/notices/templates/{event}/{language}"): ("bad-template",
                                                              "store-unavailable"),
    ("delete", "/api/v1/notices/templates/{event}/{language}"): ("no-such-template",
                                                                 "store-unavailable"),
}
# What a success is when it is not 200 with a JSON object (checked by tests/unit/test_api_fuzz.py).
CREATED = {("post", "/api/v1/users"), ("post", "/api/v1/tokens"),
           ("post", "/api/v1/roster/operators"),
           ("post", "/api/v1/calls/{unique_id}/ticket"), ("post", "/api/v1/catalog/{kind}")}
CSV_ONLY = {("get", "/api/v1/roster.csv"), ("get", "/api/v1/callers.csv"),
            ("get", "/api/v1/reports/scorecard.csv"), ("get", "/api/v1/public/performance.csv")}
JSON_OR_CSV = {("get", "/api/v1/reports/calls"), ("get", "/api/v1/reports/tickets"),
               ("get", "/api/v1/reports/scorecard"), ("get", "/api/v1/reports/callbacks"),
               ("get", "/api/v1/reports/notifications"), ("get", "/api/v1/reports/satisfaction"),
               ("get", "/api/v1/public/performance"), ("get", "/api/v1/reports/operators")}
EVENT_STREAM = {("get", "/api/v1/events")}
# Writes whose body is CSV (text/csv, ``csrf.ROUTE_BODY_TYPES``), not JSON.
CSV_BODIES = {("put", "/api/v1/roster.csv"), ("post", "/api/v1/callers/import")}
ROLE_ERRORS = ("login-required", "bad-credentials", "forbidden", "too-many-failures", "busy")
WRITE_ERRORS = ("bad-json", "cross-site", "csrf", "unsupported-media-type", "body-too-large")
STATUS_TEXT = {
    400: "the request cannot be read", 401: "not logged in, or wrong credentials",
    403: "not allowed: the role, a cross-site write, a missing CSRF token or a form or "
         "text/plain body",
    404: "no such thing", 409: "not possible in the current state",
    413: "the body is over IVR_WEB_MAX_BODY_BYTES",
    415: "a body of a type this operation does not take", 422: "understood but refused",
    429: "too many at once; see Retry-After",
    500: "failed on our side; quote details.reference (it is in the log)",
    503: "unavailable for a moment; see Retry-After",
}
ERROR_SCHEMA = {
    "type": "object",
    "required": ["error_id", "message", "details"],
    "description": "Every error of the /api/ routes. x-error-status maps each error_id to "
                   "its HTTP status; an aiohttp error (e.g. not-found, method-not-allowed) "
                   "has its own.",
    "properties": {
        "error_id": {"type": "string", "description": "stable; what clients test"},
        "message": {"type": "string", "description": "for people; may change"},
        "details": {"type": "object", "description": (
            "what the error is about, e.g. issues (flows), problems (roster and callers' "
            "CSV), field (a registered caller's entry, a catalog entry), "
            "retry_after_s, reference (500)")},
    },
    "x-error-status": ERROR_STATUS,
}


def error_responses(error_ids: Iterable[str]) -> dict[str, Any]:
    """The operation's error responses: one per status, naming its error ids."""
    by_status: dict[int, list[str]] = {}
    for error_id in error_ids:
        by_status.setdefault(ERROR_STATUS[error_id], []).append(error_id)
    return {str(status): {
        "description": f"{STATUS_TEXT[status]} (error_id: {', '.join(sorted(set(ids)))})",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
        for status, ids in sorted(by_status.items())}


def success(method: str, path: str) -> dict[str, Any]:
    """The operation's success response: its status, media types and their schemas."""
    key = (method, path)
    json_body = {"application/json": {"schema": {"type": "object"}}}
    csv_body = {"text/csv": {"schema": {"type": "string"}}}
    if key in EVENT_STREAM:
        content: dict[str, Any] = {"text/event-stream": {"schema": {"type": "string"}}}
    elif key in CSV_ONLY:
        content = csv_body
    elif key in JSON_OR_CSV:
        content = {**json_body, **csv_body}
    else:
        content = json_body
    status = "201" if key in CREATED else "200"
    return {status: {"description": "Created" if status == "201" else "OK",
                     "content": content}}


def _operation(method: str, path: str, role: str, summary: str) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "x-role": role or "anonymous",
        "responses": success(method, path),
    }
    errors = [*ROUTE_ERRORS.get((method, path), ()), "internal-error"]
    if role:
        errors += ROLE_ERRORS
    else:
        operation["security"] = []
    params = [p.strip("{}") for p in path.split("/") if p.startswith("{")]
    if params:
        operation["parameters"] = [{"name": p, "in": "path", "required": True,
                                    "schema": {"type": "string"}} for p in params]
    if method in ("post", "put", "delete"):
        media = "text/csv" if (method, path) in CSV_BODIES else "application/json"
        operation["requestBody"] = {"content": {media: {"schema": {
            "type": "string" if media == "text/csv" else "object"}}}, "required": False}
        errors += WRITE_ERRORS
    operation["responses"].update(error_responses(errors))
    return operation


def document() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for method, path, role, summary in OPERATIONS:
        paths.setdefault(path, {})[method] = _operation(method, path, role, summary)
    for method, path, role, summary, kind in SITE_OPERATIONS:
        paths.setdefault(path, {})[method] = site_operation(method, path, role, summary, kind)
    return {
        "openapi": "3.1.0",
        "info": {"title": "City hotline API", "version": "1"},
        "components": {"schemas": {"Error": ERROR_SCHEMA}, "securitySchemes": {
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
