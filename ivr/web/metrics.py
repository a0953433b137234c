"""/metrics in the Prometheus text format: queues, today's figures, operators, tickets."""

from __future__ import annotations

import logging
import time
from collections import Counter
from typing import Any

from aiohttp import web
from redis.exceptions import RedisError

from ..stats.queue_day import thresholds
from ..tickets.desk import DB_DOWN
from .keys import FEED, SETTINGS, SOURCE, TICKETS
from .wallboard import wallboard_view

log = logging.getLogger(__name__)

HELP = {
    "hotline_queue_waiting_calls": ("gauge", "Callers waiting in the queue now"),
    "hotline_queue_longest_wait_seconds": ("gauge", "Longest wait of a caller in the queue now"),
    "hotline_queue_answered_today": ("gauge", "Calls answered today (city's day)"),
    "hotline_queue_abandoned_today": ("gauge", "Calls abandoned today (city's day)"),
    "hotline_queue_service_level_ratio": ("gauge",
                                          "Share of today's offered calls answered in time"),
    "hotline_queue_average_speed_of_answer_seconds": ("gauge", "Mean wait of answered calls"),
    "hotline_operators": ("gauge", "Operators by state"),
    "hotline_tickets": ("gauge", "Tickets by status"),
}


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _line(name: str, labels: dict[str, str], value: float) -> str:
    inner = ",".join(f'{k}="{_label(v)}"' for k, v in labels.items())
    return f"{name}{{{inner}}} {value:g}" if inner else f"{name} {value:g}"


def render_metrics(view: dict[str, Any], tickets: dict[str, int]) -> str:
    """The exposition text from a ``wallboard_view`` and the ticket counts by status."""
    lines: dict[str, list[str]] = {name: [] for name in HELP}
    for q in view["queues"]:
        queue = {"queue": q["name"]}
        lines["hotline_queue_waiting_calls"].append(_line(
            "hotline_queue_waiting_calls", queue, q["waiting"]))
        lines["hotline_queue_longest_wait_seconds"].append(_line(
            "hotline_queue_longest_wait_seconds", queue, q["longest_wait_s"]))
        lines["hotline_queue_answered_today"].append(_line(
            "hotline_queue_answered_today", queue, q["answered"]))
        lines["hotline_queue_abandoned_today"].append(_line(
            "hotline_queue_abandoned_today", queue, q["abandoned"]))
        for threshold, share in q["service_level"].items():
            if share is not None:
                lines["hotline_queue_service_level_ratio"].append(_line(
                    "hotline_queue_service_level_ratio", {**queue, "threshold_seconds":
                                                          threshold}, share))
        if q["average_speed_of_answer_s"] is not None:
            lines["hotline_queue_average_speed_of_answer_seconds"].append(_line(
                "hotline_queue_average_speed_of_answer_seconds", queue,
                q["average_speed_of_answer_s"]))
    states = Counter("paused" if o["paused"] else o["state"] for o in view["operators"])
    for state, n in sorted(states.items()):
        lines["hotline_operators"].append(_line("hotline_operators", {"state": state}, n))
    for status, n in sorted(tickets.items()):
        lines["hotline_tickets"].append(_line("hotline_tickets", {"status": status}, n))
    out = []
    for name, (kind, text) in HELP.items():
        out += [f"# HELP {name} {text}", f"# TYPE {name} {kind}", *lines[name]]
    return "\n".join(out) + "\n"


async def metrics(request: web.Request) -> web.Response:
    """GET /metrics (open, for Prometheus)."""
    app = request.app
    try:
        board = await app[SOURCE].load_board()
    except (RedisError, OSError):
        board = app[FEED].snapshot
    view = wallboard_view(board, time.time(), thresholds(app[SETTINGS].service_level_seconds))
    try:
        tickets = await app[TICKETS].counts_by_status()
    except DB_DOWN as exc:
        log.warning("metrics: ticket counts unavailable (%s)", exc.__class__.__name__)
        tickets = {}
    return web.Response(body=render_metrics(view, tickets).encode(),
                        headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"})
