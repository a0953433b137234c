"""The cluster's pure parts: Kamailio's files, the dispatcher's state, lost nodes and the 112
callers they leave, the one-queue arbiter's choices (README "Cluster"); the rendered
kamailio.cfg is checked by Kamailio itself."""

from __future__ import annotations

import asyncio
import hashlib
import stat
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ivr.ami.board import Member, QueueBoard, WaitingCaller
from ivr.cluster.__main__ import main, node_urls, sip_nodes
from ivr.cluster.arbiter import Moves, Seat, moves, offering_node, seat_of
from ivr.cluster.kamailio import (
    Front,
    Node,
    dispatcher_flags,
    dispatcher_list,
    kamailio_command,
    render_kamailio,
    roster_phones,
    subscriber_table,
    write_phone_accounts,
)
from ivr.cluster.member import NODE_KEY, ClusterMember, lost_nodes, stranded_callers
from ivr.config import ConfigError, Settings, check
from ivr.emergency.lane import EmergencyLane
from ivr.outbound.engine import OutboundEngine
from ivr.outbound.model import CallRequest, TryResult
from ivr.roster.asterisk_config import operators_conf
from ivr.roster.model import Operator, Roster, Skills
from ivr.roster.store import RosterStore
from ivr.runtime.render import template_values
from ivr.tickets.records import IncidentReport, IncidentView

NODES = [Node("node-a", "10.77.0.2"), Node("node-b", "10.77.0.3", 5070)]
LISTING = """{
\tNRSETS: 1
\tRECORDS: {
\t\tSET: {
\t\t\tID: 1
\t\t\tTARGETS: {
\t\t\t\tDEST: {
\t\t\t\t\tURI: sip:10.77.0.2:5060
\t\t\t\t\tFLAGS: AP
\t\t\t\t\tPRIORITY: 0
\t\t\t\t}
\t\t\t\tDEST: {
\t\t\t\t\tURI: sip:10.77.0.3:5070
\t\t\t\t\tFLAGS: IP
\t\t\t\t\tPRIORITY: 0
\t\t\t\t}
"""


def test_the_dispatcher_list_names_each_node_in_set_1() -> None:
    assert dispatcher_list(NODES) == ("1 sip:10.77.0.2:5060 0 0 name=node-a\n"
                                      "1 sip:10.77.0.3:5070 0 0 name=node-b\n")


def test_the_dispatcher_state_is_read_from_kamcmd_s_listing() -> None:
    assert dispatcher_flags(LISTING) == {"sip:10.77.0.2:5060": "AP", "sip:10.77.0.3:5070": "IP"}
    assert dispatcher_flags("") == {}


