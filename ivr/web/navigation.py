"""The one navigation bar of every page: the pages a role may open (pure).

The links come from one list; which of them a role sees is decided by ``access.may``, the
same table the access middleware enforces, so the bar never shows a page that would answer
403 and never hides one the role may open.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from ..accounts import Role
from .access import may


@dataclass(frozen=True)
class Link:
    path: str
    label: str
    about: str  # one line for the admin's overview cards


PAGES: tuple[Link, ...] = (
    Link("/console", "Console", "Take calls: the caller, the ticket desk, pauses"),
    Link("/wallboard", "Wallboard", "Queues and operators, live"),
    Link("/wallscreen", "Wall screen", "Big figures for the hall's screen"),
    Link("/reports", "Reports", "Calls, tickets and follow-ups by day, shift, queue"),
    Link("/scorecard", "Scorecard", "Agencies' response and resolution rates"),
    Link("/incidents", "Incidents", "112 incidents: outcomes, pranks, callbacks"),
    Link("/agency", "Agency inbox", "Tickets of an agency, overdue first"),
    Link("/admin/callers", "Callers", "Registered callers' names and addresses"),
    Link("/admin/catalog", "Catalog", "Categories, agencies, districts, deadlines"),
    Link("/admin/flows", "Flows", "The phone menus"),
    Link("/admin/users", "Users", "Web accounts, roles, agencies, tokens"),
    Link("/admin/operators", "Operators", "Operators' phone accounts and skills"),
    Link("/admin/roster", "Roster", "Who works which shift, CSV, the roster check"),
    Link("/admin/codes", "Codes", "Pause reasons and wrap-up codes"),
)


def links_for(role: Role) -> tuple[Link, ...]:
    """The pages ``role`` may open, in the bar's order."""
    return tuple(link for link in PAGES if may(role, "GET", link.path))


def nav_html(role: Role, current_path: str = "") -> str:
    """The bar as HTML; the page being shown is marked ``aria-current``."""
    items = "".join(
        f'<a href="{html.escape(link.path)}"'
        + (' aria-current="page"' if link.path == current_path else "")
        + f">{html.escape(link.label)}</a>"
        for link in links_for(role))
    return f'<nav class="site" aria-label="pages"><a href="/">Home</a>{items}</nav>'
