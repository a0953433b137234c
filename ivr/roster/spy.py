"""A supervisor listens, whispers or barges on an operator's live call (ChanSpy).

The supervisor's own phone rings: AMI ``Originate`` calls it into the dialplan context
``supervisor-spy`` (dialplan/extensions.conf), whose extension per mode runs ChanSpy on the
operator's channel with ``q`` (listen, muted), ``qw`` (whisper) or ``qB`` (barge). The
supervisor's phone is a phone account of the roster (a PJSIP endpoint: an operator account,
or one kept for supervisors), named on the request; the web service checks both names here,
so nothing but a known username reaches the dialplan.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Mapping

from ..ami.client import AmiClient, AmiLinkDown
from ..config import Settings
from ..errors import DomainError
from .model import Operator
from .store import RosterStore

log = logging.getLogger(__name__)

SPY_CONTEXT = "supervisor-spy"
SPY_MODES = ("listen", "whisper", "barge")
SPY_VARIABLE = "SPY_OPERATOR"
RING_S = 30  # the supervisor's phone rings this long
LOGIN_TIMEOUT_S = 3.0


class SpyRefused(DomainError):
    """A listen/whisper/barge request that cannot be carried out; the message says why."""

    error_id = "spy-refused"


class AmiUnavailable(DomainError):
    error_id = "ami-unavailable"


def spy_action(mode: str, operator: str, phone: str,
               operators: Mapping[str, Operator]) -> dict[str, str]:
    """The AMI Originate that rings ``phone`` into ChanSpy on ``operator``'s call (pure)."""
    if mode not in SPY_MODES:
        raise SpyRefused(f"mode is one of {', '.join(SPY_MODES)}", mode=mode)
    if operator not in operators:
        raise SpyRefused(f"no operator {operator!r}", operator=operator)
    if phone not in operators:
        raise SpyRefused(f"no phone account {phone!r} in the roster: name your own phone",
                         phone=phone)
    if phone == operator:
        raise SpyRefused("the supervisor's phone is the operator's own", phone=phone)
    return {"Action": "Originate", "Channel": operators[phone].interface,
            "Context": SPY_CONTEXT, "Exten": mode, "Priority": "1",
            "Variable": f"{SPY_VARIABLE}={operator}", "Timeout": str(RING_S * 1000),
            "CallerID": f'"{mode} {operator}" <{mode}>', "Async": "true"}


class SupervisorSpy:
    """Sends the Originate over a short AMI login of its own (rare: a supervisor's click)."""

    def __init__(self, settings: Settings, store: RosterStore) -> None:
        self.settings = settings
        self.store = store

    def caller_settings(self) -> Settings:
        """The AMI user that may make calls and nothing else (manager.conf ``-outbound``)."""
        settings = self.settings.with_ami_secret()
        return dataclasses.replace(settings, ami_user=settings.ami_user + "-outbound")

    async def spy(self, mode: str, operator: str, phone: str) -> None:
        action = spy_action(mode, operator, phone, self.store.load().operators)
        logged_in = asyncio.Event()
        ami = AmiClient(self.caller_settings(), (), on_login=logged_in.set)
        ami.connect()
        try:
            await asyncio.wait_for(logged_in.wait(), LOGIN_TIMEOUT_S)
            reply = await ami.send(action, LOGIN_TIMEOUT_S)
        except (TimeoutError, AmiLinkDown, ConnectionError) as exc:
            raise AmiUnavailable("Asterisk's manager interface did not answer; try again",
                                 retry_after_s=5) from exc
        finally:
            ami.close()
        if not reply.success:
            raise SpyRefused(f"Asterisk refused the call to {phone}: {reply.message}")
        log.info("supervisor %s on %s's call from phone %s", mode, operator, phone)
