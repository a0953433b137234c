"""The queue names are written once (ivr/queues.py); Asterisk's queues.conf matches them."""

from ivr.flows.store import queue_names
from ivr.queues import ALL_QUEUES, EMERGENCY, EMERGENCY_SERVICES, HOTLINE
from ivr.runtime.render import project_root


def test_queues_conf_defines_exactly_our_queues() -> None:
    conf = (project_root() / "asterisk_conf" / "queues.conf").read_text()
    assert queue_names(conf) == set(ALL_QUEUES)


def test_the_dialplan_falls_back_to_our_queue_names() -> None:
    dialplan = (project_root() / "dialplan" / "extensions.conf").read_text()
    assert f"={EMERGENCY})" in dialplan
    assert f"={HOTLINE})" in dialplan


def test_emergency_queues_come_first() -> None:
    assert ALL_QUEUES[: len(EMERGENCY_SERVICES) + 1] == (*EMERGENCY_SERVICES, EMERGENCY)
    assert ALL_QUEUES[-1] == HOTLINE
