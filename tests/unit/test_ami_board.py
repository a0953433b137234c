"""The live queue board kept by queue events, with times passed in explicitly."""

from typing import Any, cast

from ivr.ami.board import ABANDONED_KEPT, AbandonedCall, QueueBoard, queues_view, rebuild
from ivr.ami.events import (
    AgentRinging,
    CallerAbandoned,
    CallerJoined,
    CallerLeft,
    MemberRemoved,
    MemberUpdated,
    QueueEvent,
    QueueSeen,
)

T0 = 1_732_350_000.0


def waiting_ids(board: QueueBoard, queue: str) -> list[str]:
    return [c.unique_id for c in board.queue(queue).waiting]


def op(state: str = "not_in_use", paused: bool = False, in_call: bool = False,
       name: str = "op1", reason: str = "") -> MemberUpdated:
    return MemberUpdated("fire", "PJSIP/op1", name, state, paused, reason, in_call)


def test_callers_take_the_position_asterisk_gives() -> None:
    board = QueueBoard()
    board.apply(CallerJoined("fire", "a", "0811", 1), T0)
    board.apply(CallerJoined("fire", "b", "0822", 2), T0 + 1)
    board.apply(CallerJoined("fire", "c", "0833", 1), T0 + 2)  # a priority caller
    board.apply(CallerJoined("fire", "d", "0844", 9), T0 + 3)  # beyond the end: appended
    assert waiting_ids(board, "fire") == ["c", "a", "b", "d"]


def test_a_second_join_moves_the_caller_instead_of_duplicating() -> None:
    board = QueueBoard()
    board.apply(CallerJoined("fire", "a", "0811", 1), T0)
    board.apply(CallerJoined("fire", "b", "0822", 2), T0)
    board.apply(CallerJoined("fire", "b", "0822", 1), T0)
    assert waiting_ids(board, "fire") == ["b", "a"]


def test_leave_removes_only_that_caller() -> None:
    board = QueueBoard()
    board.apply(CallerJoined("fire", "a", "0811", 1), T0)
    board.apply(CallerJoined("fire", "b", "0822", 2), T0)
    board.apply(CallerLeft("fire", "a"), T0 + 5)
    board.apply(CallerLeft("fire", "unknown-id"), T0 + 5)
    assert waiting_ids(board, "fire") == ["b"]
    assert board.abandoned == []


def test_abandon_records_the_caller_number() -> None:
    board = QueueBoard()
    board.apply(CallerJoined("police", "a", "0811", 1), T0)
    board.apply(CallerAbandoned("police", "a", 7), T0 + 7)
    board.apply(CallerLeft("police", "a"), T0 + 7)
    assert waiting_ids(board, "police") == []
    assert board.abandoned == [AbandonedCall("police", "0811", T0 + 7, 7, "a")]


def test_abandon_of_an_unseen_caller_is_kept_without_number() -> None:
    board = QueueBoard()
    board.apply(CallerAbandoned("police", "ghost", 3), T0)
    assert board.abandoned == [AbandonedCall("police", "", T0, 3, "ghost")]


def test_abandoned_list_is_capped_to_the_newest() -> None:
    board = QueueBoard()
    for i in range(ABANDONED_KEPT + 5):
        board.apply(CallerAbandoned("fire", str(i), i), T0 + i)
    assert len(board.abandoned) == ABANDONED_KEPT
    assert board.abandoned[0].waited_s == 5
    assert board.abandoned[-1].waited_s == ABANDONED_KEPT + 4


def test_member_since_changes_only_when_the_state_does() -> None:
    board = QueueBoard()
    board.apply(op(), T0)
    board.apply(op(reason=""), T0 + 10)  # same state again
    assert board.queue("fire").members["PJSIP/op1"].since == T0
    board.apply(op(state="in_use", in_call=True), T0 + 20)
    member = board.queue("fire").members["PJSIP/op1"]
    assert (member.state, member.in_call, member.since) == ("in_use", True, T0 + 20)
    board.apply(op(state="in_use", in_call=True, paused=True, reason="break"), T0 + 30)
    member = board.queue("fire").members["PJSIP/op1"]
    assert (member.paused, member.paused_reason, member.since) == (True, "break", T0 + 30)


