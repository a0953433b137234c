"""The SIPp scenario builder: well-formed XML with the SIP messages in the order SIPp runs them."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from sipp_scenarios import Caller, caller_scenario, operator_scenario, pause, play_pcap


def steps(xml: str) -> list[str]:
    """What the scenario does, an element a line: ``send INVITE``, ``recv 200``, ``pause 300``."""
    done = []
    for element in ET.fromstring(xml):
        if element.tag == "send":
            first_line = (element.text or "").strip().splitlines()[0].split()
            sent = first_line[1] if first_line[0] == "SIP/2.0" else first_line[0]
            done.append(f"send {sent}")
        elif element.tag == "recv":
            done.append(f"recv {element.get('response') or element.get('request')}")
        elif element.tag == "pause":
            done.append(f"pause {element.get('milliseconds')}")
        else:
            played = element.find("action/exec")
            assert played is not None, ET.tostring(element)
            done.append(f"play {played.get('play_pcap_audio')}")
    return done


def message(xml: str, index: int) -> str:
    return ET.fromstring(xml).findall("send")[index].text or ""


CALL_SETUP = ["send INVITE", "recv 100", "recv 180", "recv 183", "recv 200", "send ACK"]
HANG_UP = ["send BYE", "recv 200"]


@pytest.mark.parametrize(("actions", "between"), [
    ([], []),
    ([pause(1500), play_pcap("/w/key-2.pcap")], ["pause 1500", "play /w/key-2.pcap"]),
    ([pause(0), play_pcap("/w/a.pcap"), play_pcap("/w/k1.pcap"), pause(300),
      play_pcap("/w/k2.pcap")],
     ["pause 0", "play /w/a.pcap", "play /w/k1.pcap", "pause 300", "play /w/k2.pcap"]),
])
def test_a_call_is_set_up_does_its_actions_holds_and_hangs_up(actions, between):
    xml = caller_scenario(Caller("0812"), actions, hold_ms=4000)
    assert steps(xml) == [*CALL_SETUP, *between, "pause 4000", *HANG_UP]


def test_the_invite_offers_pcmu_and_key_presses_and_times_the_setup():
    xml = caller_scenario(Caller("0812"), [], hold_ms=0)
    invite = ET.fromstring(xml).find("send")
    assert invite is not None and invite.get("start_rtd") == "setup"
    assert ET.fromstring(xml).findall("recv")[3].get("rtd") == "setup"
    body = message(xml, 0)
    assert "m=audio [media_port] RTP/AVP 0 101" in body
    assert "a=rtpmap:0 PCMU/8000" in body and "a=rtpmap:101 telephone-event/8000" in body
    assert "Content-Length: [len]" in body


def test_requests_in_the_dialog_carry_the_callers_number_and_asterisks_tag():
    xml = caller_scenario(Caller("08191[call_number]", name="Bench"), [], 0, name="bench-112")
    assert ET.fromstring(xml).get("name") == "bench-112"
    invite, ack, bye = (message(xml, i) for i in range(3))
    for sent in (invite, ack, bye):
        assert 'From: "Bench" <sip:08191[call_number]@[local_ip]:[local_port]>;tag=' in sent
    assert "[peer_tag_param]" not in invite
    assert "[peer_tag_param]" in ack and "CSeq: 1 ACK" in ack
    assert "[peer_tag_param]" in bye and "CSeq: 2 BYE" in bye and "Content-Length: 0" in bye


@pytest.mark.parametrize("answer_after_ms", [0, 1000, 6000])
def test_the_operators_phone_rings_answers_and_waits_for_the_bye(answer_after_ms):
    xml = operator_scenario(answer_after_ms)
    assert steps(xml) == ["recv INVITE", "send 180", f"pause {answer_after_ms}", "send 200",
                          "recv ACK", "recv BYE", "send 200"]
    answer = message(xml, 1)
    assert "[last_To:];tag=[pid]SIPpOp[call_number]" in answer
    assert "a=rtpmap:0 PCMU/8000" in answer and "o=operator" in answer
    assert ";tag=" not in message(xml, 2)  # the BYE's To already carries the phone's tag