def test_the_rendered_config_probes_every_second_and_kamailio_accepts_it(tmp_path: Path) -> None:
    config = render_kamailio(Front("127.0.0.1", 5999), NODES, tmp_path)
    text = config.read_text()
    assert "@@" not in text.replace("dispatcher@127", "")
    assert 'modparam("dispatcher", "ds_ping_interval", 1)' in text
    assert 'modparam("dispatcher", "ds_probing_threshold", 1)' in text
    assert 'modparam("tm", "fr_timer", 1000)' in text
    assert (tmp_path / "dispatcher.list").read_text() == dispatcher_list(NODES)
    done = subprocess.run([kamailio_command(config, tmp_path)[0], "-c", "-f", str(config)],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr


def test_a_node_is_lost_when_it_was_up_and_is_no_more_never_this_one() -> None:
    assert lost_nodes({"node-a", "node-b"}, {"node-b"}, "node-b") == {"node-a"}
    assert lost_nodes({"node-a", "node-b"}, {"node-a"}, "node-b") == set()
    assert lost_nodes(set(), {"node-a"}, "node-b") == set()


def report(unique_id: str, state: str = "waiting", callback_of: str = "") -> IncidentReport:
    return IncidentReport(unique_id, "0812", "police", "emergency",
                          datetime(2026, 1, 1, tzinfo=UTC), call_state=state,
                          callback_of=callback_of)


def test_the_stranded_callers_are_the_lost_node_s_waiting_112_calls() -> None:
    reports = [report("node-a-1.1"), report("node-a-1.2", "answered"),
               report("node-ab-1.3"), report("node-b-1.4"),
               report("node-a-1.5", callback_of="node-a-1.0"), report("node-a-1.6")]
    assert [r.unique_id for r in stranded_callers(reports, "node-a")] == [
        "node-a-1.1", "node-a-1.6"]


def test_the_node_name_is_asterisk_s_systemname_and_must_be_plain() -> None:
    assert template_values(Settings(node_name="node-a", ami_secret="s"))["SYSTEM_NAME"] == \
        "systemname = node-a"
    assert template_values(Settings(ami_secret="s"))["SYSTEM_NAME"].startswith(";")
    for bad in ("Node A", "node-a\n[options]", "-a", "x" * 40):
        with pytest.raises(ConfigError, match="IVR_NODE_NAME"):
            check(Settings(node_name=bad))


class FakeRedis:
    """The few redis calls ClusterMember makes, on a dict (expiry by hand)."""

    def __init__(self) -> None:
        self.data: dict[str, str] = {}

    async def set(self, key: str, value: str, ex: int = 0, nx: bool = False) -> bool:
        if nx and key in self.data:
            return False
        self.data[key] = value
        return True

    async def scan_iter(self, match: str):  # type: ignore[no-untyped-def]
        for key in list(self.data):
            if key.startswith(match.rstrip("*")):
                yield key.encode()


class FakeLive:
    def __init__(self) -> None:
        self.up = True

    async def heartbeat(self, service: str) -> dict[str, str] | None:
        return {"ami": "synced"} if self.up else None


class FakeRecords:
    def __init__(self, reports: list[IncidentReport]) -> None:
        self.reports = reports

    async def incidents(self, start: datetime, end: datetime, caller: str = "",
                        limit: int = 500) -> list[IncidentView]:
        return [IncidentView(r, "", "", None) for r in self.reports]


class FakeLane:
    def __init__(self) -> None:
        self.adopted: list[str] = []

    def adopt(self, report: IncidentReport) -> None:
        self.adopted.append(report.unique_id)


def test_one_live_node_takes_a_lost_node_s_waiting_callers_over_once() -> None:
    redis, lanes = FakeRedis(), [FakeLane(), FakeLane()]
    records = FakeRecords([report("node-a-1.1"), report("node-c-1.2"), report("node-a-1.3")])
    lives = [FakeLive(), FakeLive()]
    members = [ClusterMember(name, redis, live, records, lane)  # type: ignore[arg-type]
               for name, live, lane in zip(("node-b", "node-c"), lives, lanes, strict=True)]

    async def run() -> None:
        redis.data[NODE_KEY + "node-a"] = "1"
        for member in members:
            await member.step()
        del redis.data[NODE_KEY + "node-a"]  # its key expired
        lives[1].up = False  # node-c's own Asterisk is down: it calls nobody back
        for member in members:
            await member.step()
        for member in members:
            await member.step()

    asyncio.run(run())
    assert lanes[0].adopted == ["node-a-1.1", "node-a-1.3"]
    assert lanes[1].adopted == []


# -- the one-queue arbiter ------------------------------------------------------------------

def seat(node: str, *, paused: bool = False, own: bool = False, busy: bool = False,
         oldest: float | None = None) -> Seat:
    return Seat(node, frozenset({"emergency"}), paused or own, own, busy, oldest)


@pytest.mark.parametrize(("seats", "node"), [
    ([seat("a", oldest=20.0), seat("b", oldest=10.0)], "b"),  # the longest wait, any node
    ([seat("a", oldest=5.0, busy=False), seat("b", busy=True)], "b"),  # busy: stays there
    ([seat("a", paused=True), seat("b")], "b"),  # nobody waits: where she is free already
    ([seat("a"), seat("b")], "a"),  # free on both (start): the first node
    ([seat("a", paused=True), seat("b", paused=True)], "a"),
])
def test_the_offering_node(seats: list[Seat], node: str) -> None:
    assert offering_node(seats) == node


def test_the_operator_is_unpaused_on_the_new_node_only_once_paused_everywhere_else() -> None:
    # The oldest caller is on b, she is free on a: first the pause on a, nothing unpaused.
    seats = [seat("a", oldest=20.0), seat("b", paused=True, oldest=10.0)]
    assert moves(seats, {"b": "cluster"}) == Moves(("a",), None)
    # The pause is asked for but a's board does not show it yet: still nothing unpaused.
    assert moves(seats, {"a": "cluster", "b": "cluster"}) == Moves((), None)
    # a shows her paused: b may offer.
    seats = [seat("a", paused=True, oldest=20.0), seat("b", paused=True, oldest=10.0)]
    assert moves(seats, {"a": "cluster", "b": "cluster"}) == Moves((), "b")
    # Unpaused on b (its desk empty, its board not yet changed): nothing more to do.
    assert moves(seats, {"a": "cluster", "b": ""}) == Moves((), None)
    assert moves(seats, {"a": "cluster"}) == Moves((), None)


def test_a_busy_operator_is_offered_nothing_by_another_node() -> None:
    seats = [seat("a", busy=True), seat("b", oldest=1.0)]
    assert moves(seats, {}) == Moves(("b",), None)
    # Ringing on a just as a's pause arrived: b stays paused although its caller waits longer.
    seats = [seat("a", paused=True, busy=True), seat("b", paused=True, oldest=1.0)]
    assert moves(seats, {"a": "cluster", "b": "cluster"}) == Moves((), "a")


def test_a_break_on_one_node_is_a_break_on_every_node() -> None:
    seats = [seat("a", own=True, oldest=1.0), seat("b", paused=True, oldest=9.0)]
    assert moves(seats, {"a": "break", "b": "cluster"}) == Moves((), None)  # she keeps it
    assert moves([seat("a", own=True), seat("b")], {"a": "break"}) == Moves(("b",), None)
    # A break just given in a's desk, not yet on a's board: already a break everywhere.
    seats = [seat("a", paused=True, oldest=1.0), seat("b", paused=True)]
    assert moves(seats, {"a": "lunch", "b": "cluster"}) == Moves((), None)
    assert moves([seat("a")], {}) is None  # one node: nothing to arbitrate


def test_the_seat_is_read_from_the_node_s_board() -> None:
    board = QueueBoard()
    for name in ("emergency", "fire"):
        board.queue(name).members["PJSIP/ani"] = Member("PJSIP/ani", "ani", "not_in_use",
                                                        True, "cluster", False, 0.0)
    board.queue("fire").waiting.append(WaitingCaller("u1", "0812", joined_at=50.0,
                                                     arrived_at=40.0))
    board.queue("police").waiting.append(WaitingCaller("u2", "0813", joined_at=30.0))
    assert seat_of("node-a", board, "ani") == Seat(
        "node-a", frozenset({"emergency", "fire"}), paused=True, own_pause=False, busy=False,
        oldest_wait=40.0)
    assert seat_of("node-a", board, "budi") is None


def test_the_arbiter_s_nodes_are_name_equals_redis_url() -> None:
    assert node_urls(["node-a=redis://10.77.0.1:6379/1", "node-b=redis://h/2"]) == {
        "node-a": "redis://10.77.0.1:6379/1", "node-b": "redis://h/2"}
    for bad in ("node-a", "=redis://h/1", "node-a="):
        with pytest.raises(SystemExit, match="NAME=REDIS_URL"):
            node_urls([bad])


class SavedIncidents:
    def __init__(self) -> None:
        self.saved: list[IncidentReport] = []

    async def save_incident(self, report: IncidentReport) -> None:
        self.saved.append(report)

    async def prank_numbers(self, days: float, at_least: int) -> set[str]:
        return set()


async def test_an_adopted_caller_is_abandoned_called_back_and_the_tries_kept() -> None:
    dialled: list[CallRequest] = []

    async def dial(request: CallRequest) -> TryResult:
        dialled.append(request)
        return TryResult(False, "no answer")

    async def nothing(*args: object) -> None:
        return None

    desk, outbound = SavedIncidents(), OutboundEngine(dial, max_in_flight=2)
    settings = Settings(outbound_trunk="10.77.0.1:5090", callback_first_after=0,
                        callback_every=0, callback_tries=1, callback_ring=1)
    lane = EmergencyLane(settings, desk, nothing, nothing, outbound)  # type: ignore[arg-type]
    outbound.on_change = lane.on_job
    tasks = [asyncio.create_task(lane.keep_writing()), asyncio.create_task(outbound.run())]
    lane.adopt(report("node-a-1.1"))
    for _ in range(100):
        if desk.saved and '"exhausted"' in desk.saved[-1].callbacks:
            break
        await asyncio.sleep(0.02)
    outbound.stop()
    for task in tasks:
        task.cancel()
    assert [r.number for r in dialled] == ["0812"]
    assert desk.saved[0].call_state == "abandoned" and desk.saved[0].ended_at is not None
    assert '"no answer"' in desk.saved[-1].callbacks and desk.saved[-1].unique_id == "node-a-1.1"
    assert lane._adopted == {}  # forgotten once its callbacks are over


def test_kamailio_s_files_are_written_for_the_nodes_named(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["kamailio", "--listen", "10.0.0.1", "--node", "node-a=10.0.0.2",
                 "--node", "node-b=10.0.0.3:5070", "--out", str(tmp_path)]) == 0
    assert (tmp_path / "dispatcher.list").read_text() == (
        "1 sip:10.0.0.2:5060 0 0 name=node-a\n1 sip:10.0.0.3:5070 0 0 name=node-b\n")
    assert "listen=udp:10.0.0.1:5060" in (tmp_path / "kamailio.cfg").read_text()
    assert f"-f {tmp_path / 'kamailio.cfg'}" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="the port is a number"):
        sip_nodes(["node-a=10.0.0.2:sip"])


