"""Two Asterisk nodes behind Kamailio on this machine (README "Cluster"), end to end.

Each node is a whole `ivr run` in its own network namespace (10.77.0.2, 10.77.0.3) sharing one
PostgreSQL and one redis; Kamailio (10.77.0.1:5060) spreads SIPp callers over them, takes a
node whose Asterisk was killed out within 5 s, and is the operators' registrar.
"""

from __future__ import annotations

import dataclasses
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cluster_stack import FRONT_ADDRESS, Cluster, ClusterNode
from hotline import (
    free_tcp_and_udp_port,
    media_port,
    on_shift_now,
    queue_members,
    run_ivr,
    wait_until,
)
from sipp import Step
from sipp_operator import OperatorPhone

from ivr.roster.model import Assignment, Operator, Skills
from ivr.roster.store import RosterStore, roster_path

pytestmark = [pytest.mark.integration, pytest.mark.solo]

FULL = os.environ.get("CLUSTER_FULL") == "1"  # make cluster: the longer form
CALLS = 20 if FULL else 4  # callers before the kill (half on each node), and as many after
HOLD_MS = 60_000 if FULL else 25_000
# Callbacks of abandoned 112 calls, made short: the first try 1 s after, 1 try of 5 s, all
# the dead node's callers at once.
CALLBACKS = {"IVR_CALLBACK_FIRST_AFTER": "1", "IVR_CALLBACK_EVERY": "2",
             "IVR_CALLBACK_TRIES": "1", "IVR_CALLBACK_RING": "5",
             "IVR_OUTBOUND_MAX_IN_FLIGHT": str(CALLS)}
OPERATOR, SKILLS = "ani", "police fire ambulance lang:id"
# An operator whose phone registers with Kamailio only (no fixed contact): the 12345 queue.
ROAMER, ROAMER_SKILLS = "budi", "lang:id"  # every operator on shift serves 12345
ROAMER_PASSWORD = "sip-secret-budi-1"


def phone_ports() -> tuple[int, int]:
    """A SIP and a media port free now (picked when the cluster starts, not at collection:
    in the whole suite that is many minutes earlier, and the ports may be taken by then)."""
    return free_tcp_and_udp_port(), media_port()


CITIZEN_PORTS: tuple[int, int] = (0, 0)
PHONE_PORTS: tuple[int, int] = (0, 0)
ROAMER_PORTS: tuple[int, int] = (0, 0)


def operator_on_shift(data_dir: Path) -> None:
    """Every node's roster: `ani` on shift in the 112 queues, her phone on the bridge (a fixed
    contact); `budi` on shift in the 12345 queue, his phone registering with Kamailio."""
    on_shift_now(data_dir, OPERATOR, SKILLS, f"sip:{OPERATOR}@{FRONT_ADDRESS}:{PHONE_PORTS[0]}")
    store = RosterStore(roster_path(data_dir))
    roster = store.load()
    skills = Skills.parse(ROAMER_SKILLS)
    first = roster.assignments[0]
    store.save(dataclasses.replace(
        roster, operators={**roster.operators,
                           ROAMER: Operator(ROAMER, ROAMER_PASSWORD, "Budi", skills)},
        assignments=(*roster.assignments,
                     Assignment(first.day, ROAMER, first.shift, skills))))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    # The surge (every operator offered a 112 caller waiting 10 s, pauses lifted) is off: it
    # would lift the arbiter's pauses too (README "Cluster", limits).
    global CITIZEN_PORTS, PHONE_PORTS, ROAMER_PORTS
    CITIZEN_PORTS, PHONE_PORTS, ROAMER_PORTS = phone_ports(), phone_ports(), phone_ports()
    stack = Cluster(tmp_path_factory.mktemp("cluster"), prepare=operator_on_shift,
                    IVR_OUTBOUND_TRUNK=f"{FRONT_ADDRESS}:{CITIZEN_PORTS[0]}",
                    IVR_EMERGENCY_SURGE_AFTER="600", **CALLBACKS)
    try:
        stack.start()
        yield stack
    finally:
        stack.close()