def test_member_without_name_keeps_the_old_one_or_uses_the_interface() -> None:
    board = QueueBoard()
    board.apply(op(name=""), T0)
    assert board.queue("fire").members["PJSIP/op1"].name == "PJSIP/op1"
    board.apply(op(name="Sari"), T0)
    board.apply(op(name="", state="busy"), T0)
    assert board.queue("fire").members["PJSIP/op1"].name == "Sari"


def test_member_removed() -> None:
    board = QueueBoard()
    board.apply(op(), T0)
    board.apply(MemberRemoved("fire", "PJSIP/op1"), T0 + 1)
    board.apply(MemberRemoved("fire", "PJSIP/never-there"), T0 + 1)
    assert board.queue("fire").members == {}


def test_queue_seen_makes_an_empty_queue() -> None:
    board = QueueBoard()
    board.apply(QueueSeen("ambulance"), T0)
    assert board.to_dict()["queues"] == {"ambulance": {"name": "ambulance", "waiting": [],
                                                       "members": {}}}


def test_rebuild_starts_fresh_but_keeps_abandoned_calls() -> None:
    previous = QueueBoard()
    previous.apply(CallerJoined("fire", "stale", "0800", 1), T0)
    previous.apply(op(), T0)
    previous.apply(CallerAbandoned("police", "x", 4), T0)
    status: list[QueueEvent] = [
        QueueSeen("fire"), QueueSeen("police"),
        CallerJoined("police", "p1", "0811", 1, waited_s=30.0),
        MemberUpdated("police", "PJSIP/op2", "op2", "not_in_use", False, "", False),
    ]
    board = rebuild(status, T0 + 100, previous)
    assert sorted(board.queues) == ["fire", "police"]
    assert waiting_ids(board, "fire") == []
    assert board.queue("fire").members == {}
    assert board.queue("police").waiting[0].joined_at == T0 + 70
    assert list(board.queue("police").members) == ["PJSIP/op2"]
    assert board.abandoned == previous.abandoned
    assert board.abandoned is not previous.abandoned


def test_rebuild_without_previous_board() -> None:
    assert rebuild([QueueSeen("fire")], T0).abandoned == []


def test_queues_view_positions_and_seconds() -> None:
    board = QueueBoard()
    board.apply(CallerJoined("police", "a", "0811", 1), T0)
    board.apply(CallerJoined("police", "b", "0822", 2), T0 + 20)
    board.apply(CallerJoined("fire", "c", "0833", 1, waited_s=5.0), T0 + 30)
    board.apply(MemberUpdated("police", "PJSIP/op2", "op2", "busy", True, "lunch", True), T0)
    board.apply(MemberUpdated("police", "PJSIP/op1", "op1", "not_in_use", False, "", False),
                T0 + 50)
    view = queues_view(board, now=T0 + 60.4)
    assert [q["name"] for q in view] == ["fire", "police"]
    fire, police = view
    assert waits(fire) == [("c", "0833", 1, 35)]
    assert waits(police) == [("a", "0811", 1, 60), ("b", "0822", 2, 40)]
    assert police["members"] == [
        {"interface": "PJSIP/op1", "name": "op1", "state": "not_in_use", "paused": False,
         "paused_reason": "", "in_call": False, "in_state_s": 10},
        {"interface": "PJSIP/op2", "name": "op2", "state": "busy", "paused": True,
         "paused_reason": "lunch", "in_call": True, "in_state_s": 60},
    ]


def waits(queue: dict[str, Any]) -> list[tuple[str, str, int, int]]:
    return [(c["unique_id"], c["caller_number"], c["position"], c["waited_s"])
            for c in queue["waiting"]]


