"""Dials an outbound try through AMI ``Originate``: the only module here that speaks AMI.

The try is queued with ``Async: true`` and a fresh ``ActionID``; Asterisk acks at once and
sends an ``OriginateResponse`` event with the same ``ActionID`` once the call was answered or
not (after at most ``Timeout`` ms of ringing). Wire examples::

    Action: Originate  ActionID: outbound-3f2a…  Channel: PJSIP/0812345@outbound-trunk
      Context: callback  Exten: s  Priority: 1  Timeout: 30000  Async: true
      CallerID: "Hotline 112" <112>  Variable: HOTLINE_JOB=3f2a…  Variable: HOTLINE_TRY=1
    Response: Success  ActionID: outbound-3f2a…  Message: Originate successfully queued
    Response: Error    ActionID: outbound-3f2a…  Message: Extension does not exist.
    Event: OriginateResponse  ActionID: outbound-3f2a…  Response: Success  Reason: 4
      Channel: PJSIP/outbound-trunk-00000007  Uniqueid: 1732350000.31  ...
    Event: OriginateResponse  ActionID: outbound-3f2a…  Response: Failure  Reason: 5

The AMI user needs ``write = originate`` and ``read = call`` (an eventfilter may keep only
``OriginateResponse``). Asterisk splits a ``Variable:`` value at commas and drops quotes and
backslashes, and a line break would start a new header: such values are refused.
"""

from __future__ import annotations

import asyncio
import logging
import re
import uuid
from collections.abc import Mapping
from typing import Any

from ..aio import within
from ..ami.client import ActionValue, AmiClient, AmiLinkDown
from ..config import Settings
from .model import CallRequest, TryResult

log = logging.getLogger(__name__)

ACTION_TIMEOUT_S = 5.0  # the ack of an Async Originate comes at once
RESPONSE_GRACE_S = 10.0  # waited for OriginateResponse beyond the ringing time
ORIGINATE_EVENTS = ("OriginateResponse",)
# OriginateResponse's Reason: the last control frame of the dialled channel.
REASONS = {"0": "failed", "1": "hung up", "3": "no answer", "5": "busy", "8": "congestion"}
NUMBER = re.compile(r"\+?[0-9]{1,20}")
VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
UNSAFE_IN_VARIABLE = frozenset(',"\\\r\n')
UNSAFE_IN_HEADER = frozenset("\r\n")


class NotDialable(ValueError):
    """A number or a value that may not go into an Originate action."""


def dial_number(number: str) -> str:
    """The number as dialled: digits with an optional leading ``+``; anything else refused.

    ``"+49301234"`` -> ``"+49301234"``; ``"12;Dial"``, ``"1@x"``, ``""`` -> NotDialable.
    """
    if not NUMBER.fullmatch(number):
        raise NotDialable(f"not a dialable number: {number!r}")
    return number


def check_pattern(pattern: str) -> str:
    """A dial pattern such as ``PJSIP/{number}@outbound-trunk``, checked."""
    if "{number}" not in pattern or UNSAFE_IN_HEADER & set(pattern):
        raise NotDialable(f"a dial pattern needs one {{number}} and no line break: {pattern!r}")
    return pattern


def variable_lines(variables: Mapping[str, str]) -> list[str]:
    """``Variable:`` values, one per variable (``NAME=value``); unsafe ones refused."""
    lines = []
    for name, value in variables.items():
        if not VARIABLE_NAME.fullmatch(name) or UNSAFE_IN_VARIABLE & set(value):
            raise NotDialable(f"channel variable {name!r} cannot be sent: {value!r}")
        lines.append(f"{name}={value}")
    return lines


def originate_action(request: CallRequest, pattern: str, caller_id: str,
                     action_id: str) -> dict[str, ActionValue]:
    """The ``Originate`` action for one try (pure); NotDialable for what may not be sent."""
    action: dict[str, ActionValue] = {
        "Action": "Originate", "ActionID": action_id,
        "Channel": check_pattern(pattern).replace("{number}", dial_number(request.number)),
        "Context": request.context, "Exten": request.exten, "Priority": "1",
        "Timeout": str(round(request.ring_s * 1000)), "CallerID": caller_id, "Async": "true",
    }
    for key, value in action.items():
        if isinstance(value, str) and UNSAFE_IN_HEADER & set(value):
            raise NotDialable(f"{key} cannot be sent: {value!r}")
    lines = variable_lines(request.variables)
    if lines:
        action["Variable"] = lines
    return action


def try_result_of(event: Mapping[str, Any]) -> TryResult:
    """The try's result from its ``OriginateResponse`` (pure).

    ``Response: Success`` -> answered; ``Response: Failure`` with ``Reason: 3`` -> no answer,
    ``5`` busy, ``8`` congestion, ``1`` hung up, ``0`` or any other -> failed.
    """
    if str(event.get("Response", "")) == "Success":
        return TryResult(True, "answered")
    return TryResult(False, REASONS.get(str(event.get("Reason", "")).strip(), "failed"))


class AmiDialer:
    """One AMI login (its own user) that dials tries; ``dial`` is the engine's ``dial``."""

    def __init__(self, settings: Settings, *, dial_pattern: str, caller_id: str,
                 response_grace_s: float = RESPONSE_GRACE_S) -> None:
        self.pattern, self.caller_id = check_pattern(dial_pattern), caller_id
        self.response_grace_s = response_grace_s
        self._waiting: dict[str, asyncio.Future[TryResult]] = {}  # by ActionID
        self._losses = 0  # lost links so far: a try that saw one ends as "link down"
        self.ami = AmiClient(settings, ORIGINATE_EVENTS, on_lost=self._lost,
                             on_message=self._message)

    def start(self) -> None:
        self.ami.connect()

    def stop(self) -> None:
        self.ami.close()

    async def dial(self, request: CallRequest) -> TryResult:
        """Place one try and wait for how it ended (never raises for a call that failed)."""
        action_id = f"outbound-{uuid.uuid4().hex}"
        try:
            action = originate_action(request, self.pattern,
                                      request.caller_id or self.caller_id, action_id)
        except NotDialable as exc:
            log.error("outbound %s %s: not dialled: %s", request.purpose, request.job_id, exc)
            return TryResult(False, "failed: not dialable")
        answer: asyncio.Future[TryResult] = asyncio.get_running_loop().create_future()
        self._waiting[action_id] = answer  # before sending: the event may follow the ack at once
        try:
            return await self._originate(action, answer, request)
        finally:
            self._waiting.pop(action_id, None)

    async def _originate(self, action: Mapping[str, ActionValue],
                         answer: asyncio.Future[TryResult], request: CallRequest) -> TryResult:
        losses = self._losses
        try:
            reply = await self.ami.send(action, ACTION_TIMEOUT_S)
        except AmiLinkDown:
            return TryResult(False, "link down")
        except TimeoutError:
            reply = None  # the ack was lost; the call may still be placed: wait for its end
        if reply is not None and not reply.success:
            return TryResult(False, f"failed: {reply.message}")
        try:
            return await within(answer, request.ring_s + self.response_grace_s)
        except TimeoutError:
            return TryResult(False, "link down" if self._losses != losses else "no response")

    def _lost(self, exc: Exception | None) -> None:
        # An OriginateResponse is not sent again after a new login: the waits end by time-out.
        self._losses += 1

    def _message(self, message: Mapping[str, Any]) -> None:
        if str(message.get("Event", "")) != "OriginateResponse":
            return
        answer = self._waiting.get(str(message.get("ActionID", "")))
        if answer is not None and not answer.done():
            answer.set_result(try_result_of(message))