@pytest.fixture
def citizen(calls_dir: Path) -> Iterator[OperatorPhone]:
    """The citizens' phones the outbound trunk rings (one SIPp that never answers)."""
    phone = OperatorPhone("citizen", *CITIZEN_PORTS, calls_dir, answers=False,
                          address=FRONT_ADDRESS)
    phone.start(calls=2 * CALLS, at_once=2 * CALLS)
    yield phone
    phone.stop()


def pause_everywhere(cluster: Cluster, reason: str) -> None:
    """`ani` paused on every node with ``reason`` ("cluster": handed to the arbiter)."""
    for node in cluster.nodes:
        run_ivr(node, "operator", "pause", OPERATOR, "--reason", reason)
    for node in cluster.nodes:
        wait_until(lambda n=node: queue_members(n)["emergency"][OPERATOR]["paused"], 10,
                   f"{OPERATOR} paused on {node.net.name}")


def calls_at_once(phone: OperatorPhone) -> int:
    """The most calls the phone had at once, from its SIP trace (INVITE in, until a BYE)."""
    text = phone.trace.read_text(errors="replace") if phone.trace.exists() else ""
    active: set[str] = set()
    most = 0
    for block in re.split(r"^-{10,}.*$", text, flags=re.MULTILINE):
        call_id = re.search(r"^Call-ID:\s*(\S+)", block, re.MULTILINE | re.IGNORECASE)
        if call_id is None:
            continue
        if re.search(r"^INVITE sip:", block, re.MULTILINE):
            active.add(call_id.group(1))
        elif re.search(r"^BYE sip:", block, re.MULTILINE) or re.search(
                r"^SIP/2.0 [3-6]\d\d", block, re.MULTILINE) or re.search(
                r"^CANCEL sip:", block, re.MULTILINE):
            active.discard(call_id.group(1))
        most = max(most, len(active))
    return most


def test_one_operator_is_offered_the_longest_waiting_caller_of_any_node_one_at_a_time(
        cluster: Cluster, calls_dir: Path) -> None:
    pause_everywhere(cluster, "test")  # callers gather while she is away
    callers = [f"08120000{n:02d}" for n in range(3)]
    calls = []
    for caller in callers:
        calls.append(cluster.call("112", caller, [Step(0)], HOLD_MS, calls_dir))
        wait_until(lambda c=caller: cluster.node_of(c), 15, f"{caller} waiting on a node")
        time.sleep(1.0)
    where = {c: cluster.node_of(c) for c in callers}
    assert len(set(where.values())) == 2, where
    phone = OperatorPhone(OPERATOR, *PHONE_PORTS, calls_dir, answer_after_ms=500,
                          hangs_up_after_ms=1500, address=FRONT_ADDRESS)
    phone.start(calls=len(callers))
    try:
        pause_everywhere(cluster, "cluster")  # back, and handed to the arbiter
        wait_until(lambda: len(phone.offered()) >= len(callers), 60,
                   f"{OPERATOR} offered every caller: {phone.offered()}",
                   why=lambda: why_not_offered(cluster, phone))
        assert phone.offered() == callers, (where, phone.offered())
        assert calls_at_once(phone) == 1
        # The arbiter moved her from node to node a few times, it did not flap.
        moved = cluster.arbiter_log().count("offered calls by")
        assert moved <= 2 * len(callers) + 2, cluster.arbiter_log()
    finally:
        phone.stop()
        pause_everywhere(cluster, "test")  # the next test's callers wait
        for call in calls:
            call.kill()


def why_not_offered(cluster: Cluster, phone: OperatorPhone) -> str:
    """What a failed wait for the operator's offers shows: her phone's own log, each node's
    view of her, and the arbiter's last words."""
    phone_log = phone.workdir / f"phone-{phone.username}.log"
    seen = {node.net.name: {queue: members.get(OPERATOR) for queue, members
                            in queue_members(node).items() if queue.startswith("emergency")}
            for node in cluster.nodes}
    said = phone_log.read_text(errors="replace")[-1500:] if phone_log.exists() else ""
    return (f"phone alive: {phone.process is not None and phone.process.poll() is None}; "
            f"phone log: {said}\n"
            f"members: {seen}\narbiter: {cluster.arbiter_log()[-3000:]}")


def kamailio_says(cluster: Cluster, line: str) -> int:
    return cluster.kamailio_log().count(line)


