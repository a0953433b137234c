"""Operator states from queue members, the operators' PJSIP config, AMI action messages."""

import pytest

from ivr.ami.board import Member
from ivr.roster.actions import ami_message
from ivr.roster.asterisk_config import operators_conf
from ivr.roster.model import Operator
from ivr.roster.plan import AddMember, Membership, RemoveMember, SetPaused, SetPenalty
from ivr.roster.states import operator_states, state_of

NOW = 1_732_350_000.0


def member(state: str = "not_in_use", paused: bool = False, in_call: bool = False,
           reason: str = "", last_call: float = 0.0, since: float = NOW - 5) -> Member:
    return Member("PJSIP/ani", "ani", state, paused, reason, in_call, since, 0, last_call)


@pytest.mark.parametrize(("members", "expected"), [
    ([], ("logged_out", "")),
    ([member("unavailable"), member("invalid")], ("logged_out", "")),
    ([member("ringing")], ("ringing", "")),
    ([member("in_use", in_call=True), member("in_use")], ("on_call", "")),
    ([member(paused=True, reason="lunch"), member()], ("paused", "lunch")),
    ([member(last_call=NOW - 3)], ("wrap_up", "")),
    ([member(last_call=NOW - 30)], ("available", "")),
    ([member()], ("available", "")),
])
def test_state_of(members: list[Member], expected: tuple[str, str]) -> None:
    assert state_of(members, NOW, wrapup_s=15) == expected


def test_operator_states_for_every_operator() -> None:
    operators = {"ani": Operator("ani", "pw", "Ani"), "budi": Operator("budi", "pw", "Budi")}
    states = operator_states(operators, [("fire", member()), ("hotline", member())], NOW)
    assert [(s.username, s.state, s.queues, s.in_state_s) for s in states] == [
        ("ani", "available", ("fire", "hotline"), 5), ("budi", "logged_out", (), 0)]


def test_operators_pjsip_config() -> None:
    text = operators_conf([Operator("budi", "pw2", "Budi S"),
                           Operator("ani", "pw1", "Ani", contact="sip:ani@127.0.0.1:5099")])
    assert text.index("[ani]") < text.index("[budi]")
    ani = text[text.index("[ani]"):text.index("[budi]")]
    assert "type = endpoint" in ani and "context = operators" in ani
    assert "auth = ani" in ani and "aors = ani" in ani and 'callerid = "Ani" <ani>' in ani
    assert "type = auth" in ani and "username = ani" in ani and "password = pw1" in ani
    assert "contact = sip:ani@127.0.0.1:5099" in ani
    budi = text[text.index("[budi]"):]
    assert "\ncontact =" not in budi and "max_contacts = 1" in budi


def test_ami_messages_for_planned_actions() -> None:
    assert ami_message(AddMember("fire", "PJSIP/ani", Membership("ani", 2))) == {
        "Action": "QueueAdd", "Queue": "fire", "Interface": "PJSIP/ani", "MemberName": "ani",
        "Penalty": "2", "Paused": "false"}
    assert ami_message(AddMember("fire", "PJSIP/ani", Membership("ani", 0, True, "lunch"))
                       )["Reason"] == "lunch"
    assert ami_message(RemoveMember("fire", "PJSIP/ani")) == {
        "Action": "QueueRemove", "Queue": "fire", "Interface": "PJSIP/ani"}
    assert ami_message(SetPenalty("fire", "PJSIP/ani", 1))["Penalty"] == "1"
    assert ami_message(SetPaused("fire", "PJSIP/ani", True, "lunch")) == {
        "Action": "QueuePause", "Queue": "fire", "Interface": "PJSIP/ani", "Paused": "true",
        "Reason": "lunch"}
