"""Who may reach which route: one table, read top to bottom, first match wins (pure).

``None`` means open to anonymous requests. Anything the table does not name needs an admin,
so a route added without a rule is closed rather than open.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..accounts import Role

ANY = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
READ = frozenset({"GET", "HEAD"})
WRITE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
OPEN = None


@dataclass(frozen=True)
class Rule:
    methods: frozenset[str]
    pattern: re.Pattern[str]
    role: Role | None

    def matches(self, method: str, path: str) -> bool:
        return method in self.methods and self.pattern.fullmatch(path) is not None


def rule(methods: Iterable[str], pattern: str, role: Role | None) -> Rule:
    """DOTALL: ``.*`` also covers a path holding a new line (``%0A``), as the router's
    ``[^/]+`` does; without it ``/open311/v2/requests/%0A.json`` fell to "admins only"."""
    return Rule(frozenset(methods), re.compile(pattern, re.DOTALL), role)


OPERATOR, SUPERVISOR, ADMIN, AGENCY = Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN, Role.AGENCY

RULES: tuple[Rule, ...] = (
    # Load balancers, Prometheus, the login form, static files, the API's description.
    rule(READ, r"/healthz|/metrics|/api/openapi\.json|/static/.*", OPEN),
    rule(READ | {"POST"}, r"/login", OPEN),
    # Open311 GeoReport v2: reads are public; its POST checks its own API keys.
    rule(READ | {"POST"}, r"/open311/.*", OPEN),
    # The citizen's tracking link: the unguessable token is the key (tracking.py).
    rule(READ | {"POST"}, r"/t/[^/]+(/reopen|/stop|/rate)?", OPEN),
    # The public performance page: monthly totals only, no personal data (public_api.py).
    rule(READ, r"/public|/api/v1/public/performance(\.csv)?", OPEN),
    rule({"POST"}, r"/logout", OPERATOR),
    rule({"POST"}, r"/api/v1/me/password", OPERATOR),  # anyone changes their own
    rule(READ, r"/", OPERATOR),
    # Agencies' inboxes: agency staff (their own agencies only: agency_api.py) and the
    # hotline's supervisors and admins (every agency).
    rule(READ, r"/agency|/api/v1/agency/tickets(/[^/]+)?", AGENCY),
    rule({"POST"}, r"/api/v1/agency/tickets/[^/]+/(accept|note|resolve|handback|assign)",
         AGENCY),
    rule(READ, r"/api/v1/agency/handed-back", SUPERVISOR),  # the hotline re-routes them
    # The agencies' monthly scorecard: agency staff see their own agencies' rows.
    rule(READ, r"/scorecard|/api/v1/reports/scorecard(\.csv)?", AGENCY),
    # The live stream: each client gets only what its role may see (see live.py).
    rule(READ, r"/api/v1/events", OPERATOR),
    # Operators see the queues too: the console shows who waits behind the caller.
    rule(READ, r"/api/v1/queues", OPERATOR),
    rule(READ, r"/console|/api/v1/console", OPERATOR),
    # The operator's own queues, pauses, wrap-up, transfer and hold (console_api.py): each
    # acts on the caller's own member and call only.
    rule(READ, r"/api/v1/console/me|/api/v1/(pause-reasons|wrapup-codes)", OPERATOR),
    rule({"POST"}, r"/api/v1/console/(login|logout|pause|unpause|wrapup|transfer|hold|resume)",
         OPERATOR),
    rule({"PUT"}, r"/api/v1/(pause-reasons|wrapup-codes)", ADMIN),
    rule(READ, r"/api/v1/tickets(/[^/]+)?", OPERATOR),
    rule({"POST"}, r"/api/v1/tickets/[^/]+/status", OPERATOR),
    rule({"POST"}, r"/api/v1/incidents/[^/]+/outcome", OPERATOR),
    rule(READ, r"/api/v1/pranks/[^/]+", OPERATOR),
    # The console's ticket desk: the ticket of the call answered, or the reason for none.
    rule(READ, r"/api/v1/desk|/api/v1/calls/unwrapped", OPERATOR),
    rule({"POST"}, r"/api/v1/calls/[^/]+/(ticket|wrapup)", OPERATOR),
    rule(READ, r"/wallboard|/api/v1/wallboard", SUPERVISOR),
    rule(READ, r"/incidents|/api/v1/incidents(/[^/]+)?", SUPERVISOR),
    rule({"DELETE"}, r"/api/v1/pranks/[^/]+", SUPERVISOR),
    rule(READ, r"/api/v1/reports/.*", SUPERVISOR),
    rule(READ, r"/reports|/reports/operators", SUPERVISOR),
    rule(READ, r"/api/v1/me/figures", OPERATOR),  # an operator's own figures for the shift
    rule(READ, r"/api/v1/operators|/api/v1/roster|/api/v1/roster\.csv", SUPERVISOR),
    rule({"POST"}, r"/api/v1/operators/[^/]+/(pause|unpause|spy)", SUPERVISOR),
    # Registered callers: the console looks up the caller offered; supervisors keep the list.
    rule(READ, r"/api/v1/callers/[^/]+", OPERATOR),
    rule(READ, r"/admin/callers|/api/v1/callers(\.csv)?", SUPERVISOR),
    rule({"PUT", "DELETE"}, r"/api/v1/callers/[^/]+", SUPERVISOR),
    rule({"POST"}, r"/api/v1/callers/import", SUPERVISOR),
    # The catalog: operators read what the ticket desk offers; admins edit it (catalog_api).
    rule(READ, r"/api/v1/catalog/categories|/api/v1/districts", OPERATOR),
    rule(READ, r"/wallscreen|/api/v1/wallscreen(/trends)?", SUPERVISOR),
    rule(ANY, r"/admin/catalog|/api/v1/catalog(/.*)?", ADMIN),
    # The admin pages: users, operators' phones, the roster grid, their history.
    rule(ANY, r"/api/v1/roster/.*|/api/v1/admin/history", ADMIN),
    rule(ANY, r"/admin(/.*)?|/api/v1/(flows|users|tokens|roster\.csv)(/.*)?", ADMIN),
)


# What every account may do, agency staff included (they may open nothing else of the
# hotline's): the home page (which sends each role to its own), logging out, the password.
EVERY_ACCOUNT: tuple[Rule, ...] = (
    rule(READ, r"/", OPERATOR),
    rule({"POST"}, r"/logout|/api/v1/me/password", OPERATOR),
)


def may(role: Role, method: str, path: str) -> bool:
    """May ``role`` call ``method path`` (a route with a role)? (pure)"""
    needed = needed_role(method, path)
    if needed is None or role.allows(needed):
        return True
    method = "GET" if method == "HEAD" else method
    return role is AGENCY and any(r.matches(method, path) for r in EVERY_ACCOUNT)


def needed_role(method: str, path: str) -> Role | None:
    """The least role that may call ``method path``; None when anyone may."""
    method = "GET" if method == "HEAD" else method
    for candidate in RULES:
        if candidate.matches(method, path):
            return candidate.role
    return ADMIN


def is_api(path: str) -> bool:
    """JSON clients get 401/403 bodies; people get sent to the login page."""
    return path.startswith("/api/")