def test_an_operator_s_phone_registers_with_kamailio_and_answers_a_call_from_a_node(
        cluster: Cluster, calls_dir: Path) -> None:
    # A wrong password is refused by Kamailio (digest against the roster's HA1).
    intruder = OperatorPhone(ROAMER, *ROAMER_PORTS, calls_dir,
                             registers=(5060, "not-the-password"), address=FRONT_ADDRESS)
    intruder.start()
    assert intruder.process is not None and intruder.process.wait(timeout=30) != 0
    assert intruder.refused().startswith("SIP/2.0 403"), intruder.trace.read_text()
    assert not intruder.registered()
    intruder.trace.rename(intruder.trace.with_suffix(".refused.log"))

    # budi, on shift, serves the 112 queues too: no caller an earlier test left there.
    left = [number for node in cluster.nodes for number in node.hang_up_waiting()]
    print(f"hung up {len(left)} caller(s) left waiting by earlier tests: {left}")
    # A 12345 caller lands on a node; the node rings budi at Kamailio, who has no phone for
    # him yet: 404 back to the node, the caller keeps waiting, nobody else is rung.
    caller = "0815000001"
    refusals = {net.name: f"INVITE from node {net.address} to {ROAMER}: not registered"
                for net in cluster.nets}
    before = {name: kamailio_says(cluster, line) for name, line in refusals.items()}
    call = cluster.call("12345", caller, [Step(1500, "1"), Step(2000, "0")], 60_000, calls_dir)
    try:
        node = wait_until(lambda: cluster.node_of(caller), 20, f"{caller} waiting on a node")
        # (app_queue first tells the caller their place, ~7 s, then rings budi)
        wait_until(lambda: kamailio_says(cluster, refusals[node]) > before[node], 25,
                   f"{node}'s INVITE to {ROAMER} for {caller} refused by Kamailio")
        assert cluster.node_of(caller) == node
        assert not kamailio_says(cluster, f"to {ROAMER} at "), cluster.kamailio_log()

        phone = OperatorPhone(ROAMER, *ROAMER_PORTS, calls_dir, answer_after_ms=500,
                              registers=(5060, ROAMER_PASSWORD), address=FRONT_ADDRESS)
        phone.start()
        try:
            wait_until(phone.registered, 10, f"{ROAMER}'s phone registered with Kamailio")
            registered_at = time.monotonic()
            wait_until(lambda: answered(phone, caller), 30,
                       f"{ROAMER}'s phone offered and answered {caller}")
            wait_until(lambda: cluster.node_of(caller) is None, 10,
                       f"{caller} out of {node}'s queue")
            assert call.poll() is None  # talking to budi, not hung up
            print(f"{ROAMER} answered {caller} on {node} "
                  f"{time.monotonic() - registered_at:.1f} s after registering")
            assert kamailio_says(cluster, f"to {ROAMER} at sip:{ROAMER}@{FRONT_ADDRESS}:"
                                 f"{ROAMER_PORTS[0]}"), cluster.kamailio_log()
        finally:
            phone.stop()
            cluster.kamcmd("ul.rm", "location", ROAMER)  # his phone is gone
    finally:
        call.kill()


def answered(phone: OperatorPhone, caller: str) -> bool:
    """The phone was offered ``caller``'s call, answered it, and the node took the answer
    (its ACK to the phone's 200 OK reached the phone)."""
    text = phone.trace.read_text(errors="replace") if phone.trace.exists() else ""
    offered, acked = set(), set()
    for block in re.split(r"^-{10,}.*$", text, flags=re.MULTILINE):
        call_id = re.search(r"^Call-ID:\s*(\S+)", block, re.MULTILINE | re.IGNORECASE)
        if "received" not in block or call_id is None:
            continue
        if re.search(r"^INVITE sip:", block, re.MULTILINE) and re.search(
                rf"^From:[^<]*<sip:{caller}@", block, re.MULTILINE | re.IGNORECASE):
            offered.add(call_id.group(1))
        elif re.search(r"^ACK sip:", block, re.MULTILINE):
            acked.add(call_id.group(1))
    return bool(offered & acked)


