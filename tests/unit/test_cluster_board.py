"""One wallboard over every node of a cluster (README "Cluster"): the merge (pure), the nodes'
board addresses in the cluster redis, the feed, and the wallboard API's scope."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from web_fixtures import ADMIN, FakeBoardSource, basic, settings_for

from ivr.ami.board import (
    AbandonedCall,
    Member,
    Offer,
    QueueBoard,
    QueueDay,
    QueueState,
    WaitingCaller,
)
from ivr.app import web_app
from ivr.cluster.board import ClusterBoards, NodeBoard, merge_boards, operator_nodes
from ivr.cluster.member import BOARDS_KEY, NODE_KEY, ClusterMember
from ivr.state import BOARD_KEY
from ivr.web.live import ClusterFeed
from ivr.web.wallboard import cluster_wallboard

NOW = 10_000.0


def member(name: str, *, paused: bool = False, reason: str = "", in_call: bool = False
           ) -> Member:
    return Member(f"PJSIP/{name}", name, "in use" if in_call else "idle", paused,
                  reason if paused else "", in_call, NOW - 60)


def caller(unique_id: str, number: str, waited_s: float) -> WaitingCaller:
    return WaitingCaller(unique_id, number, NOW - waited_s, arrived_at=NOW - waited_s)


def node_a() -> QueueBoard:
    """node-a: two fire callers, ani paused by the arbiter, bob talking to a caller."""
    return QueueBoard(
        queues={"fire": QueueState("fire", [caller("node-a-1.1", "0811", 40),
                                            caller("node-a-1.2", "0812", 5)],
                                   {"PJSIP/ani": member("ani", paused=True, reason="cluster"),
                                    "PJSIP/bob": member("bob", in_call=True)})},
        abandoned=[AbandonedCall("fire", "0819", NOW - 100, 12, "node-a-0.9")],
        day="2026-12-05", today={"fire": QueueDay([3, 4], [12])},
        offers={"bob": Offer("fire", "node-a-0.5", "0815", "id", "", "connected", NOW - 30)})


def node_b() -> QueueBoard:
    """node-b: one fire caller who has waited longest, ani free here, bob paused by the
    arbiter; a hotline caller."""
    return QueueBoard(
        queues={"fire": QueueState("fire", [caller("node-b-7.1", "0821", 90)],
                                   {"PJSIP/ani": member("ani"),
                                    "PJSIP/bob": member("bob", paused=True, reason="cluster")}),
                "hotline": QueueState("hotline", [caller("node-b-7.2", "0822", 20)])},
        abandoned=[AbandonedCall("fire", "0829", NOW - 50, 30, "node-b-6.1")],
        day="2026-12-05", today={"fire": QueueDay([7], [30])})


def test_queues_are_merged_by_name_with_every_node_s_callers_longest_wait_first() -> None:
    merged = merge_boards({"node-a": node_a(), "node-b": node_b()})
    fire = merged.board.queues["fire"]
    assert [c.caller_number for c in fire.waiting] == ["0821", "0811", "0812"]
    assert [merged.caller_node[c.unique_id] for c in fire.waiting] == [
        "node-b", "node-a", "node-a"]
    assert [c.caller_number for c in merged.board.queues["hotline"].waiting] == ["0822"]
    assert sorted(merged.board.today["fire"].answer_waits) == [3, 4, 7]
    assert sorted(merged.board.today["fire"].abandon_waits) == [12, 30]
    assert [a.caller_number for a in merged.board.abandoned] == ["0819", "0829"]


def test_each_operator_is_counted_once_on_the_node_they_are_on() -> None:
    boards = {"node-a": node_a(), "node-b": node_b()}
    assert operator_nodes(boards) == {"ani": "node-b", "bob": "node-a"}
    merged = merge_boards(boards)
    fire = merged.board.queues["fire"]
    assert fire.members["PJSIP/ani"].paused is False  # node-b's: free there
    assert fire.members["PJSIP/bob"].in_call is True  # node-a's: talking there
    assert set(merged.board.offers) == {"bob"}
    # On a break everywhere: shown with their own pause, not the arbiter's.
    away_a = QueueBoard({"fire": QueueState("fire", members={
        "PJSIP/ani": member("ani", paused=True, reason="cluster")})})
    away_b = QueueBoard({"fire": QueueState("fire", members={
        "PJSIP/ani": member("ani", paused=True, reason="lunch")})})
    assert operator_nodes({"node-a": away_a, "node-b": away_b}) == {"ani": "node-b"}
    the_same = QueueBoard({"fire": QueueState("fire", members={"PJSIP/ani": member("ani")})})
    assert operator_nodes({"node-a": the_same, "node-b": the_same}) == {"ani": "node-a"}


def test_the_merge_leaves_the_nodes_boards_as_they_were() -> None:
    a, b = node_a(), node_b()
    before = json.dumps([a.to_dict(), b.to_dict()])
    merge_boards({"node-a": a, "node-b": b})
    assert json.dumps([a.to_dict(), b.to_dict()]) == before


def test_the_cluster_wallboard_names_each_node_and_drops_a_dead_one() -> None:
    nodes = [NodeBoard("node-a", True, node_a()), NodeBoard("node-b", True, node_b())]
    view = cluster_wallboard(nodes, NOW, (15, 20))
    assert view["scope"] == "cluster"
    assert view["nodes"] == [{"name": "node-a", "alive": True, "shown": True},
                             {"name": "node-b", "alive": True, "shown": True}]
    fire = next(q for q in view["queues"] if q["name"] == "fire")
    assert fire["waiting"] == 3 and fire["longest_wait_s"] == 90
    assert [(c["caller_number"], c["node"]) for c in fire["callers"]] == [
        ("0821", "node-b"), ("0811", "node-a"), ("0812", "node-a")]
    assert fire["waiting_by_node"] == {"node-b": 1, "node-a": 2}
    assert fire["answered"] == 3 and fire["abandoned"] == 2
    assert [(o["name"], o["node"], o["paused"], o["call"]) for o in view["operators"]] == [
        ("ani", "node-b", False, ""), ("bob", "node-a", False, "connected")]

    dead = cluster_wallboard([NodeBoard("node-a", False), NodeBoard("node-b", True, node_b())],
                             NOW, (15, 20))
    assert dead["nodes"][0] == {"name": "node-a", "alive": False, "shown": False}
    fire = next(q for q in dead["queues"] if q["name"] == "fire")
    assert [c["node"] for c in fire["callers"]] == ["node-b"]
    assert fire["waiting_by_node"] == {"node-b": 1}
    # ani and bob are both members on node-b, so both are shown there.
    assert [(o["name"], o["node"]) for o in dead["operators"]] == [
        ("ani", "node-b"), ("bob", "node-b")]


class FakeRedis:
    """The redis calls the cluster's board code makes, on dicts."""

    def __init__(self) -> None:
        self.data: dict[str, str] = {}
        self.hashes: dict[str, dict[str, str]] = {}

    async def set(self, key: str, value: str, ex: int = 0, nx: bool = False) -> bool:
        if nx and key in self.data:
            return False
        self.data[key] = value
        return True

    async def get(self, key: str) -> bytes | None:
        return self.data[key].encode() if key in self.data else None

    async def hset(self, key: str, field: str, value: str) -> int:
        self.hashes.setdefault(key, {})[field] = value
        return 1

    async def hgetall(self, key: str) -> dict[bytes, bytes]:
        return {k.encode(): v.encode() for k, v in self.hashes.get(key, {}).items()}

    async def scan_iter(self, match: str):  # type: ignore[no-untyped-def]
        for key in list(self.data):
            if key.startswith(match.rstrip("*")):
                yield key.encode()

    def pipeline(self, transaction: bool = True) -> FakePipeline:
        return FakePipeline(self)

    async def aclose(self) -> None:
        pass