# -- Kamailio as the operators' registrar ---------------------------------------------------


def test_the_phone_accounts_hold_ha1_hashes_only_0600(tmp_path: Path) -> None:
    table = write_phone_accounts({"budi": "pw-budi-123", "ani": "pw:ani"}, "10.77.0.1", tmp_path)
    text = table.read_text()
    assert text.splitlines() == [
        "id(int,auto) username(string) domain(string) ha1(string)",
        f"1:ani:10.77.0.1:{hashlib.md5(b'ani:10.77.0.1:pw:ani').hexdigest()}",
        f"2:budi:10.77.0.1:{hashlib.md5(b'budi:10.77.0.1:pw-budi-123').hexdigest()}"]
    assert "pw-budi-123" not in text and "pw:ani" not in text
    assert stat.S_IMODE(table.stat().st_mode) == 0o600
    assert stat.S_IMODE(table.parent.stat().st_mode) == 0o700
    assert (tmp_path / "db" / "version").read_text().splitlines()[1] == "subscriber:7"
    assert subscriber_table({}, "r") == "id(int,auto) username(string) domain(string) ha1(string)\n"
    assert subscriber_table({"a": "x"}, "h:5060").startswith(
        "id(int,auto) username(string) domain(string) ha1(string)\n1:a:h\\:5060:")