def board_shows(node: ClusterNode, where: dict[str, str], dead: str = ""
                ) -> dict[str, Any] | None:
    """The node's wallboard (its default scope: the cluster) when this test's callers waiting
    in it (0813...) are exactly ``where`` (caller -> node), and ``dead`` is listed as not
    alive."""
    status, body = node.get("/api/v1/wallboard")
    if status != 200 or body.get("scope") != "cluster":
        return None
    shown = {c["caller_number"]: c["node"] for q in body["queues"] for c in q["callers"]
             if c["caller_number"].startswith("0813")}
    alive = {n["name"]: n["alive"] for n in body["nodes"]}
    if shown != where or (dead and alive.get(dead) is not False):
        return None
    return dict(body)


def incidents(node: ClusterNode, caller: str) -> list[dict[str, Any]]:
    status, body = node.get(f"/api/v1/incidents?caller={caller}")
    assert status == 200, body
    return list(body["incidents"])


def test_spread_over_two_nodes_a_dead_node_out_within_5_s_its_112_callers_called_back(
        cluster: Cluster, citizen: OperatorPhone, calls_dir: Path) -> None:
    callers = [f"08130000{n:02d}" for n in range(CALLS)]
    calls = [cluster.call("112", caller, [Step(0)], HOLD_MS, calls_dir) for caller in callers]
    where = {c: wait_until(lambda c=c: cluster.node_of(c), 15, f"{c} waiting on a node")
             for c in callers}
    spread = [list(where.values()).count(node.net.name) for node in cluster.nodes]
    assert spread == [CALLS // 2, CALLS // 2], where

    victim, survivor = cluster.nodes
    # One wallboard over both nodes, read from node-b's web service: every caller, with
    # the node they wait on; each operator once.
    board = wait_until(lambda: board_shows(survivor, where), 10,
                       f"node-b's cluster wallboard shows {where}")
    assert [(n["name"], n["alive"]) for n in board["nodes"]] == [
        ("node-a", True), ("node-b", True)], board["nodes"]
    names = [o["name"] for o in board["operators"]]
    assert sorted(names) == sorted(set(names)) and OPERATOR in names, board["operators"]
    assert board_shows(victim, where)  # node-a's shows the same
    stranded = sorted(c for c, node in where.items() if node == victim.net.name)
    victim.kill_asterisk()
    killed_at = time.monotonic()
    wait_until(lambda: cluster.dispatcher().get(victim.sip_uri, "A").startswith("I"), 5,
               f"{victim.net.name} inactive in Kamailio's dispatcher")
    print(f"{victim.net.name} out of the dispatcher {time.monotonic() - killed_at:.1f} s "
          f"after its Asterisk was killed")
    assert cluster.dispatcher()[survivor.sip_uri].startswith("A")
    # The dead node's board is dropped from the cluster wallboard, not shown stale.
    still = {c: n for c, n in where.items() if n == survivor.net.name}
    board = wait_until(lambda: board_shows(survivor, still, dead=victim.net.name), 10,
                       f"{victim.net.name} dropped from node-b's cluster wallboard")
    print(f"{victim.net.name} dropped from the wallboard {time.monotonic() - killed_at:.1f} s "
          "after the kill")

    later = [f"08140000{n:02d}" for n in range(CALLS)]
    after = [cluster.call("112", caller, [Step(0)], 3_000, calls_dir) for caller in later]
    for caller in later:
        node = wait_until(lambda c=caller: cluster.node_of(c), 15, f"{caller} answered")
        assert node == survivor.net.name, cluster.kamailio_log()
    assert [call.wait(timeout=30) for call in after] == [0] * len(after)

    # The 112 callers who were waiting on the dead node: called back from the survivor (as
    # are the later callers who hung up there before an answer), never those still waiting.
    wait_until(lambda: set(stranded) <= set(citizen.dialled()), 60 if FULL else 20,
               f"callbacks to {stranded}: {citizen.dialled()}")
    print(f"callbacks of {stranded} rang {time.monotonic() - killed_at:.1f} s after the kill")
    still_waiting = {c for c, node in where.items() if node == survivor.net.name}
    assert not still_waiting & set(citizen.dialled()), citizen.dialled()
    for caller in stranded:
        incident = wait_until(lambda c=caller: next(
            (i for i in incidents(survivor, c) if i["state"] == "abandoned" and i["callbacks"]),
            None), 15, f"{caller}'s incident abandoned with its callback")
        assert incident["unique_id"].startswith(victim.net.name + "-"), incident
    for call in calls:
        call.kill()
