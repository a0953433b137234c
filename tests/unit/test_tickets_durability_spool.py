"""The spool file after a crash: torn lines, fsync'd folders, private files. Real files."""

import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from schema_fixtures import upgraded

from ivr.config import Settings
from ivr.tickets.allocator import NumberAllocator
from ivr.tickets.desk import build_ticket_desk
from ivr.tickets.numbers import ticket_number
from ivr.tickets.records import IncidentReport, NewTicket
from ivr.tickets.spool import Spool, remaining

AT = datetime(2024, 5, 6, 3, 0, tzinfo=UTC)


def incident(uid: str) -> IncidentReport:
    return IncidentReport(uid, "0812", "fire", "fire", AT)


def test_a_torn_line_does_not_take_the_next_record_with_it(tmp_path):
    spool = Spool(tmp_path)
    spool.append(incident("before"))
    with open(spool.path, "ab") as out:
        out.write(b'{"kind": "incident", "unique_id": "torn", "ser')  # the crash
    spool.append(incident("after"))
    assert [r.unique_id for r in spool.records()] == ["before", "after"]
    _, unreadable = spool.take()
    assert [u.line for u in unreadable] == [b'{"kind": "incident", "unique_id": "torn", "ser']


def test_a_torn_multibyte_character_does_not_stop_the_spool(tmp_path):
    spool = Spool(tmp_path)
    spool.append(incident("before"))
    with open(spool.path, "ab") as out:
        out.write('{"kind": "ticket", "description": "jalan rusak é'.encode()[:-1])
    assert [r.unique_id for r in spool.records()] == ["before"]
    assert len(spool.take()[1]) == 1


def test_line_separators_inside_a_record_are_not_line_ends(tmp_path):
    spool = Spool(tmp_path)
    record = NewTicket(number=ticket_number(1_000_000), token="t", channel="phone",
                       category="roads", received_at=AT, description="a\u2028b\u2029c\x85d\x0ce")
    spool.append(record)
    assert spool.records() == [record]


@pytest.mark.parametrize(("lines", "done", "expected"), [
    ([b"a", b"b", b"c"], [b"b"], [b"a", b"c"]),
    ([b"a", b"a", b"b"], [b"a"], [b"a", b"b"]),  # a replayed line: one occurrence each
    ([b"a", b"b"], [b"x"], [b"a", b"b"]),
    ([b"a", b"b", b"c"], [b"c", b"a"], [b"b"]),
])
def test_remaining(lines, done, expected):
    assert remaining(lines, done) == expected


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_every_spool_and_counter_file_is_private(tmp_path):
    old_umask = os.umask(0o022)
    try:
        settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'h.db'}")
        desk = build_ticket_desk(upgraded(settings))
        assert await desk.prepare()
        folder = tmp_path / "tickets"
        desk.spool.append(NewTicket(number=desk.numbers.next_number(),
                                    token="t1", channel="phone", category="roads",
                                    received_at=AT))
        with open(desk.spool.path, "ab") as out:
            out.write(b"{torn")
        assert await desk.flush_spool() == 1  # the first drain rewrites the spool
        desk.spool.append(incident("112"))
        desk.close()
    finally:
        os.umask(old_umask)
    files = sorted(p.name for p in folder.iterdir())
    assert {"spool.jsonl", "spool.rejected.jsonl", "spool.lock", "drain.lock",
            "number_counter", "number_counter.lock"} <= set(files)
    assert {name: mode(folder / name) for name in files} == {name: 0o600 for name in files}
    assert mode(folder) == 0o700


def test_a_wider_file_left_by_an_older_version_is_narrowed(tmp_path):
    spool = Spool(tmp_path)
    spool.path.write_text("")
    spool.path.chmod(0o644)
    spool.append(incident("a"))
    assert mode(spool.path) == 0o600


def test_the_folder_is_fsynced_after_a_create_and_a_rename(tmp_path, monkeypatch):
    synced: list[str] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    spool = Spool(tmp_path / "tickets")
    spool.append(incident("a"))  # creates spool.jsonl
    folder = str(tmp_path / "tickets")
    assert synced[-2:] == [str(spool.path), folder]
    synced.clear()
    spool.append(incident("b"))  # the file exists: the folder need not change
    assert synced == [str(spool.path)]
    synced.clear()
    waiting, _ = spool.take()
    spool.settle([waiting[0].line], [])  # rewrites by rename
    assert synced[-1] == folder
    synced.clear()
    NumberAllocator(tmp_path / "tickets").next_number()
    assert synced[-1] == folder