def test_kamailio_registers_phones_and_sends_nodes_calls_to_them(tmp_path: Path) -> None:
    config = render_kamailio(Front("10.0.0.1"), NODES, tmp_path, phones={"budi": "pw-budi-123"})
    text = config.read_text()
    assert 'auth_check("10.0.0.1", "subscriber", "1")' in text
    assert f'modparam("auth_db", "db_url", "text://{tmp_path / "db"}")' in text
    assert 'modparam("usrloc", "db_mode", 0)' in text  # in memory
    assert 'ds_is_from_list("1", "3")' in text and 'lookup("location")' in text
    assert Front("10.0.0.1", realm="hotline.example").auth_realm == "hotline.example"


def test_the_phones_command_writes_the_roster_s_accounts_again(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    roster = tmp_path / "roster.json"
    RosterStore(roster).save(Roster(operators={
        "budi": Operator("budi", "pw-budi-123", "Budi", Skills.parse("lang:id"))}))
    out = tmp_path / "kamailio"
    assert main(["kamailio", "--listen", "10.0.0.1", "--node", "node-a=10.0.0.2",
                 "--out", str(out), "--roster", str(roster)]) == 0
    assert roster_phones(roster) == {"budi": "pw-budi-123"}
    first = (out / "db" / "subscriber").read_text()
    assert ":budi:10.0.0.1:" in first
    RosterStore(roster).save(Roster(operators={
        "budi": Operator("budi", "pw-budi-456", "Budi", Skills.parse("lang:id"))}))
    assert main(["phones", "--roster", str(roster), "--realm", "10.0.0.1",
                 "--out", str(out)]) == 0
    assert (out / "db" / "subscriber").read_text() != first
    assert "phone accounts" in capsys.readouterr().out


def test_operators_are_reached_through_the_operator_proxy() -> None:
    roaming = Operator("budi", "pw-budi-123", "Budi", Skills.parse("lang:id"))
    desk = Operator("ani", "pw-ani-1234", "Ani", Skills.parse("police"), "sip:ani@10.0.0.9:5062")
    text = operators_conf([roaming, desk], "sip:10.77.0.1:5060")
    assert "contact = sip:budi@10.77.0.1:5060" in text
    assert "contact = sip:ani@10.0.0.9:5062" in text  # a fixed contact stays as it is
    assert "qualify_frequency = 30" not in text
    ani_part, budi_part = text.split("[budi]", 1)
    assert "rewrite_contact = no" in budi_part  # budi's: the phone's own Contact
    assert "rewrite_contact = yes" in ani_part  # ani's desk phone
    assert "contact = sip:budi" not in operators_conf([roaming])  # no proxy: it registers here
    check(Settings(operator_proxy="sip:10.77.0.1:5060"))
    check(Settings(operator_proxy="sip:kamailio.local"))
    for bad in ("10.77.0.1:5060", "sip:budi@10.77.0.1", "sip:10.77.0.1:port"):
        with pytest.raises(ConfigError, match="IVR_OPERATOR_PROXY"):
            check(Settings(operator_proxy=bad))
