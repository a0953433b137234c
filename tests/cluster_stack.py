"""A two-node hotline cluster on this one machine, for the cluster tests (README "Cluster").

- A bridge ``hlbr0`` with 10.77.0.1/24 in the root namespace; each node is a network namespace
  (``ip netns``) with a veth into the bridge and its own address (10.77.0.2, 10.77.0.3, ...).
- Shared parts on the bridge address: one PostgreSQL (a throwaway cluster, initdb/pg_ctl) and
  one redis (each node keeps its live state in its own redis database number).
- Each node is a whole ``ivr run`` (Asterisk, FastAGI, AMI, roster, web) started with
  ``ip netns exec``, listening on its own address.
- Kamailio in the root namespace on 10.77.0.1:5060 spreads new calls over the nodes, and is
  the operators' registrar (their phone accounts from the first node's roster): every node
  reaches an operator without a fixed contact at sip:USER@10.77.0.1:5060.

Everything is removed by ``Cluster.close()``: processes, namespaces, links, folders.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hotline import Hotline, free_port, free_tcp_and_udp_port, media_port
from sipp import Step, start_call
from tickets_pg import PostgresServer, pg_bin_dir

from ivr.cluster.kamailio import (
    Front,
    Node,
    answers_options,
    dispatcher_state,
    kamailio_command,
    render_kamailio,
    roster_phones,
)
from ivr.roster.store import roster_path

SUBNET = "10.77.0"
FRONT_ADDRESS = f"{SUBNET}.1"
BRIDGE = "hlbr0"
SIP_PORT = 5060


@dataclass(frozen=True)
class NodeNet:
    """One node's network namespace and the veth pair that links it to the bridge."""

    name: str  # node-a
    address: str  # 10.77.0.2

    @property
    def netns(self) -> str:
        return f"hl-{self.name}"

    @property
    def host_veth(self) -> str:
        return f"hlv-{self.name[-1]}"


def ip(*words: str, check: bool = True) -> None:
    subprocess.run(["ip", *words], check=check, capture_output=True, timeout=20)


def remove_network(nodes: list[NodeNet]) -> None:
    """Take the namespaces and links down (no error when they are already gone)."""
    for node in nodes:
        ip("netns", "del", node.netns, check=False)
        ip("link", "del", node.host_veth, check=False)
    ip("link", "del", BRIDGE, check=False)


def make_network(nodes: list[NodeNet]) -> None:
    remove_network(nodes)  # leftovers of a run that was killed
    ip("link", "add", BRIDGE, "type", "bridge")
    ip("addr", "add", f"{FRONT_ADDRESS}/24", "dev", BRIDGE)
    ip("link", "set", BRIDGE, "up")
    for node in nodes:
        inside = f"{node.host_veth}n"
        ip("netns", "add", node.netns)
        ip("link", "add", node.host_veth, "type", "veth", "peer", "name", inside)
        ip("link", "set", inside, "netns", node.netns)
        ip("link", "set", node.host_veth, "master", BRIDGE, "up")
        ip("-n", node.netns, "addr", "add", f"{node.address}/24", "dev", inside)
        ip("-n", node.netns, "link", "set", inside, "up")
        ip("-n", node.netns, "link", "set", "lo", "up")


