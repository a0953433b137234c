"""Raw AMI messages become frozen dataclasses here; nothing else indexes AMI dicts.

Examples of what Asterisk 22 sends (one ``Key: Value`` per line)::

    Event: QueueCallerJoin      Queue: fire  Position: 1  Count: 1  CallerIDNum: 0812345
                                Uniqueid: 1732350000.12  Channel: PJSIP/pstn-trunk-00000003
    Event: QueueCallerLeave     Queue: fire  Position: 1  Count: 0  Uniqueid: ...
    Event: QueueCallerAbandon   Queue: fire  Position: 1  OriginalPosition: 1  HoldTime: 7
    Event: QueueMemberAdded     Queue: fire  Interface: PJSIP/op1  MemberName: op1  Status: 1
                                Paused: 0  InCall: 0  PausedReason:
    Event: QueueEntry           (QueueStatus reply) Queue  Position  CallerIDNum  Uniqueid  Wait
    Event: QueueMember          (QueueStatus reply) Queue  Name  Location  Status  Paused  InCall
    Event: AgentCalled          Queue: fire  MemberName: ani  Interface: PJSIP/ani
                                CallerIDNum: 0812345  Uniqueid: 1732350000.12 (the caller's)
    Event: AgentConnect         (same) HoldTime: 9  RingTime: 3
    Event: AgentComplete / AgentRingNoAnswer / AgentDump   (same) the offer is over
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Asterisk device states as QueueMember*/Status carries them.
DEVICE_STATES = {
    "0": "unknown", "1": "not_in_use", "2": "in_use", "3": "busy", "4": "invalid",
    "5": "unavailable", "6": "ringing", "7": "ring_in_use", "8": "on_hold",
}


@dataclass(frozen=True)
class CallerJoined:
    queue: str
    unique_id: str
    caller_number: str
    position: int
    waited_s: float = 0.0
    language: str = ""
    ticket: str = ""
    # From the channel (the 112 path, dialplan_vars): its name, when it reached our Asterisk
    # (epoch s; 0: not known), the chosen service, the incident a callback returns, a location.
    channel: str = ""
    arrived_at: float = 0.0
    service: str = ""
    callback: str = ""
    location: str = ""


@dataclass(frozen=True)
class KeyPressed:
    """The caller of channel ``unique_id`` pressed a key (AMI DTMFEnd, received)."""

    unique_id: str
    digit: str
    queue: str = ""  # DTMF events name no queue


@dataclass(frozen=True)
class CallerLeft:
    queue: str
    unique_id: str


@dataclass(frozen=True)
class CallerAbandoned:
    queue: str
    unique_id: str
    hold_time_s: int


@dataclass(frozen=True)
class MemberUpdated:
    queue: str
    interface: str
    name: str
    state: str
    paused: bool
    paused_reason: str
    in_call: bool
    penalty: int = 0
    last_call: float = 0.0  # epoch seconds the member's last queue call ended (0: none)


@dataclass(frozen=True)
class MemberRemoved:
    queue: str
    interface: str


@dataclass(frozen=True)
class QueueSeen:
    """A queue named by a QueueStatus reply (QueueParams), even with nobody in it."""

    queue: str


@dataclass(frozen=True)
class AgentRinging:
    """A queue call offered to an operator (AMI AgentCalled)."""

    queue: str
    unique_id: str
    member: str
    caller_number: str
    language: str = ""
    ticket: str = ""
    channel: str = ""  # the caller's channel (what a transfer or hold moves)
    member_channel: str = ""  # the operator's side of the call


@dataclass(frozen=True)
class AgentAnswered:
    """An operator answered a queue call after the caller waited ``hold_time_s`` (AgentConnect)."""

    queue: str
    unique_id: str
    member: str
    caller_number: str
    hold_time_s: int
    language: str = ""
    ticket: str = ""
    channel: str = ""
    member_channel: str = ""


@dataclass(frozen=True)
class AgentDone:
    """The offer is over: ``outcome`` completed (after ``talk_s`` seconds talking), missed
    (not answered in time) or dumped."""

    queue: str
    unique_id: str
    member: str
    outcome: str = "completed"
    talk_s: int = 0


@dataclass(frozen=True)
class VirtualHoldSeen:
    """A step of a 12345 virtual hold, told by the dialplan (``UserEvent:
    HotlineVirtualHold``): offered, accepted, dialled, reached or unreached. ``hold_id`` is
    the unique id of the call that took (or was offered) the hold."""

    queue: str
    hold_id: str
    step: str
    caller_number: str
    attempt: int = 0


QueueEvent = (CallerJoined | CallerLeft | CallerAbandoned | MemberUpdated | MemberRemoved
              | QueueSeen | AgentRinging | AgentAnswered | AgentDone | KeyPressed
              | VirtualHoldSeen)
VIRTUAL_HOLD_EVENT = "HotlineVirtualHold"  # dialplan/extensions.conf [virtual-hold-*]
AGENT_EVENTS = ("AgentCalled", "AgentConnect", "AgentComplete", "AgentRingNoAnswer", "AgentDump")
DONE_OUTCOMES = {"AgentComplete": "completed", "AgentRingNoAnswer": "missed",
                 "AgentDump": "dumped"}


def _int(raw: Mapping[str, Any], key: str, default: int = 0) -> int:
    try:
        return int(str(raw.get(key, default)))
    except ValueError:
        return default


def _str(raw: Mapping[str, Any], key: str) -> str:
    value = raw.get(key)
    return "" if value is None else str(value)


def _epoch(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


def _caller_number(raw: Mapping[str, Any]) -> str:
    number = _str(raw, "CallerIDNum")
    return "" if number in ("<unknown>", "unknown") else number


def _member(raw: Mapping[str, Any], interface_key: str) -> MemberUpdated:
    return MemberUpdated(
        queue=_str(raw, "Queue"),
        interface=_str(raw, interface_key),
        name=_str(raw, "MemberName") or _str(raw, "Name"),
        state=DEVICE_STATES.get(_str(raw, "Status"), "unknown"),
        paused=_str(raw, "Paused") == "1",
        paused_reason=_str(raw, "PausedReason"),
        in_call=_str(raw, "InCall") == "1",
        penalty=_int(raw, "Penalty"),
        last_call=float(_int(raw, "LastCall")),
    )


def channel_variables(raw: Mapping[str, Any]) -> dict[str, str]:
    """``ChanVariable: NAME=value`` lines (manager.conf ``channelvars``) as a dict."""
    lines = raw.get("ChanVariable") or []
    if isinstance(lines, str):
        lines = [lines]
    pairs = (str(line).partition("=") for line in lines)
    return {name: value for name, sep, value in pairs if sep}


def parse_event(raw: Mapping[str, Any]) -> QueueEvent | None:
    """The typed event for an AMI message, or None for messages we do not follow."""
    name = _str(raw, "Event")
    if name == "QueueCallerJoin":
        variables = channel_variables(raw)
        return CallerJoined(_str(raw, "Queue"), _str(raw, "Uniqueid"), _caller_number(raw),
                            _int(raw, "Position"),
                            language=variables.get("HOTLINE_LANGUAGE", ""),
                            ticket=variables.get("HOTLINE_TICKET", ""),
                            channel=_str(raw, "Channel"),
                            arrived_at=_epoch(variables.get("HOTLINE_ARRIVED", "")),
                            service=variables.get("HOTLINE_SERVICE", ""),
                            callback=variables.get("HOTLINE_CALLBACK", ""),
                            location=variables.get("HOTLINE_LOCATION", ""))
    if name == "DTMFEnd":
        if _str(raw, "Direction") != "Received":
            return None
        return KeyPressed(_str(raw, "Uniqueid"), _str(raw, "Digit"))
    if name == "QueueEntry":
        return CallerJoined(_str(raw, "Queue"), _str(raw, "Uniqueid"), _caller_number(raw),
                            _int(raw, "Position"), float(_int(raw, "Wait")))
    if name == "QueueCallerLeave":
        return CallerLeft(_str(raw, "Queue"), _str(raw, "Uniqueid"))
    if name == "QueueCallerAbandon":
        return CallerAbandoned(_str(raw, "Queue"), _str(raw, "Uniqueid"), _int(raw, "HoldTime"))
    if name in ("QueueMemberAdded", "QueueMemberStatus", "QueueMemberPause",
                "QueueMemberPenalty", "QueueMemberRinginuse"):
        return _member(raw, "Interface")
    if name == "QueueMember":
        return _member(raw, "Location")
    if name == "QueueMemberRemoved":
        return MemberRemoved(_str(raw, "Queue"), _str(raw, "Interface"))
    if name == "QueueParams":
        return QueueSeen(_str(raw, "Queue"))
    if name in AGENT_EVENTS:
        return _agent(name, raw)
    if name == "UserEvent" and _str(raw, "UserEvent") == VIRTUAL_HOLD_EVENT:
        return VirtualHoldSeen(_str(raw, "Queue"), _str(raw, "Hold"), _str(raw, "Step"),
                               _caller_number({"CallerIDNum": _str(raw, "Caller")}),
                               _int(raw, "Try"))
    return None


def _agent(name: str, raw: Mapping[str, Any]) -> AgentRinging | AgentAnswered | AgentDone:
    queue, unique_id = _str(raw, "Queue"), _str(raw, "Uniqueid")
    member = _str(raw, "MemberName") or _str(raw, "Interface")
    variables = channel_variables(raw)
    language, ticket = variables.get("HOTLINE_LANGUAGE", ""), variables.get("HOTLINE_TICKET", "")
    channels = _str(raw, "Channel"), _str(raw, "DestChannel")
    if name == "AgentCalled":
        return AgentRinging(queue, unique_id, member, _caller_number(raw), language, ticket,
                            *channels)
    if name == "AgentConnect":
        return AgentAnswered(queue, unique_id, member, _caller_number(raw),
                             _int(raw, "HoldTime"), language, ticket, *channels)
    outcome = DONE_OUTCOMES.get(name, "completed")
    return AgentDone(queue, unique_id, member, outcome, _int(raw, "TalkTime"))
