"""Queue calls that ended while the AMI link was down are read back from Asterisk's
queue_log (``ivr/ami/queue_log.py``), once each, and handed to the call-record sink."""

from __future__ import annotations

import time
from pathlib import Path

from ami_fixtures import FakeAsterisk, until
from test_ami_follower_recovery import MemoryLive

from ivr.ami.board import WaitingCaller
from ivr.ami.events import AgentAnswered, CallerAbandoned, CallerJoined
from ivr.ami.follower import QueueFollower
from ivr.ami.queue_log import missed_ends, read_tail
from ivr.config import Settings

LOG = """\
1000|NONE|NONE|NONE|QUEUESTART|
1001|1000.1|hotline|NONE|ENTERQUEUE||0811|1
1002|1000.2|emergency|NONE|ENTERQUEUE||0822|2
1004|1000.2|emergency|NONE|EXITWITHKEY|2|1|1|2
1004|1000.2|fire|NONE|ENTERQUEUE||0822|1
1010|1000.1|hotline|NONE|ABANDON|1|1|9
1011|1000.2|fire|ani|CONNECT|7|1011.5|1
1012|1000.3|hotline|NONE|ENTERQUEUE||0833|1
1020|1000.3|hotline|NONE|ABANDON|1|1|8
1021|1000.4|hotl"""


def test_the_ends_between_the_times_come_with_their_joins() -> None:
    ends = missed_ends(LOG.splitlines(), 1005, 1015, set())
    assert [(e.event, e.caller, e.at) for e in ends] == [
        (CallerAbandoned("hotline", "1000.1", 9),
         WaitingCaller("1000.1", "0811", 1001.0, arrived_at=1001.0), 1010.0),
        (AgentAnswered("fire", "1000.2", "ani", "0822", 7),
         WaitingCaller("1000.2", "0822", 1004.0, arrived_at=1002.0), 1011.0)]


def test_recorded_calls_ends_outside_the_times_and_torn_lines_are_skipped() -> None:
    ends = missed_ends(LOG.splitlines(), 1005, 1030, {("hotline", "1000.1")})
    assert [(e.event.queue, e.event.unique_id) for e in ends] == [
        ("fire", "1000.2"), ("hotline", "1000.3")]
    assert missed_ends(LOG.splitlines(), 1030, 1040, set()) == []


def test_the_tail_drops_its_cut_first_line(tmp_path: Path) -> None:
    log = tmp_path / "queue_log"
    assert read_tail(log) == []
    log.write_text(LOG)
    assert read_tail(log) == LOG.splitlines()
    assert read_tail(log, 60) == ["1020|1000.3|hotline|NONE|ABANDON|1|1|8", "1021|1000.4|hotl"]


async def asterisk_with_queue_log(replies: list[str], data_dir: Path,
                                  log: str) -> tuple[FakeAsterisk, Settings]:
    """A fake Asterisk and settings whose data folder holds ``log`` as its queue_log."""
    asterisk = FakeAsterisk(replies)
    await asterisk.start()
    (data_dir / "logs" / "asterisk").mkdir(parents=True)
    (data_dir / "logs" / "asterisk" / "queue_log").write_text(log)
    return asterisk, Settings(data_dir=data_dir, ami_host="127.0.0.1", ami_port=asterisk.port,
                              ami_secret="s3cret")


async def test_a_call_that_ended_while_the_link_was_cut_is_recorded_once(
        tmp_path: Path) -> None:
    now = int(time.time())
    asterisk, settings = await asterisk_with_queue_log(["cut", "whole"], tmp_path, (
        f"{now - 20}|1.1|hotline|NONE|ENTERQUEUE||0844|1\n"
        f"{now}|1.1|hotline|NONE|ABANDON|1|1|20\n"))
    follower = QueueFollower(settings, MemoryLive())
    done: list[tuple[object, WaitingCaller | None]] = []
    follower.on_call_done = lambda event, caller, at: done.append((event, caller))
    heard: list[tuple[object, float]] = []
    follower.listeners.append(lambda event, at: heard.append((event, at)))
    follower.start()
    try:
        await until(lambda: asterisk.connections == 2 and follower.synced, "a resync")
        await until(lambda: bool(done), "the call ended in the cut recorded")
        assert done == [(CallerAbandoned("hotline", "1.1", 20),
                         WaitingCaller("1.1", "0844", now - 20.0, arrived_at=now - 20.0))]
        follower._call_done(CallerAbandoned("hotline", "1.1", 20), None, time.time())
        assert len(done) == 1  # the AMI event of the same end, late: not recorded again
        # The listeners (the 112 lane's incidents) hear the join no event told, then its end.
        assert heard[:2] == [
            (CallerJoined("hotline", "1.1", "0844", 0, arrived_at=now - 20.0), now - 20.0),
            (CallerAbandoned("hotline", "1.1", 20), float(now))]
    finally:
        follower.stop()
        await asterisk.stop()


class StoredBoard(MemoryLive):
    """The board a killed AMI process stored, last at ``seen_until``."""

    def __init__(self, seen_until: float) -> None:
        super().__init__()
        self.seen_until = seen_until

    async def load_board(self) -> dict[str, object]:
        return {"queues": {}, "abandoned": [], "seen_until": self.seen_until}


async def test_a_new_ami_process_records_the_calls_that_ended_after_the_last_stored_board(
        tmp_path: Path) -> None:
    now = int(time.time())
    asterisk, settings = await asterisk_with_queue_log(["whole"], tmp_path, (
        f"{now - 40}|1.1|hotline|NONE|ENTERQUEUE||0844|1\n"
        f"{now - 30}|1.1|hotline|NONE|ABANDON|1|1|10\n"  # recorded by the last process
        f"{now - 20}|1.2|hotline|NONE|ENTERQUEUE||0855|1\n"
        f"{now - 5}|1.2|hotline|NONE|ABANDON|1|1|15\n"))
    follower = QueueFollower(settings, StoredBoard(now - 25.5))
    done: list[object] = []
    follower.on_call_done = lambda event, caller, at: done.append(event)
    follower.start()
    try:
        await until(lambda: follower.synced and bool(done), "the call after the board")
        assert done == [CallerAbandoned("hotline", "1.2", 15)]
    finally:
        follower.stop()
        await asterisk.stop()
