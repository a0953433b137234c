"""Transfer and hold of the operator's call as AMI actions (pure).

Blind transfer: the caller's channel is moved (``Redirect``) to ``[console-transfer]`` in
``dialplan/extensions.conf``, whose extension names the target: a queue by its name (a 112
caller keeps their place: the queue priority carries the arrival), ``op-<username>`` another
operator's phone, ``tel-<digits>`` an agency's number over the outbound trunk. An unanswered
operator or number sends the caller back to the queue they came from. Attended transfer:
``Atxfer`` on the operator's own channel: the caller hears music while the operator talks
to the target, and is joined to the target when the operator hangs up. Asterisk carries
Atxfer out as if the operator's phone had sent the feature code and the extension as DTMF,
so the extension must be digits: the target's extension goes first into the inheritable
variable ``CONSOLE_TARGET`` of the operator's channel (``Setvar``), and the Atxfer dials
``[console-attended]``'s extension ``0``, which goes on to that extension.
Hold: the caller is moved to ``[console-hold]`` (music on hold, back to their queue after
``HOLD_LIMIT`` seconds); resuming moves them to ``op-<username>``, so the operator's phone
rings and the call goes on.

Wire::

    Action: Redirect  Channel: PJSIP/trunk-00000004  Context: console-transfer  Exten: fire
            Priority: 1
    Action: Setvar    Channel: PJSIP/ani-00000005  Variable: __CONSOLE_TARGET  Value: op-budi
    Action: Atxfer    Channel: PJSIP/ani-00000005  Context: console-attended  Exten: 0
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import DomainError

TRANSFER_CONTEXT = "console-transfer"
ATTENDED_CONTEXT, ATTENDED_EXTEN = "console-attended", "0"
TARGET_VARIABLE = "__CONSOLE_TARGET"  # __: inherited by the channels the transfer dials
HOLD_CONTEXT = "console-hold"
HOLD_LIMIT = 300  # seconds; dialplan/extensions.conf [console-hold]
OPERATOR_PREFIX, NUMBER_PREFIX = "op-", "tel-"  # no N, X or Z: pattern letters
KINDS = ("queue", "operator", "number")
MODES = ("blind", "attended")
NUMBER = re.compile(r"[0-9]{2,20}")


class BadTransfer(DomainError):
    error_id = "bad-transfer"


class NoCall(DomainError):
    """The operator has no call (connected, or held) to act on."""

    error_id = "no-call"


@dataclass(frozen=True)
class Transfer:
    mode: str  # blind, attended
    kind: str  # queue, operator, number
    target: str

    @property
    def extension(self) -> str:
        """The extension of ``[console-transfer]`` that reaches the target."""
        if self.kind == "operator":
            return OPERATOR_PREFIX + self.target
        if self.kind == "number":
            return NUMBER_PREFIX + self.target
        return self.target


def checked_transfer(body: Mapping[str, Any], queues: Collection[str],
                     operators: Collection[str], me: str) -> Transfer:
    """The transfer the console asks for; BadTransfer naming the field when unusable."""
    mode, kind, target = (str(body.get(k, "")).strip() for k in ("mode", "to", "target"))
    mode = mode or "blind"
    if mode not in MODES:
        raise BadTransfer(f"mode is one of {', '.join(MODES)}", field="mode")
    if kind not in KINDS:
        raise BadTransfer(f"to is one of {', '.join(KINDS)}", field="to")
    if kind == "queue" and target not in queues:
        raise BadTransfer(f"the queue is one of {', '.join(sorted(queues))}", field="target")
    if kind == "operator" and (target not in operators or target == me):
        raise BadTransfer("no other operator of that name", field="target")
    if kind == "number" and NUMBER.fullmatch(target) is None:
        raise BadTransfer("a number is 2-20 digits", field="target")
    return Transfer(mode, kind, target)


def transfer_actions(transfer: Transfer, caller_channel: str, operator_channel: str
                     ) -> list[dict[str, str]]:
    """The AMI actions, in order: a blind transfer moves the caller; an attended one names
    the target on the operator's channel, then starts from the operator's side."""
    if transfer.mode == "attended":
        return [{"Action": "Setvar", "Channel": operator_channel,
                 "Variable": TARGET_VARIABLE, "Value": transfer.extension},
                {"Action": "Atxfer", "Channel": operator_channel,
                 "Context": ATTENDED_CONTEXT, "Exten": ATTENDED_EXTEN}]
    return [redirect(caller_channel, TRANSFER_CONTEXT, transfer.extension)]


def hold_action(caller_channel: str) -> dict[str, str]:
    return redirect(caller_channel, HOLD_CONTEXT, "s")


def resume_action(caller_channel: str, operator: str) -> dict[str, str]:
    return redirect(caller_channel, TRANSFER_CONTEXT, OPERATOR_PREFIX + operator)


def template_values(outbound_dial: str) -> dict[str, str]:
    """The dialplan's placeholders: the number's Dial string (``IVR_OUTBOUND_DIAL``, whose
    ``{number}`` is the digits after ``tel-``) and the hold's limit."""
    return {"CONSOLE_DIAL": outbound_dial.replace("{number}", "${EXTEN:4}"),
            "CONSOLE_HOLD_LIMIT": str(HOLD_LIMIT)}


def redirect(channel: str, context: str, exten: str) -> dict[str, str]:
    return {"Action": "Redirect", "Channel": channel, "Context": context, "Exten": exten,
            "Priority": "1"}


def pause_action(interface: str, paused: bool, reason: str = "") -> dict[str, str]:
    """Pause or unpause a member in every queue it is in (no ``Queue:``); the roster engine
    keeps it so on its next pass (the pause is in redis too)."""
    action = {"Action": "QueuePause", "Interface": interface,
              "Paused": "true" if paused else "false"}
    return {**action, "Reason": reason} if paused else action


def remove_action(queue: str, interface: str) -> dict[str, str]:
    return {"Action": "QueueRemove", "Queue": queue, "Interface": interface}
