"""The console's pure rules: code lists, the wrap-up pause, transfers as AMI actions, the
day's figures (issue 15)."""

from __future__ import annotations

from typing import Any

import pytest

from ivr.console.calls import (
    BadTransfer,
    Transfer,
    checked_transfer,
    hold_action,
    pause_action,
    resume_action,
    template_values,
    transfer_actions,
)
from ivr.console.codes import (
    PAUSE_REASONS,
    WRAPUP_CODES,
    BadCodes,
    Code,
    UnknownCode,
    checked_codes,
    known_code,
)
from ivr.console.wrapup import LastCall, in_wrap_up, wrap_up_pauses

QUEUES = ("police", "fire", "ambulance", "emergency", "hotline")


def test_a_code_list_is_checked_whole_and_kept_in_order() -> None:
    body = {"codes": [{"code": "break", "label": " Break "}, {"code": "lunch"}]}
    assert checked_codes(PAUSE_REASONS, body) == [Code("break", "Break"), Code("lunch", "lunch")]


@pytest.mark.parametrize(("kind", "body", "field"), [
    (PAUSE_REASONS, {}, "codes"),
    (PAUSE_REASONS, {"codes": []}, "codes"),
    (PAUSE_REASONS, {"codes": ["break"]}, "codes"),
    (PAUSE_REASONS, {"codes": [{"code": "Break Time"}]}, "code"),
    (PAUSE_REASONS, {"codes": [{"code": "wrap-up"}]}, "code"),  # the engine's own pause
    (WRAPUP_CODES, {"codes": [{"code": "ok", "label": "x" * 101}]}, "label"),
    (WRAPUP_CODES, {"codes": [{"code": "ok"}, {"code": "ok"}]}, "codes"),
    (WRAPUP_CODES, {"codes": [{"code": f"c{n}"} for n in range(51)]}, "codes"),
])
def test_a_bad_code_list_is_refused_naming_the_field(kind: str, body: dict[str, Any],
                                                     field: str) -> None:
    with pytest.raises(BadCodes) as refused:
        checked_codes(kind, body)
    assert refused.value.details["field"] == field


def test_wrap_up_is_allowed_as_a_wrap_up_code_and_unknown_codes_are_refused() -> None:
    assert checked_codes(WRAPUP_CODES, {"codes": [{"code": "wrap-up"}]})[0].code == "wrap-up"
    with pytest.raises(UnknownCode):
        known_code([Code("break", "Break")], "nap", "reason")


T = 1_000_000.0


@pytest.mark.parametrize(("call", "saved_at", "now", "expected"), [
    (LastCall(), 0.0, T, False),  # no call yet
    (LastCall(T, 0.0, on_call=True), 0.0, T + 300, True),  # on the call: paused already
    (LastCall(T, T + 60), 0.0, T + 79, True),  # 19 s after the end
    (LastCall(T, T + 60), 0.0, T + 80, False),  # the limit has passed
    (LastCall(T, T + 60), T + 65, T + 66, False),  # the code was saved
    (LastCall(T, T + 60), T + 30, T + 66, False),  # saved during the call
    (LastCall(T, T + 60), T - 5, T + 66, True),  # saved for the call before
    (LastCall(0.0, T + 60), 0.0, T + 70, True),  # answer not seen: from the end
    (LastCall(T, T - 100), 0.0, T + 10, True),  # end not seen: from the answer
    (LastCall(T, T - 100), 0.0, T + 20, False),
])
def test_in_wrap_up_from_the_answer_until_the_limit_or_the_code(
        call: LastCall, saved_at: float, now: float, expected: bool) -> None:
    assert in_wrap_up(call, saved_at, now, wrapup_s=20) is expected


def test_wrap_up_off_and_the_operator_s_own_pause_wins() -> None:
    assert not in_wrap_up(LastCall(T, T + 1), 0.0, T + 2, wrapup_s=0)
    calls = {"ani": LastCall(T, T + 1), "budi": LastCall(T, T + 1), "citra": LastCall()}
    assert wrap_up_pauses(calls, {}, {"budi": "break"}, T + 2, 20) == {
        "ani": "wrap-up", "budi": "break"}


def test_transfers_are_checked_and_become_redirect_or_atxfer() -> None:
    me, others = "ani", {"ani", "budi"}
    blind = checked_transfer({"to": "queue", "target": "fire"}, QUEUES, others, me)
    assert blind == Transfer("blind", "queue", "fire")
    assert transfer_actions(blind, "PJSIP/trunk-01", "PJSIP/ani-02") == [{
        "Action": "Redirect", "Channel": "PJSIP/trunk-01", "Context": "console-transfer",
        "Exten": "fire", "Priority": "1"}]
    attended = checked_transfer({"mode": "attended", "to": "operator", "target": "budi"},
                                QUEUES, others, me)
    # Atxfer's extension travels as DTMF: digits only; the target rides in a variable.
    assert transfer_actions(attended, "PJSIP/trunk-01", "PJSIP/ani-02") == [
        {"Action": "Setvar", "Channel": "PJSIP/ani-02", "Variable": "__CONSOLE_TARGET",
         "Value": "op-budi"},
        {"Action": "Atxfer", "Channel": "PJSIP/ani-02", "Context": "console-attended",
         "Exten": "0"}]
    number = checked_transfer({"to": "number", "target": "0227654321"}, QUEUES, others, me)
    assert number.extension == "tel-0227654321"


@pytest.mark.parametrize(("body", "field"), [
    ({"mode": "warm", "to": "queue", "target": "fire"}, "mode"),
    ({"to": "moon", "target": "fire"}, "to"),
    ({"to": "queue", "target": "sales"}, "target"),
    ({"to": "operator", "target": "ani"}, "target"),  # not to oneself
    ({"to": "operator", "target": "nobody"}, "target"),
    ({"to": "number", "target": "0812;Hangup"}, "target"),
])
def test_a_bad_transfer_is_refused_naming_the_field(body: dict[str, str], field: str) -> None:
    with pytest.raises(BadTransfer) as refused:
        checked_transfer(body, QUEUES, {"ani", "budi"}, "ani")
    assert refused.value.details["field"] == field


def test_hold_resume_and_pause_actions() -> None:
    assert hold_action("PJSIP/t-1")["Context"] == "console-hold"
    assert resume_action("PJSIP/t-1", "ani")["Exten"] == "op-ani"
    assert pause_action("PJSIP/ani", True, "break") == {
        "Action": "QueuePause", "Interface": "PJSIP/ani", "Paused": "true", "Reason": "break"}
    assert "Reason" not in pause_action("PJSIP/ani", False)
    assert template_values("PJSIP/{number}@outbound-trunk")["CONSOLE_DIAL"] == (
        "PJSIP/${EXTEN:4}@outbound-trunk")
