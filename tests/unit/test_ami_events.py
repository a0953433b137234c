"""Raw AMI messages (as Asterisk 22 sends them) to typed queue events."""

from typing import Any

import pytest

from ivr.ami.events import (
    CallerAbandoned,
    CallerJoined,
    CallerLeft,
    MemberRemoved,
    MemberUpdated,
    QueueSeen,
    channel_variables,
    parse_event,
)

CHANNEL = "PJSIP/pstn-trunk-00000003"


@pytest.mark.parametrize(
    ("raw", "event"),
    [
        ({"Event": "QueueCallerJoin", "Queue": "fire", "Position": "1", "Count": "1",
          "CallerIDNum": "0812345", "Uniqueid": "1732350000.12", "Channel": CHANNEL},
         CallerJoined("fire", "1732350000.12", "0812345", 1, channel=CHANNEL)),
        ({"Event": "QueueCallerJoin", "Queue": "police", "Position": "2", "Count": "2",
          "CallerIDNum": "<unknown>", "Uniqueid": "1732350000.13", "Channel": CHANNEL},
         CallerJoined("police", "1732350000.13", "", 2, channel=CHANNEL)),
        ({"Event": "QueueCallerJoin", "Queue": "hotline", "Position": "1", "Count": "1",
          "CallerIDNum": "0812345", "Uniqueid": "1732350000.15", "Channel": CHANNEL,
          "ChanVariable": ["HOTLINE_LANGUAGE=en", "HOTLINE_TICKET=T-42", "HOTLINE_SERVICE="]},
         CallerJoined("hotline", "1732350000.15", "0812345", 1, language="en", ticket="T-42",
                      channel=CHANNEL)),
        ({"Event": "QueueCallerLeave", "Queue": "fire", "Position": "1", "Count": "0",
          "Uniqueid": "1732350000.12", "Channel": CHANNEL},
         CallerLeft("fire", "1732350000.12")),
        ({"Event": "QueueCallerAbandon", "Queue": "fire", "Position": "1",
          "OriginalPosition": "1", "HoldTime": "7", "Uniqueid": "1732350000.12"},
         CallerAbandoned("fire", "1732350000.12", 7)),
        ({"Event": "QueueMemberAdded", "Queue": "fire", "Interface": "PJSIP/op1",
          "MemberName": "op1", "StateInterface": "PJSIP/op1", "Status": "1", "Paused": "0",
          "InCall": "0", "PausedReason": "", "Penalty": "0", "CallsTaken": "0"},
         MemberUpdated("fire", "PJSIP/op1", "op1", "not_in_use", False, "", False)),
        ({"Event": "QueueMemberStatus", "Queue": "fire", "Interface": "PJSIP/op1",
          "MemberName": "op1", "Status": "2", "Paused": "1", "InCall": "1",
          "PausedReason": "break"},
         MemberUpdated("fire", "PJSIP/op1", "op1", "in_use", True, "break", True)),
        ({"Event": "QueueMemberPause", "Queue": "fire", "Interface": "PJSIP/op1",
          "MemberName": "op1", "Status": "99", "Paused": "1", "InCall": "0",
          "PausedReason": "lunch"},
         MemberUpdated("fire", "PJSIP/op1", "op1", "unknown", True, "lunch", False)),
        ({"Event": "QueueMemberRemoved", "Queue": "fire", "Interface": "PJSIP/op1",
          "MemberName": "op1"},
         MemberRemoved("fire", "PJSIP/op1")),
        ({"Event": "QueueParams", "Queue": "ambulance", "Max": "0", "Strategy": "ringall",
          "Calls": "0", "Holdtime": "0", "TalkTime": "0", "Completed": "0", "Abandoned": "0"},
         QueueSeen("ambulance")),
        ({"Event": "QueueEntry", "Queue": "police", "Position": "3", "Channel": CHANNEL,
          "Uniqueid": "1732350000.14", "CallerIDNum": "0899", "Wait": "42"},
         CallerJoined("police", "1732350000.14", "0899", 3, 42.0)),
        ({"Event": "QueueMember", "Queue": "police", "Name": "op2", "Location": "PJSIP/op2",
          "StateInterface": "PJSIP/op2", "Status": "6", "Paused": "0", "InCall": "0",
          "PausedReason": ""},
         MemberUpdated("police", "PJSIP/op2", "op2", "ringing", False, "", False)),
    ],
)
def test_parse_event(raw: dict[str, Any], event: object) -> None:
    assert parse_event(raw) == event


@pytest.mark.parametrize(
    "raw",
    [
        {"Event": "Newchannel", "Channel": CHANNEL, "Uniqueid": "1732350000.12"},
        {"Event": "QueueStatusComplete", "EventList": "Complete", "ListItems": "3"},
        {"Response": "Success", "Message": "Queue status will follow"},
        {},
    ],
)
def test_parse_event_ignores_other_messages(raw: dict[str, Any]) -> None:
    assert parse_event(raw) is None


@pytest.mark.parametrize(
    ("chan_variable", "variables"),
    [
        (None, {}),
        ("HOTLINE_LANGUAGE=id", {"HOTLINE_LANGUAGE": "id"}),
        (["HOTLINE_TICKET=T=1", "broken", "HOTLINE_SERVICE="],
         {"HOTLINE_TICKET": "T=1", "HOTLINE_SERVICE": ""}),
    ],
)
def test_channel_variables(chan_variable: object, variables: dict[str, str]) -> None:
    raw: dict[str, object] = {"Event": "QueueCallerJoin"}
    if chan_variable is not None:
        raw["ChanVariable"] = chan_variable
    assert channel_variables(raw) == variables


def test_parse_event_bad_number_falls_back_to_zero() -> None:
    raw = {"Event": "QueueCallerAbandon", "Queue": "fire", "Uniqueid": "1.1", "HoldTime": "x"}
    assert parse_event(raw) == CallerAbandoned("fire", "1.1", 0)
