"""The application's typed keys (one module, so route modules need not import app.py)."""

from __future__ import annotations

from aiohttp import web
from sqlalchemy import Engine

from ..config import Settings
from ..flows.store import FlowStore
from ..state import LiveState
from ..tickets.desk import TicketDesk
from .credentials import Credentials
from .live import BoardFeed, BoardSource, StreamSlots
from .sessions import Signer
from .ticket_lookup import TicketLookup
from .users import UserStore

SETTINGS = web.AppKey("settings", Settings)
LIVE = web.AppKey("live", LiveState)
ENGINE = web.AppKey("engine", Engine)
TICKETS = web.AppKey("tickets", TicketDesk)
USERS = web.AppKey("users", UserStore)
SIGNER = web.AppKey("signer", Signer)
SOURCE = web.AppKey("board_source", BoardSource)
FEED = web.AppKey("feed", BoardFeed)
LOOKUP = web.AppKey("ticket_lookup", TicketLookup)
FLOWS = web.AppKey("flows", FlowStore)
CREDENTIALS = web.AppKey("credentials", Credentials)
STREAMS = web.AppKey("streams", StreamSlots)