class FakePipeline:
    def __init__(self, redis: FakeRedis) -> None:
        self.redis, self.calls = redis, []  # type: ignore[var-annotated]

    async def __aenter__(self) -> FakePipeline:
        return self

    async def __aexit__(self, *exc: object) -> None:
        pass

    def exists(self, key: str) -> None:
        self.calls.append(key)

    async def execute(self) -> list[int]:
        return [int(key in self.redis.data) for key in self.calls]


class FakeLive:
    def __init__(self) -> None:
        self.up = True

    async def heartbeat(self, service: str) -> dict[str, str] | None:
        return {"ami": "synced"} if self.up else None


class NoRecords:
    async def incidents(self, *args: Any, **kwargs: Any) -> list[Any]:
        return []


def test_a_node_says_where_its_board_is_while_its_asterisk_is_up() -> None:
    cluster, live = FakeRedis(), FakeLive()
    node = ClusterMember("node-a", cluster, live, NoRecords(), None,  # type: ignore[arg-type]
                         board_url="redis://10.77.0.1:6379/1")
    asyncio.run(node.step())
    assert cluster.hashes[BOARDS_KEY] == {"node-a": "redis://10.77.0.1:6379/1"}
    assert NODE_KEY + "node-a" in cluster.data
    quiet, live_b = FakeRedis(), FakeLive()
    live_b.up = False
    asyncio.run(ClusterMember("node-b", quiet, live_b, NoRecords(), None,  # type: ignore[arg-type]
                              board_url="redis://x/2").step())
    assert quiet.hashes == {}


