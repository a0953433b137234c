"""Two Asterisk nodes behind Kamailio on this machine (README "Cluster"), end to end.

Each node is a whole `ivr run` in its own network namespace (10.77.0.2, 10.77.0.3) sharing one
PostgreSQL and one redis; Kamailio (10.77.0.1:5060) spreads SIPp callers over them and takes a
node whose Asterisk was killed out within 5 s.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from cluster_stack import Cluster
from hotline import wait_until
from sipp import Step

pytestmark = pytest.mark.integration

HOLD_MS = 25_000


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    stack = Cluster(tmp_path_factory.mktemp("cluster"))
    try:
        stack.start()
        yield stack
    finally:
        stack.close()


def test_calls_are_spread_over_both_nodes_and_a_killed_node_is_out_within_5_s(
        cluster: Cluster, calls_dir: Path) -> None:
    callers = [f"08130000{n:02d}" for n in range(4)]
    calls = [cluster.call("112", caller, [Step(0)], HOLD_MS, calls_dir) for caller in callers]
    where = {c: wait_until(lambda c=c: cluster.node_of(c), 15, f"{c} waiting on a node")
             for c in callers}
    assert sorted(where.values()) == ["node-a", "node-a", "node-b", "node-b"], where

    victim, survivor = cluster.nodes
    victim.kill_asterisk()
    killed_at = time.monotonic()
    out = wait_until(lambda: cluster.dispatcher().get(victim.sip_uri, "A").startswith("I"), 5,
                     f"{victim.net.name} inactive in Kamailio's dispatcher")
    print(f"{victim.net.name} out of the dispatcher {time.monotonic() - killed_at:.1f} s "
          f"after its Asterisk was killed")
    assert out and cluster.dispatcher()[survivor.sip_uri].startswith("A")
    later = [f"08140000{n:02d}" for n in range(4)]
    after = []
    for caller in later:
        after.append(cluster.call("112", caller, [Step(0)], 5_000, calls_dir))
        time.sleep(0.5)
    for caller in later:
        node = wait_until(lambda c=caller: cluster.node_of(c), 10, f"{caller} answered")
        assert node == survivor.net.name, cluster.kamailio_log()
    assert [call.wait(timeout=60) for call in after] == [0] * len(after)
    assert time.monotonic() - killed_at < 15
    for call in calls:
        call.kill()
