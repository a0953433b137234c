"""Two Asterisk nodes behind Kamailio on this machine (README "Cluster"), end to end.

Each node is a whole `ivr run` in its own network namespace (10.77.0.2, 10.77.0.3) sharing one
PostgreSQL and one redis; Kamailio (10.77.0.1:5060) spreads SIPp callers over them and takes a
node whose Asterisk was killed out within 5 s.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cluster_stack import FRONT_ADDRESS, Cluster, ClusterNode
from hotline import _media_port, free_tcp_and_udp_port, wait_until
from sipp import Step
from sipp_operator import OperatorPhone

pytestmark = pytest.mark.integration

FULL = os.environ.get("CLUSTER_FULL") == "1"  # make cluster: the longer form
CALLS = 20 if FULL else 4  # callers before the kill (half on each node), and as many after
HOLD_MS = 60_000 if FULL else 25_000
# Callbacks of abandoned 112 calls, made short: the first try 1 s after, 1 try of 5 s, all
# the dead node's callers at once.
CALLBACKS = {"IVR_CALLBACK_FIRST_AFTER": "1", "IVR_CALLBACK_EVERY": "2",
             "IVR_CALLBACK_TRIES": "1", "IVR_CALLBACK_RING": "5",
             "IVR_OUTBOUND_MAX_IN_FLIGHT": str(CALLS)}
CITIZEN_PORTS = (free_tcp_and_udp_port(), _media_port())


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    stack = Cluster(tmp_path_factory.mktemp("cluster"),
                    IVR_OUTBOUND_TRUNK=f"{FRONT_ADDRESS}:{CITIZEN_PORTS[0]}", **CALLBACKS)
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
    stranded = sorted(c for c, node in where.items() if node == victim.net.name)
    victim.kill_asterisk()
    killed_at = time.monotonic()
    wait_until(lambda: cluster.dispatcher().get(victim.sip_uri, "A").startswith("I"), 5,
               f"{victim.net.name} inactive in Kamailio's dispatcher")
    print(f"{victim.net.name} out of the dispatcher {time.monotonic() - killed_at:.1f} s "
          f"after its Asterisk was killed")
    assert cluster.dispatcher()[survivor.sip_uri].startswith("A")

    later = [f"08140000{n:02d}" for n in range(CALLS)]
    after = [cluster.call("112", caller, [Step(0)], 3_000, calls_dir) for caller in later]
    for caller in later:
        node = wait_until(lambda c=caller: cluster.node_of(c), 15, f"{caller} answered")
        assert node == survivor.net.name, cluster.kamailio_log()
    assert [call.wait(timeout=30) for call in after] == [0] * len(after)

    # The 112 callers who were waiting on the dead node: called back from the survivor.
    wait_until(lambda: sorted(set(citizen.dialled())) == stranded, 60 if FULL else 20,
               f"callbacks to {stranded}: {citizen.dialled()}")
    print(f"callbacks of {stranded} rang {time.monotonic() - killed_at:.1f} s after the kill")
    for caller in stranded:
        incident = wait_until(lambda c=caller: next(
            (i for i in incidents(survivor, c) if i["state"] == "abandoned" and i["callbacks"]),
            None), 15, f"{caller}'s incident abandoned with its callback")
        assert incident["unique_id"].startswith(victim.net.name + "-"), incident
    for call in calls:
        call.kill()