def test_queues_view_shows_the_callers_language_and_ticket() -> None:
    board = QueueBoard()
    board.apply(CallerJoined("hotline", "a", "0811", 1, language="en", ticket="T-42"), T0)
    board.apply(CallerJoined("hotline", "b", "0822", 2), T0)
    [hotline] = queues_view(board, now=T0)
    assert [(c["language"], c["ticket"]) for c in hotline["waiting"]] == [("en", "T-42"),
                                                                          ("", "")]


def test_queues_view_reads_a_snapshot_stored_before_language_and_ticket() -> None:
    snapshot = {"queues": {"fire": {"name": "fire", "members": {}, "waiting": [
        {"unique_id": "a", "caller_number": "0811", "joined_at": T0}]}}}
    [fire] = queues_view(QueueBoard.from_dict(snapshot), now=T0 + 3)
    assert fire["waiting"] == [{"caller_number": "0811", "position": 1, "waited_s": 3,
                                "in_queue_s": 3, "unique_id": "a", "language": "",
                                "ticket": "", "keyed": False, "virtual": False}]


def test_queues_view_never_shows_negative_waits() -> None:
    board = QueueBoard()
    board.apply(CallerJoined("fire", "a", "0811", 1), T0 + 10)
    [fire] = queues_view(board, now=T0)
    assert fire["waiting"][0]["waited_s"] == 0


def test_queues_view_of_an_empty_snapshot() -> None:
    assert queues_view(QueueBoard.from_dict({}), now=T0) == []


def test_to_dict_is_the_same_data_as_asdict_and_shares_no_lists() -> None:
    from dataclasses import asdict

    from ivr.ami.events import CallerAbandoned, CallerJoined, MemberUpdated

    board = QueueBoard()
    board.apply(CallerJoined("fire", "u1", "0812", 1, language="id", ticket="10000004"), 100.0)
    board.apply(MemberUpdated("fire", "PJSIP/ani", "ani", "not_in_use", True, "break", False),
                100.0)
    board.apply(CallerJoined("police", "u2", "0813", 1), 101.0)
    board.apply(CallerAbandoned("police", "u2", 7), 108.0)
    expected = {
        "queues": {name: asdict(q) for name, q in sorted(board.queues.items())},
        "abandoned": [asdict(a) for a in board.abandoned],
        "day": board.day,
        "today": {name: asdict(d) for name, d in sorted(board.today.items())},
        "offers": {name: asdict(o) for name, o in sorted(board.offers.items())},
        "keyed": {},
        "seen_until": 0.0,
    }
    data = board.to_dict()
    assert data == expected
    data["queues"]["fire"]["waiting"].clear()
    assert len(board.queues["fire"].waiting) == 1


def busy_board() -> QueueBoard:
    board = QueueBoard(timezone="Asia/Jakarta")
    board.apply(CallerJoined("fire", "u1", "0812", 1, language="id", ticket="10000004"), T0)
    board.apply(MemberUpdated("fire", "PJSIP/ani", "ani", "not_in_use", True, "break", False,
                              penalty=2, last_call=T0 - 60), T0)
    board.apply(CallerJoined("police", "u2", "0813", 1), T0 + 1)
    board.apply(CallerAbandoned("police", "u2", 7), T0 + 8)
    board.apply(AgentRinging("fire", "u1", "ani", "0812"), T0 + 9)
    return board


def test_from_dict_is_the_inverse_of_to_dict() -> None:
    board = busy_board()
    again = QueueBoard.from_dict(board.to_dict(), timezone="Asia/Jakarta")
    assert again == board
    assert again.to_dict() == board.to_dict()


def test_from_dict_survives_json() -> None:
    import json

    board = busy_board()
    assert QueueBoard.from_dict(json.loads(json.dumps(board.to_dict()))).to_dict() == \
        board.to_dict()


