"""The board's day counters (answered waits, abandoned waits) and operators' offers."""

from ivr.ami.board import QueueBoard, rebuild, today_from_snapshot
from ivr.ami.events import (
    AgentAnswered,
    AgentDone,
    AgentRinging,
    CallerAbandoned,
    CallerJoined,
    CallerLeft,
    parse_event,
)

T0 = 1_732_350_000.0  # 2024-11-23 08:20 UTC


def test_agent_events_are_parsed_with_the_member_and_hold_time() -> None:
    raw = {"Event": "AgentConnect", "Queue": "fire", "Uniqueid": "1.5", "MemberName": "ani",
           "Interface": "PJSIP/ani", "CallerIDNum": "0812", "HoldTime": "9",
           "ChanVariable": ["HOTLINE_LANGUAGE=en", "HOTLINE_TICKET=123"]}
    assert parse_event(raw) == AgentAnswered("fire", "1.5", "ani", "0812", 9, "en", "123")
    assert parse_event({**raw, "Event": "AgentCalled"}) == AgentRinging(
        "fire", "1.5", "ani", "0812", "en", "123")
    for name, outcome in (("AgentComplete", "completed"), ("AgentRingNoAnswer", "missed"),
                          ("AgentDump", "dumped")):
        assert parse_event({**raw, "Event": name}) == AgentDone("fire", "1.5", "ani", outcome)
    # The console's transfer and hold move the caller's channel; AgentComplete has the talk.
    assert parse_event({**raw, "Channel": "PJSIP/trunk-01", "DestChannel": "PJSIP/ani-02"}
                       ) == AgentAnswered("fire", "1.5", "ani", "0812", 9, "en", "123",
                                          "PJSIP/trunk-01", "PJSIP/ani-02")
    assert parse_event({**raw, "Event": "AgentComplete", "TalkTime": "42"}) == AgentDone(
        "fire", "1.5", "ani", "completed", 42)


def test_ringing_then_answered_then_done() -> None:
    board = QueueBoard()
    board.apply(CallerJoined("fire", "a", "0811", 1, language="en", ticket="42"), T0)
    board.apply(AgentRinging("fire", "a", "ani", "0811"), T0 + 4)
    offer = board.offers["ani"]
    assert (offer.state, offer.language, offer.ticket, offer.waited_s) == (
        "ringing", "en", "42", 4)
    board.apply(AgentAnswered("fire", "a", "ani", "0811", 6), T0 + 6)
    board.apply(CallerLeft("fire", "a"), T0 + 6)
    assert board.offers["ani"].state == "connected"
    assert board.offers["ani"].language == "en"  # kept after the caller left the queue
    assert board.today["fire"].answer_waits == [6]
    board.apply(AgentDone("fire", "a", "ani"), T0 + 60)
    assert board.offers == {}


def test_a_stale_done_does_not_end_a_newer_offer() -> None:
    board = QueueBoard()
    board.apply(AgentRinging("fire", "b", "ani", "0822"), T0)
    board.apply(AgentDone("fire", "a", "ani"), T0 + 1)
    assert board.offers["ani"].unique_id == "b"


def test_abandon_counts_and_ends_the_offer() -> None:
    board = QueueBoard()
    board.apply(CallerJoined("police", "a", "0811", 1), T0)
    board.apply(AgentRinging("police", "a", "budi", "0811"), T0 + 2)
    board.apply(CallerAbandoned("police", "a", 7), T0 + 7)
    assert board.today["police"].abandon_waits == [7]
    assert board.offers == {}


def test_counters_start_again_on_a_new_day_in_the_city_s_zone() -> None:
    board = QueueBoard(timezone="Asia/Jakarta")  # UTC+7: T0 is 15:20 local
    board.apply(AgentAnswered("fire", "a", "ani", "0811", 3), T0)
    board.apply(CallerAbandoned("fire", "b", 5), T0)
    assert board.day == "2024-11-23"
    board.apply(AgentAnswered("fire", "c", "ani", "0833", 4), T0 + 9 * 3600)  # 00:20 local
    assert board.day == "2024-11-24"
    assert board.today["fire"].answer_waits == [4]
    assert board.today["fire"].abandon_waits == []
    assert board.abandoned == []


def test_rebuild_and_restore_keep_today_but_not_offers() -> None:
    board = QueueBoard()
    board.apply(AgentAnswered("fire", "a", "ani", "0811", 3), T0)
    board.apply(CallerAbandoned("fire", "b", 5), T0)
    board.apply(AgentRinging("fire", "c", "ani", "0833"), T0)
    again = rebuild([], T0 + 1, board)
    assert again.today["fire"].answer_waits == [3] and again.offers == {}
    restored = today_from_snapshot(QueueBoard.from_dict(board.to_dict()))
    assert restored.today["fire"].abandon_waits == [5]
    assert restored.day == board.day and len(restored.abandoned) == 1


def test_a_caller_moved_to_another_queue_is_no_longer_the_operator_s_call() -> None:
    """The console's blind transfer (or a key pressed while ringing) moves the caller: the
    operator's offer ends although Asterisk completes the first queue call only later."""
    board = QueueBoard()
    board.apply(CallerJoined("emergency", "a", "0811", 1), T0)
    board.apply(AgentAnswered("emergency", "a", "ani", "0811", 3, channel="PJSIP/t-1",
                              member_channel="PJSIP/ani-2"), T0 + 3)
    assert (board.offers["ani"].channel, board.offers["ani"].member_channel) == (
        "PJSIP/t-1", "PJSIP/ani-2")
    board.apply(CallerJoined("emergency", "a", "0811", 1), T0 + 4)  # same queue: kept
    assert "ani" in board.offers
    board.apply(CallerJoined("fire", "a", "0811", 1), T0 + 5)
    assert "ani" not in board.offers
    assert [c.unique_id for c in board.queues["fire"].waiting] == ["a"]


def test_waits_are_timed_to_the_millisecond_even_when_the_leave_comes_first() -> None:
    """Asterisk's HoldTime is whole seconds cut down (15.04 s is 15): counted from the join
    the board saw, 15.04 s is not within 15 s; a 112 wait counts from the arrival."""
    board = QueueBoard()
    board.apply(CallerJoined("hotline", "a", "0812", 1), T0)
    board.apply(CallerLeft("hotline", "a"), T0 + 15.04)  # Asterisk may tell the leave first
    board.apply(AgentAnswered("hotline", "a", "ani", "0812", 15), T0 + 15.04)
    board.apply(CallerJoined("emergency", "b", "0811", 1, arrived_at=T0 - 0.45), T0)
    board.apply(AgentAnswered("emergency", "b", "budi", "0811", 2), T0 + 2.3)
    board.apply(CallerJoined("hotline", "c", "0813", 1), T0)
    board.apply(CallerAbandoned("hotline", "c", 20), T0 + 20.96)
    assert board.today["hotline"].answer_waits == [15.04]
    assert board.today["emergency"].answer_waits == [2.75]
    assert board.today["hotline"].abandon_waits == [20.96]
    assert board.offers["ani"].waited_s == 15
