"""The follow-up reports as HTML tables for ``/reports`` (pure; every value HTML-escaped):
callbacks per kind, messages per channel and purpose, the satisfaction follow-up."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from .callbacks import CallbackLine
from .charts import table_section
from .notifications import NotificationLine
from .satisfaction import SatisfactionFigures
from .scorecard import ScoreLine

CALLBACK_NAMES = {"112": "112 callbacks", "12345 virtual hold": "12345 virtual hold callbacks"}


def _percent(share: float | None) -> str:
    return "–" if share is None else f"{100 * share:.0f} %"


def _cells(values: Sequence[tuple[str, object]]) -> str:
    return "".join(f'<td class="num {name}">{escape(str(value))}</td>'
                   for name, value in values)


def _head(*names: str) -> str:
    return "<tr>" + "".join(f"<th>{escape(name)}</th>" for name in names) + "</tr>"


def callback_table(title: str, lines: Sequence[CallbackLine], csv_url: str) -> str:
    rows = [f'<tr data-key="{escape(line.kind)}">'
            f"<th>{escape(CALLBACK_NAMES.get(line.kind, line.kind))}</th>"
            + _cells([("offered", line.offered), ("accepted", line.accepted),
                      ("reached", line.reached),
                      ("unreached", line.unreached), ("cancelled", line.cancelled),
                      ("pending", line.pending), ("tries", line.tries),
                      ("reach-rate", _percent(line.reach_rate))]) + "</tr>"
            for line in lines]
    return table_section(title, csv_url, _head("", "Offered", "Accepted", "Reached", "Unreached",
                                               "Cancelled", "Pending", "Tries",
                                               "Reach rate"), rows)


def notification_table(title: str, lines: Sequence[NotificationLine], csv_url: str) -> str:
    rows = [f'<tr data-key="{escape(line.channel)}:{escape(line.purpose)}">'
            f"<th>{escape(line.channel)} {escape(line.purpose)}</th>"
            + _cells([("queued", line.queued), ("sent", line.sent), ("failed", line.failed),
                      ("waiting", line.waiting), ("retried", line.retried)]) + "</tr>"
            for line in lines]
    return table_section(title, csv_url, _head("", "Queued", "Sent", "Failed", "Waiting",
                                               "Retried"), rows)


def satisfaction_table(title: str, figures: SatisfactionFigures, agencies: Sequence[ScoreLine],
                       csv_url: str) -> str:
    """The period's follow-ups and ratings, then the scorecard's ratings per agency."""
    average = "–" if figures.average_rating is None else f"{figures.average_rating:.1f}"
    total = ('<tr data-key="total"><th>All tickets</th>'
             + _cells([("started", figures.started), ("answered", figures.answered),
                       ("sms", figures.sms_surveys), ("unreached", figures.unreached),
                       ("ratings", figures.ratings), ("by-call", figures.by_call),
                       ("by-web", figures.by_web), ("average", average),
                       ("satisfied", _percent(figures.satisfied_share))]) + "</tr>")
    rows = [total] + [
        f'<tr data-key="{escape(line.agency)}"><th>{escape(line.agency_name)}</th>'
        '<td colspan="4"></td>'
        + _cells([("ratings", line.ratings)]) + '<td colspan="3"></td>'
        + _cells([("satisfied", _percent(line.satisfaction))]) + "</tr>"
        for line in agencies if line.ratings]
    return table_section(title, csv_url, _head("", "Follow-ups", "Answered", "SMS surveys",
                                               "Unreached", "Ratings", "By call", "By web",
                                               "Average", "Satisfied (4-5)"), rows)
