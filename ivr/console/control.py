"""The console's AMI link (the web service's only one): pause, log-out, transfer and hold.

One login of its own, made on the first action (a web service nobody acts in needs no
link) and again after a lost link. An
action refused by Asterisk is ``ActionRefused`` (409, with Asterisk's message); no link or
no reply in time is ``AmiUnavailable`` (503): the console says so and the operator tries
again. The actions themselves are ``calls``'s pure messages.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from ..ami.client import AmiClient
from ..config import Settings
from ..errors import DomainError

log = logging.getLogger(__name__)

ACTION_TIMEOUT_S = 3.0
FIRST_LOGIN_S = 2.0  # the link is made on the first action; later ones do not wait for it


class AmiUnavailable(DomainError):
    error_id = "ami-unavailable"


class ActionRefused(DomainError):
    error_id = "ami-refused"


class CallControl:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.ami: AmiClient | None = None

    def start(self) -> None:
        """Connect (needs the running loop); panoramisk logs in again after a lost link."""
        self.ami = AmiClient(self.settings.with_ami_secret(), events=())
        self.ami.connect()

    def stop(self) -> None:
        if self.ami is not None:
            self.ami.close()

    async def send(self, action: Mapping[str, str]) -> str:
        """Send one action; Asterisk's message when it was done."""
        if self.ami is None:
            self.start()
            for _ in range(int(FIRST_LOGIN_S / 0.05)):
                if self.ami is not None and self.ami.linked:
                    break
                await asyncio.sleep(0.05)
        if self.ami is None or not self.ami.linked:
            raise AmiUnavailable("no link to Asterisk right now; try again")
        try:
            reply = await self.ami.send(action, ACTION_TIMEOUT_S)
        except (TimeoutError, ConnectionError) as exc:
            raise AmiUnavailable(f"Asterisk did not answer ({exc.__class__.__name__})") from exc
        log.info("console %s %s: %s", action["Action"],
                 action.get("Interface") or action.get("Channel", ""), reply.message)
        if not reply.success:
            raise ActionRefused(f"Asterisk refused {action['Action']}: {reply.message}",
                                action=action["Action"])
        return reply.message
