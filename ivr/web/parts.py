"""What the web app works with, built by the composition root (``ivr/app.py``).

``make_app(settings, parts)`` takes a factory of ``WebParts``; the app enters it on start-up,
puts each part under its key (``keys.py``) and leaves it on clean-up. The web package builds
no redis client, engine or desk of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

from ..accounts import UserStore
from ..callers import CallerRegistry
from ..console.service import ConsoleDesk
from ..flows.store import FlowStore
from ..reports.store import CallStore
from ..roster.desk import OperatorDesk
from ..state import LiveState
from ..tickets.desk import TicketDesk
from .live import BoardSource, ClusterSource


@dataclass(frozen=True)
class WebParts:
    live: LiveState  # redis: heartbeats (health) and the board
    board: BoardSource  # the live queue board and its changes
    tickets: TicketDesk
    users: UserStore
    flows: FlowStore
    calls: CallStore  # call records, for the reports
    operators: OperatorDesk  # operator states and pauses
    callers: CallerRegistry  # registered callers' names and addresses
    console: ConsoleDesk  # the operator's own actions: queues, pauses, wrap-up, transfer
    database_ping: Callable[[], None]  # raises when the database cannot be reached
    cluster: ClusterSource | None = None  # every node's board (a cluster node), else None


PartsFactory = Callable[[], AbstractAsyncContextManager[WebParts]]
