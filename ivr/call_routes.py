"""The AGI routes and what they are built from: the flows, the prompts, a ticket desk.

Apart from the composition root (``ivr.app``) so that the classic-AGI launcher, a process per
call, imports only what a call needs: no web edge, no AMI client, no SQLAlchemy until a flow
asks the database something (bench/README.md has the cost per call).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

from .agi.route import Route
from .config import Settings
from .flows.engine import FlowEngine
from .flows.ports import SpeechPort, TicketDeskPort
from .flows.prompts import Prompts
from .flows.spoken import Speaker
from .flows.store import FlowStore, queue_names
from .satisfaction.agi import RatingDesk, survey_route

# AGI route (the PATH in agi://host:port/PATH of dialplan/extensions.conf) -> flow file.
FLOW_ROUTES = {"emergency": "112", "hotline": "12345"}
SURVEY_ROUTE = "survey"  # agi://…/survey in [satisfaction-survey]
PROJECT_ROOT = Path(__file__).resolve().parents[1]  # = ivr.runtime.render.project_root()


class CallDesk(TicketDeskPort, RatingDesk, Protocol):
    """What the AGI routes need of the ticket desk: the flows' port and ratings."""


# A flow file edited in place (not installed) is in use for calls within this long.
CALLS_RECHECK_S = 1.0


def flow_store(settings: Settings, recheck_s: float = 0.0) -> FlowStore:
    """The IVR flows: the built-in ones of ``dialplan/flows``, with the admins' edits.
    ``recheck_s``: ``FlowStore``'s (installs and rollbacks are seen at once in any case)."""
    rendered = settings.run_dir / "etc" / "asterisk" / "queues.conf"
    queues_conf = rendered if rendered.exists() else PROJECT_ROOT / "asterisk_conf" / "queues.conf"
    return FlowStore(builtin_dir=PROJECT_ROOT / "dialplan" / "flows",
                     override_dir=settings.data_dir / "flows",
                     prompt_dirs=[settings.data_dir / "sounds", PROJECT_ROOT / "recordings"],
                     known_queues=queue_names(queues_conf.read_text()),
                     parsed_dir=settings.run_dir / "flows-parsed", recheck_s=recheck_s)


def local_clock(settings: Settings) -> Callable[[datetime], datetime]:
    """UTC times from the database as the city's local time (what callers are told)."""
    zone = ZoneInfo(settings.ticket_timezone)
    return lambda moment: moment.astimezone(zone)


def agi_routes(settings: Settings, desk: CallDesk,
               speech: SpeechPort | None = None) -> dict[str, Route]:
    """The AGI routes: one flow of ``dialplan/flows`` each (admin edits included), and the
    satisfaction follow-up call's ``survey``."""
    store = flow_store(settings, recheck_s=CALLS_RECHECK_S)
    store.current()  # refuse to start on broken flows, with every problem listed
    prompts = Prompts(settings.data_dir / "sounds", settings.default_language)
    speaker = Speaker(prompts, settings.data_dir / "sounds" / "tts")
    engine = FlowEngine(store.current, prompts, speaker, desk, settings.recordings_dir,
                        local_time=local_clock(settings), speech=speech)
    routes: dict[str, Route] = {path: engine.route(number)
                                for path, number in FLOW_ROUTES.items()}
    routes[SURVEY_ROUTE] = survey_route(desk, prompts, settings.recordings_dir)
    return routes