def test_from_dict_takes_a_board_an_older_writer_stored() -> None:
    old = {"queues": {"fire": {"waiting": [{"unique_id": "a", "caller_number": "0811",
                                             "joined_at": T0}],
                               "members": {"PJSIP/ani": {
                                   "interface": "PJSIP/ani", "name": "ani", "state": "busy",
                                   "paused": False, "paused_reason": "", "in_call": True,
                                   "since": T0, "retired_key": 1}}}},
           "abandoned": []}
    board = QueueBoard.from_dict(old)
    fire = board.queues["fire"]
    assert fire.name == "fire"
    assert (fire.waiting[0].language, fire.waiting[0].ticket) == ("", "")
    assert (fire.members["PJSIP/ani"].penalty, fire.members["PJSIP/ani"].last_call) == (0, 0.0)
    assert (board.day, board.today, board.offers) == ("", {}, {})


def test_from_dict_of_nothing_is_an_empty_board() -> None:
    assert QueueBoard.from_dict({}) == QueueBoard()


class StoredBoard:
    """The one redis read ``LiveState.load_board`` makes."""

    def __init__(self, body: bytes | None) -> None:
        self.body = body

    async def get(self, key: str) -> bytes | None:
        return self.body


async def test_live_state_parses_the_stored_board_at_the_redis_edge() -> None:
    import json

    from redis.asyncio import Redis

    from ivr.state import LiveState

    board = busy_board()
    stored = json.dumps(board.to_dict()).encode()
    loaded = await LiveState(cast(Redis, StoredBoard(stored))).load_board()
    assert isinstance(loaded, QueueBoard) and loaded.to_dict() == board.to_dict()
    assert await LiveState(cast(Redis, StoredBoard(None))).load_board() == QueueBoard()


def test_a_112_wait_counts_from_arrival_and_a_key_is_remembered_across_queues() -> None:
    from ivr.ami.board import is_silent
    from ivr.ami.events import KeyPressed

    board = QueueBoard()
    board.apply(CallerJoined("emergency", "c", "0811", 1, arrived_at=T0), T0 + 1)
    [entry] = queues_view(board, T0 + 9)[0]["waiting"]
    assert (entry["waited_s"], entry["in_queue_s"], entry["keyed"]) == (9, 8, False)
    assert is_silent("emergency", entry["keyed"], entry["waited_s"], 8.0)
    board.apply(KeyPressed("c", "2"), T0 + 10)
    board.apply(CallerLeft("emergency", "c"), T0 + 10)
    board.apply(CallerJoined("fire", "c", "0811", 1, arrived_at=T0), T0 + 10)
    fire = next(q for q in queues_view(board, T0 + 12) if q["name"] == "fire")
    assert fire["waiting"][0]["keyed"] is True
    assert fire["waiting"][0]["waited_s"] == 12  # from arrival, not from joining fire
    assert not is_silent("fire", True, 12, 8.0)
    assert not is_silent("hotline", False, 99, 8.0)  # only 112 calls are silent calls


def test_a_virtual_hold_place_is_marked_virtual_and_its_steps_leave_the_board_alone() -> None:
    from ivr.ami.board import is_virtual
    from ivr.ami.events import VirtualHoldSeen, parse_event

    assert is_virtual("Local/s@virtual-hold-place-0000002a;2")
    assert not is_virtual("PJSIP/pstn-trunk-00000003")
    assert not is_virtual("Local/s@emergency-callback-00000001;2")
    board = QueueBoard()
    board.apply(CallerJoined("hotline", "p1", "0812", 1,
                             channel="Local/s@virtual-hold-place-0000002a;2"), 100.0)
    step = parse_event({"Event": "UserEvent", "UserEvent": "HotlineVirtualHold",
                        "Step": "dialled", "Hold": "1733.5", "Caller": "0812",
                        "Queue": "hotline", "Try": "2"})
    assert step == VirtualHoldSeen("hotline", "1733.5", "dialled", "0812", 2)
    board.apply(step, 101.0)
    [caller] = board.queues["hotline"].waiting
    assert (caller.caller_number, caller.virtual) == ("0812", True)
    assert parse_event({"Event": "UserEvent", "UserEvent": "SomethingElse"}) is None
