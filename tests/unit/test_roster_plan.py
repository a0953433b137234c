"""Penalties from skills, wanted members, the add/remove plan and the emergency surge."""

from ivr.roster.model import Operator, Skills
from ivr.roster.plan import (
    LANGUAGE_PENALTY,
    AddMember,
    Membership,
    RemoveMember,
    SetPaused,
    SetPenalty,
    membership_plan,
    penalties,
    surging_queues,
    wanted_members,
)

OPS = {n: Operator(n, "pw") for n in ("ani", "budi", "citra")}
FIRE = Skills.parse("fire lang:id")
CLERK = Skills.parse("lang:id cat:roads")


def test_penalties_from_skills() -> None:
    assert penalties(FIRE) == {"police": 2, "fire": 0, "ambulance": 2, "emergency": 0,
                               "hotline": 1}
    assert penalties(CLERK) == {"police": 2, "fire": 2, "ambulance": 2, "emergency": 1,
                                "hotline": 0}


def test_english_speakers_carry_the_language_penalty_in_the_hotline_only() -> None:
    """An English caller's minimum penalty (10) picks out exactly the lang:en operators;
    an Indonesian caller goes to the others first (lower penalties)."""
    english_clerk = penalties(Skills.parse("lang:id lang:en"))
    english_fire = penalties(Skills.parse("fire lang:en"))
    assert english_clerk["hotline"] == LANGUAGE_PENALTY == 10
    assert english_fire["hotline"] == LANGUAGE_PENALTY + 1
    assert english_fire["fire"] == 0 and english_clerk["emergency"] == 1  # 112: no language
    assert penalties(CLERK)["hotline"] < LANGUAGE_PENALTY


def test_wanted_members_of_the_operators_on_shift_with_their_pauses() -> None:
    wanted = wanted_members({"ani": FIRE, "budi": CLERK, "ghost": FIRE}, OPS,
                            {"budi": "lunch"})
    assert wanted[("fire", "PJSIP/ani")] == Membership("ani", 0)
    assert wanted[("hotline", "PJSIP/budi")] == Membership("budi", 0, True, "lunch")
    assert {i for _, i in wanted} == {"PJSIP/ani", "PJSIP/budi"}
    assert len(wanted) == 10


def test_a_surge_brings_every_operator_unpaused_into_that_queue_only() -> None:
    wanted = wanted_members({"ani": FIRE, "budi": CLERK}, OPS, {"budi": "lunch"},
                            surging=["police"])
    assert wanted[("police", "PJSIP/budi")] == Membership("budi", 2)  # unpaused, same penalty
    assert wanted[("police", "PJSIP/citra")] == Membership("citra", 3)  # off shift, last
    assert wanted[("fire", "PJSIP/budi")].paused
    assert ("fire", "PJSIP/citra") not in wanted


def test_surging_queues_are_emergency_queues_with_a_long_wait() -> None:
    assert surging_queues({"police": 10.0, "fire": 9.9, "hotline": 300.0, "emergency": 11},
                          10) == ["emergency", "police"]


def test_plan_adds_removes_and_fixes_penalty_and_pause() -> None:
    current = {("fire", "PJSIP/old"): Membership("old"),
               ("fire", "PJSIP/ani"): Membership("ani", 2),
               ("hotline", "PJSIP/ani"): Membership("ani", 0, True, "lunch")}
    wanted = {("fire", "PJSIP/ani"): Membership("ani", 0),
              ("hotline", "PJSIP/ani"): Membership("ani", 0, True, "training"),
              ("hotline", "PJSIP/new"): Membership("new", 0),
              ("police", "PJSIP/new"): Membership("new", 2)}
    assert membership_plan(current, wanted, busy=[]) == [
        RemoveMember("fire", "PJSIP/old"),
        AddMember("police", "PJSIP/new", Membership("new", 2)),
        SetPenalty("fire", "PJSIP/ani", 0),
        SetPaused("hotline", "PJSIP/ani", True, "training"),
        AddMember("hotline", "PJSIP/new", Membership("new", 0)),
    ]


def test_an_operator_on_a_call_is_removed_only_after_it() -> None:
    current = {("fire", "PJSIP/ani"): Membership("ani"),
               ("hotline", "PJSIP/ani"): Membership("ani")}
    wanted = {("fire", "PJSIP/budi"): Membership("budi")}
    during = membership_plan(current, wanted, busy={"PJSIP/ani"})
    assert during == [AddMember("fire", "PJSIP/budi", Membership("budi"))]
    after = membership_plan({**current, ("fire", "PJSIP/budi"): Membership("budi")}, wanted,
                            busy=set())
    assert after == [RemoveMember("fire", "PJSIP/ani"), RemoveMember("hotline", "PJSIP/ani")]


def test_nothing_to_do_when_asterisk_matches() -> None:
    wanted = wanted_members({"ani": FIRE}, OPS, {})
    assert membership_plan(dict(wanted), wanted, busy=[]) == []


def test_unpausing_ignores_the_old_reason() -> None:
    current = {("fire", "PJSIP/ani"): Membership("ani", 0, True, "lunch")}
    assert membership_plan(current, {("fire", "PJSIP/ani"): Membership("ani", 0)}, []) == [
        SetPaused("fire", "PJSIP/ani", False, "")]