def test_the_cluster_boards_are_read_from_each_live_node_s_redis() -> None:
    cluster, own_a, own_b = FakeRedis(), FakeRedis(), FakeRedis()
    cluster.hashes[BOARDS_KEY] = {"node-a": "redis://h/1", "node-b": "redis://h/2"}
    cluster.data[NODE_KEY + "node-b"] = "1"  # node-a's heartbeat expired
    own_a.data[BOARD_KEY] = json.dumps(node_a().to_dict())
    own_b.data[BOARD_KEY] = json.dumps(node_b().to_dict())
    nodes = {"redis://h/1": own_a, "redis://h/2": own_b}
    boards = ClusterBoards(cluster, connect=nodes.__getitem__)  # type: ignore[arg-type]
    read = asyncio.run(boards.read())
    assert [(n.name, n.alive, n.board is not None) for n in read] == [
        ("node-a", False, False), ("node-b", True, True)]
    assert read[1].board is not None and read[1].board.to_dict() == node_b().to_dict()


def test_the_cluster_feed_moves_on_only_when_a_board_or_a_node_changed() -> None:
    class Source:
        def __init__(self) -> None:
            self.nodes = [NodeBoard("node-a", True, node_a())]

        async def read(self) -> list[NodeBoard]:
            return self.nodes

    async def run() -> list[int]:
        source = Source()
        feed = ClusterFeed(source)
        seen = []
        await feed.refresh(await source.read())
        seen.append(feed.version)
        await feed.refresh(await source.read())
        seen.append(feed.version)
        source.nodes = [NodeBoard("node-a", False)]
        await feed.refresh(await source.read())
        seen.append(feed.version)
        assert await feed.wait(seen[-1], 0.01) == seen[-1]
        return seen

    assert asyncio.run(run()) == [1, 1, 2]


class StaticNodes:
    async def read(self) -> list[NodeBoard]:
        return [NodeBoard("node-a", True, node_a()), NodeBoard("node-b", False)]


async def test_the_wallboard_of_a_cluster_node_shows_the_cluster_unless_asked_for_its_own(
        tmp_path: Path) -> None:
    source = FakeBoardSource()
    source.board = node_b()
    app = web_app(settings_for(tmp_path), source, StaticNodes())
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        admin = basic(*ADMIN)
        body = await (await client.get("/api/v1/wallboard", headers=admin)).json()
        assert body["scope"] == "cluster"
        assert [n["name"] for n in body["nodes"] if n["alive"]] == ["node-a"]
        own = await (await client.get("/api/v1/wallboard?scope=node", headers=admin)).json()
        assert own["scope"] == "node" and "nodes" not in own
        bad = await client.get("/api/v1/wallboard?scope=all", headers=admin)
        assert bad.status == 400
    finally:
        await client.close()


async def test_one_node_s_wallboard_is_the_whole_hotline(tmp_path: Path) -> None:
    app = web_app(settings_for(tmp_path), FakeBoardSource())
    client = TestClient(TestServer(app))
    await client.start_server()
    try:
        body = await (await client.get("/api/v1/wallboard?scope=cluster",
                                       headers=basic(*ADMIN))).json()
        assert body["scope"] == "node"
    finally:
        await client.close()
