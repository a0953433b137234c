"""Virtual hold on the live stack (`ivr run` with Asterisk, redis and the database), through
real calls: one operator (a SIPp phone) is busy with a first caller; three more 12345 callers
reach the queue and are offered virtual hold (the expected wait is over IVR_VHOLD_AFTER). The
second presses 1 and hangs up; their place waits in the queue, shown on the board as virtual,
between the other two. The operator answers the first waiting caller, then the second's
place: the second is called back (a SIPp citizen phone behind the outbound trunk) from 12345,
once, before the third caller is answered; the reports count the offers and the callback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hotline import (
    Hotline,
    free_tcp_and_udp_port,
    media_port,
    on_shift_now,
    wait_for_members,
    wait_until,
)
from sipp import Step
from sipp_operator import OperatorPhone

pytestmark = pytest.mark.integration

OPERATOR = "budi"
BUSY, FIRST, SECOND, THIRD = "081288800100", "081288800101", "081288800102", "081288800103"
TO_OPERATOR = [Step(1500, "1"), Step(2000, "0")]  # Indonesian; an operator


@pytest.fixture(scope="module")
def ports() -> dict[str, tuple[int, int]]:
    return {name: (free_tcp_and_udp_port(), media_port()) for name in ("operator", "citizen")}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory,
          ports: dict[str, tuple[int, int]]) -> Iterator[Hotline]:
    data_dir = tmp_path_factory.mktemp("virtual-hold")
    on_shift_now(data_dir, OPERATOR, "lang:id",
                 f"sip:{OPERATOR}@127.0.0.1:{ports['operator'][0]}")
    hotline = Hotline(data_dir, IVR_OUTBOUND_TRUNK=f"127.0.0.1:{ports['citizen'][0]}",
                      IVR_VHOLD_AFTER="10", IVR_VHOLD_RETRY_AFTER="5")
    hotline.start()
    wait_for_members(hotline, "hotline", {OPERATOR}, 15)
    yield hotline
    hotline.stop()


def callbacks_report(stack: Hotline) -> list[dict[str, Any]]:
    status, body = stack.get("/api/v1/reports/callbacks")
    assert status == 200, body
    return list(body["lines"])


def line(stack: Hotline) -> list[tuple[str, bool]]:
    """Who waits in `hotline`, in order, and whether each is a virtual-hold place."""
    return [(c["caller_number"], c.get("virtual", False)) for c in stack.waiting()["hotline"]]


def test_a_virtual_caller_keeps_the_place_and_is_called_back_once_in_turn(
        stack: Hotline, ports: dict[str, tuple[int, int]], tmp_path: Path) -> None:
    operator = OperatorPhone(OPERATOR, *ports["operator"], tmp_path, answer_after_ms=500)
    citizen = OperatorPhone("citizen", *ports["citizen"], tmp_path, answer_after_ms=1000,
                            hangs_up_after_ms=4000)
    operator.start(calls=6)
    citizen.start(calls=3, at_once=2)
    calls = []
    try:
        # The operator is busy with the first caller for about 45 s (no offer: they were free).
        calls.append(stack.call("12345", BUSY, TO_OPERATOR, 45_000, tmp_path))
        wait_until(lambda: operator.offered() == [BUSY], 20, "the operator busy")
        # Each of the next three hears the offer (about 7 s, then 5 s for a key).
        calls.append(stack.call("12345", FIRST, TO_OPERATOR, 60_000, tmp_path))
        wait_until(lambda: line(stack) == [(FIRST, False)], 30, "the first one waiting")
        calls.append(stack.call("12345", SECOND, [*TO_OPERATOR, Step(4000, "1")], 2000,
                                tmp_path))
        wait_until(lambda: line(stack) == [(FIRST, False), (SECOND, True)], 30,
                   "the second one's place behind the first")
        calls.append(stack.call("12345", THIRD, TO_OPERATOR, 120_000, tmp_path))
        waiting = wait_until(lambda: [c for c in line(stack) if c[0] == THIRD] and line(stack),
                             30, "the third one waiting")
        assert waiting[-2:] == [(SECOND, True), (THIRD, False)], waiting  # behind the place
        assert calls[2].wait(timeout=30) == 0  # the second caller hung up

        # The busy call ends; after the wrap-up the operator answers the first, then the
        # second's place: the citizen is called back from 12345; then the third.
        wait_until(lambda: len(operator.offered()) >= 4, 300, "four calls offered")
        assert operator.offered() == [BUSY, FIRST, SECOND, THIRD]
        assert citizen.dialled() == [SECOND]  # once
        assert citizen.offered() == ["12345"]  # the hotline's number on the citizen's phone
        for call in (calls[0], calls[1]):
            assert call.wait(timeout=150) == 0
        # The reports count the three offers, the one taken and reached on its first try.
        held = wait_until(lambda: next((x for x in callbacks_report(stack)
                                        if x["kind"] == "12345 virtual hold"
                                        and x["reached"]), None), 20, "the report's line")
        assert {k: held[k] for k in ("offered", "accepted", "reached", "unreached", "tries")} \
            == {"offered": 3, "accepted": 1, "reached": 1, "unreached": 0, "tries": 1}
    finally:
        for call in calls:
            if call.poll() is None:
                call.terminate()
        operator.stop()
        citizen.stop()
