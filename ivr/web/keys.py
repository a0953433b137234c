"""The application's typed keys (one module, so route modules need not import app.py)."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from ..accounts import UserStore
from ..callers import CallerRegistry
from ..config import Settings
from ..console.service import ConsoleDesk
from ..flows.store import FlowStore
from ..reports.store import CallStore
from ..roster.desk import OperatorDesk
from ..state import LiveState
from ..tickets.desk import TicketDesk
from .credentials import Credentials
from .live import BoardFeed, BoardSource, ClusterFeed, ClusterSource, StreamSlots
from .sessions import Signer

SETTINGS = web.AppKey("settings", Settings)
# The parts the composition root builds (``parts.WebParts``).
LIVE = web.AppKey("live", LiveState)
SOURCE = web.AppKey("board_source", BoardSource)
TICKETS = web.AppKey("tickets", TicketDesk)
USERS = web.AppKey("users", UserStore)
FLOWS = web.AppKey("flows", FlowStore)
CALLS = web.AppKey("call_records", CallStore)
OPERATORS = web.AppKey("operator_desk", OperatorDesk)
CALLERS = web.AppKey("callers", CallerRegistry)
CONSOLE = web.AppKey("console", ConsoleDesk)
DATABASE_PING: web.AppKey[Callable[[], None]] = web.AppKey("database_ping")
# Only on a cluster node (IVR_CLUSTER_REDIS_URL): every node's board, and its feed.
CLUSTER = web.AppKey("cluster_boards", ClusterSource)
# The web app's own.
SIGNER = web.AppKey("signer", Signer)
FEED = web.AppKey("feed", BoardFeed)
CLUSTER_FEED = web.AppKey("cluster_feed", ClusterFeed)
CREDENTIALS = web.AppKey("credentials", Credentials)
STREAMS = web.AppKey("streams", StreamSlots)
