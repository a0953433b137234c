"""The public performance page's sections, drawn from the JSON body (pure).

The page is made from ``reports.public.performance_json``'s body, so the page, the JSON and
the CSV cannot disagree, and nothing reaches the page that the JSON does not publish.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from ..reports.charts import NENA_TARGETS
from ..reports.svg_charts import Bar, bar_chart

DAY_HOURS = 48  # a mean beyond this many hours is shown in days


def percent(share: float | None) -> str:
    return "–" if share is None else f"{100 * share:.0f} %"


def duration(hours: float | None) -> str:
    if hours is None:
        return "–"
    return f"{hours:.1f} h" if hours < DAY_HOURS else f"{hours / 24:.1f} days"


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], figure: str) -> str:
    """Cells are given escaped; each row's first cell names it."""
    heads = "".join(f"<th>{escape(h)}</th>" for h in head)
    body = "".join("<tr>" + f"<th>{row[0]}</th>" + "".join(
        f'<td class="num">{cell}</td>' for cell in row[1:]) + "</tr>" for row in rows)
    return (f'<table data-figure="{escape(figure)}"><thead><tr>{heads}</tr></thead>'
            f"<tbody>{body or '<tr><td>none this month</td></tr>'}</tbody></table>")


def calls_section(calls: Sequence[Mapping[str, Any]]) -> str:
    rows, volume, levels = [], [], []
    for service in calls:
        name = escape(service["name"])
        shares = {k: v for k, v in service.items() if k.startswith("service_level_")}
        cells = [f'<span data-figure="{service["service"]}-{m}">{service[m]}</span>'
                 for m in ("offered", "answered", "abandoned")]
        rows.append([name, *cells, ", ".join(
            f'{k.removeprefix("service_level_")}: {percent(v)}' for k, v in shares.items())])
        volume += [Bar(f'{service["name"]} offered', service["offered"],
                       str(service["offered"]), "blue"),
                   Bar(f'{service["name"]} answered', service["answered"],
                       str(service["answered"]), "green")]
        for key, share in shares.items():
            seconds = int(key.removeprefix("service_level_").removesuffix("s"))
            target = NENA_TARGETS.get(seconds) if service["service"] == "112" else None
            levels.append(Bar(f'{service["service"]} within {seconds} s', share,
                              percent(share), "green", target))
    return ('<section id="calls"><h2>Calls</h2>'
            + _table(["Service", "Offered", "Answered", "Abandoned", "Service level"], rows,
                     "calls")
            + bar_chart("Calls offered and answered", volume)
            + bar_chart("Service level (share of calls answered within the time; the tick "
                        "is NENA's target)", levels, 1.0)
            + "</section>")


def _counts(title: str, figure: str, counts: Sequence[Mapping[str, Any]]) -> str:
    rows = [[escape(c["name"]), str(c["count"])] for c in counts]
    bars = [Bar(c["name"], c["count"], str(c["count"])) for c in counts]
    return (f"<h3>{escape(title)}</h3>" + _table(["", "Tickets"], rows, figure)
            + bar_chart(title, bars))


def tickets_section(tickets: Mapping[str, Any]) -> str:
    return (f'<section id="tickets"><h2>Tickets received: '
            f'<span data-figure="received">{tickets["received"]}</span></h2>'
            + _counts("By category", "by-category", tickets["by_category"])
            + _counts("By district", "by-district", tickets["by_district"])
            + _counts("By status now", "by-status", tickets["by_status"])
            + "</section>")


def agencies_section(agencies: Sequence[Mapping[str, Any]]) -> str:
    rows = [[escape(a["agency_name"]), str(a["resolved"]),
             duration(a["average_resolution_hours"]), percent(a["response_rate"]),
             percent(a["resolution_rate"]), percent(a["satisfaction"])] for a in agencies]
    times = [Bar(a["agency_name"], a["average_resolution_hours"],
                 duration(a["average_resolution_hours"])) for a in agencies if a["resolved"]]
    rates = [Bar(f'{a["agency_name"]}: {what}', a[key], percent(a[key]), colour)
             for a in agencies if a["responses"] or a["resolutions"]  # none decided: no bar
             for what, key, colour in (("response", "response_rate", "blue"),
                                       ("resolution", "resolution_rate", "green"))]
    return ('<section id="agencies"><h2>Agencies</h2>'
            + _table(["Agency", "Resolved", "Mean time to resolve", "Response rate",
                      "Resolution rate", "Satisfaction"], rows, "agencies")
            + bar_chart("Mean time from receipt to resolution", times)
            + bar_chart("Response and resolution rates", rates, 1.0)
            + "</section>")


def sections(body: Mapping[str, Any]) -> str:
    return (calls_section(body["calls"]) + tickets_section(body["tickets"])
            + agencies_section(body["agencies"]))