class ClusterNode(Hotline):
    """A node: `ivr run` inside its namespace, every service on the node's address."""

    def __init__(self, net: NodeNet, data_dir: Path, shared: dict[str, str],
                 **overrides: str) -> None:
        super().__init__(data_dir, **{
            "IVR_NODE_NAME": net.name, "IVR_SIP_HOST": net.address,
            "IVR_SIP_PORT": str(SIP_PORT), "IVR_TRUNK_MATCH": FRONT_ADDRESS,
            "IVR_AMI_HOST": net.address, "IVR_AMI_PERMIT": FRONT_ADDRESS,
            "IVR_WEB_HOST": net.address, "IVR_RESTART_SERVICES": "no",
            "IVR_OPERATOR_PROXY": f"sip:{FRONT_ADDRESS}:{SIP_PORT}",
            "IVR_TICKET_NUMBER_PREFIX": str(ord(net.name[-1]) - ord("a") + 1),
            **shared, **overrides})
        self.ports["sip"] = SIP_PORT
        self.net = net
        self.launcher = ["ip", "netns", "exec", net.netns]

    @property
    def sip_uri(self) -> str:
        return Node(self.net.name, self.net.address, SIP_PORT).sip_uri

    def asterisk_pid(self) -> int | None:
        """The pid of this node's Asterisk (found by the node's data folder in its environment)."""
        marker = f"IVR_DATA_DIR={self.data_dir}".encode()
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                env = (proc / "environ").read_bytes().split(b"\0")
                argv = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if marker in env and argv[0].endswith(b"asterisk") and b"-C" in argv:
                return int(proc.name)
        return None

    def hang_up_waiting(self) -> list[str]:
        """Hang up every caller waiting in this node's queues (callers an earlier test left:
        a killed SIPp sends no BYE); returns their numbers. Through AMI, as the console's
        user (write class ``call``)."""
        entries = [e for e in self.asterisk_queue_status() if e.get("Event") == "QueueEntry"]
        if not entries:
            return []
        secret = (self.data_dir / "secrets" / "ami_secret").read_text().strip()
        actions = "".join(f"Action: Hangup\r\nChannel: {e['Channel']}\r\n\r\n" for e in entries)
        with socket.create_connection((self.net.address, self.ports["ami"]), timeout=5) as link:
            link.sendall((f"Action: Login\r\nUsername: hotline-console\r\nSecret: {secret}"
                          f"\r\n\r\n{actions}Action: Logoff\r\n\r\n").encode())
            while link.recv(65536):
                pass
        return [e.get("CallerIDNum", "") for e in entries]

    def kill_asterisk(self) -> None:
        pid = self.asterisk_pid()
        assert pid is not None, f"no Asterisk running on {self.net.name}"
        os.kill(pid, signal.SIGKILL)

    def close(self) -> None:
        """Wait for `ivr run` to stop (Ctrl-C already sent); killed after 30 s."""
        if self.process is None:
            return
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Cluster:
    def __init__(self, folder: Path, nodes: int = 2,
                 prepare: Callable[[Path], None] | None = None, **node_settings: str) -> None:
        """``prepare(data_dir)`` runs for each node before it starts (e.g. writes a roster)."""
        self.folder = folder
        self.prepare = prepare
        self.arbiter: subprocess.Popen[bytes] | None = None
        self.nets = [NodeNet(f"node-{chr(ord('a') + i)}", f"{SUBNET}.{i + 2}")
                     for i in range(nodes)]
        self.node_settings = node_settings
        self.nodes: list[ClusterNode] = []
        self.postgres: PostgresServer | None = None
        self.redis: subprocess.Popen[bytes] | None = None
        self.kamailio: subprocess.Popen[bytes] | None = None
        self.redis_port = free_port()

    def start(self) -> None:
        make_network(self.nets)
        bindir = pg_bin_dir()
        assert bindir is not None, "PostgreSQL is not installed (scripts/setup-host.sh does it)"
        self.postgres = PostgresServer(bindir, listen=FRONT_ADDRESS, clients=f"{SUBNET}.0/24")
        self.postgres.start()
        database = self.postgres.new_database()
        self.redis = subprocess.Popen(
            ["redis-server", "--port", str(self.redis_port), "--bind", FRONT_ADDRESS,
             "--protected-mode", "no", "--save", "", "--appendonly", "no"],
            stdout=open(self.folder / "redis.log", "wb"), stderr=subprocess.STDOUT)  # noqa: SIM115
        for index, net in enumerate(self.nets):
            shared = {"IVR_DATABASE_URL": database,
                      "IVR_REDIS_URL": f"{self.redis_url}/{index + 1}",
                      "IVR_CLUSTER_REDIS_URL": f"{self.redis_url}/0"}
            node = ClusterNode(net, self.folder / net.name, shared, **self.node_settings)
            self.nodes.append(node)
        for node in self.nodes:
            if self.prepare is not None:
                self.prepare(node.data_dir)
        self.start_kamailio()
        with ThreadPoolExecutor(len(self.nodes)) as starting:  # the nodes start side by side
            list(starting.map(ClusterNode.start, self.nodes))
        self.arbiter = subprocess.Popen(
            [sys.executable, "-m", "ivr.cluster", "arbiter",
             *[f"--node={node.net.name}={node.env['IVR_REDIS_URL']}" for node in self.nodes]],
            stdout=open(self.folder / "arbiter.log", "wb"), stderr=subprocess.STDOUT)  # noqa: SIM115

    @property
    def redis_url(self) -> str:
        return f"redis://{FRONT_ADDRESS}:{self.redis_port}"

    def start_kamailio(self) -> None:
        run_dir = self.folder / "kamailio"
        nodes = [Node(net.name, net.address, SIP_PORT) for net in self.nets]
        roster = roster_path(self.nodes[0].data_dir) if self.nodes else None
        phones = roster_phones(roster) if roster is not None and roster.exists() else {}
        config = render_kamailio(Front(FRONT_ADDRESS, SIP_PORT), nodes, run_dir, phones=phones)
        self.kamailio = subprocess.Popen(
            kamailio_command(config, run_dir), stdout=open(run_dir / "kamailio.log", "wb"),  # noqa: SIM115
            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 10
        while not answers_options(Front(FRONT_ADDRESS, SIP_PORT)):
            assert self.kamailio.poll() is None, (run_dir / "kamailio.log").read_text()
            assert time.monotonic() < deadline, "Kamailio did not start"
            time.sleep(0.1)

    def dispatcher(self) -> dict[str, str]:
        """Kamailio's dispatcher: node SIP URI -> flags (AP active, IP out)."""
        return dispatcher_state(self.folder / "kamailio")

    def kamcmd(self, *words: str) -> str:
        """A command to Kamailio over its control socket (e.g. ``ul.rm location budi``)."""
        done = subprocess.run(["kamcmd", "-s", f"unix:{self.folder / 'kamailio'}/kamailio_ctl",
                               *words], capture_output=True, text=True, timeout=10)
        return done.stdout + done.stderr

    def arbiter_log(self) -> str:
        return (self.folder / "arbiter.log").read_text(errors="replace")

    def kamailio_log(self) -> str:
        return (self.folder / "kamailio" / "kamailio.log").read_text(errors="replace")

    def close(self) -> None:
        """Stop everything and remove the network, whatever state the start left."""
        if self.arbiter is not None and self.arbiter.poll() is None:
            self.arbiter.terminate()
            self.arbiter.wait(timeout=10)
        for node in self.nodes:  # Ctrl-C to every node first: they stop side by side
            if node.process is not None and node.process.poll() is None:
                node.process.send_signal(signal.SIGINT)
        for node in self.nodes:
            with contextlib.suppress(Exception):
                node.close()
        if self.kamailio is not None and self.kamailio.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.kamailio.pid, signal.SIGTERM)
            try:
                self.kamailio.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.kamailio.pid, signal.SIGKILL)
        if self.redis is not None:
            self.redis.terminate()
            self.redis.wait(timeout=10)
        if self.postgres is not None:
            self.postgres.remove()
        remove_network(self.nets)

    # -- callers through Kamailio ------------------------------------------------------------

    def call(self, number: str, caller: str, steps: list[Step], hold_ms: int,
             workdir: Path) -> subprocess.Popen[bytes]:
        return start_call(workdir, SIP_PORT, number, caller, steps, hold_ms,
                          local_port=front_port(free_tcp_and_udp_port),
                          media_port=front_port(media_port, span=3),
                          host=FRONT_ADDRESS, routed=True)

    def node_of(self, caller: str) -> str | None:
        """The node where ``caller`` waits in a queue now, if any."""
        for node in self.nodes:
            if node.process is None or node.process.poll() is not None:
                continue
            if any(entry["caller_number"] == caller for entry in waiting(node)):
                return node.net.name
        return None


def front_port(pick: Callable[[], int], span: int = 1) -> int:
    """A port ``pick`` finds free on the loopback that is free on the bridge address too
    (with the ``span - 1`` after it): the callers' and phones' SIPp all listen there, and a
    port free on 127.0.0.1 may be taken on 10.77.0.1 ("Unable to bind main socket")."""
    while True:
        port = pick()
        try:
            for offset in range(span):
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                    udp.bind((FRONT_ADDRESS, port + offset))
            return port
        except OSError:
            continue


def waiting(node: ClusterNode) -> Iterator[dict[str, Any]]:
    status, body = node.get("/api/v1/queues")
    if status != 200:
        return iter(())
    return iter([entry for queue in body["queues"] for entry in queue["waiting"]])
