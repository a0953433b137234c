"""Shifts (overnight too), who is on shift, the next boundary and roster warnings."""

from datetime import UTC, date, datetime, time

import pytest

from ivr.roster.model import (
    DEFAULT_SHIFTS,
    Assignment,
    Operator,
    Roster,
    RosterError,
    Shift,
    Skills,
    check_username,
    next_boundary,
    on_shift,
    validate,
)

D = date(2025, 3, 1)
ALL = Skills.parse("police fire ambulance lang:id")


def roster(*assignments: Assignment) -> Roster:
    names = {a.operator for a in assignments}
    return Roster(operators={n: Operator(n, "pw") for n in names}, assignments=assignments)


def jakarta(day: date, hh: int, mm: int, ss: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm, ss), Roster().tz)


def test_default_shifts_and_time_zone() -> None:
    assert [str(s) for s in DEFAULT_SHIFTS] == [
        "morning 07:30-16:00", "afternoon 16:00-23:30", "night 23:30-07:30"]
    assert Roster().timezone == "Asia/Jakarta"
    assert [s.overnight for s in DEFAULT_SHIFTS] == [False, False, True]


@pytest.mark.parametrize(("text", "services", "languages", "categories"), [
    ("police fire lang:id", {"police", "fire"}, {"id"}, set()),
    ("ambulance;lang:en,cat:roads", {"ambulance"}, {"en"}, {"roads"}),
    ("", set(), set(), set()),
])
def test_skills_parse_and_print_back(text: str, services: set[str], languages: set[str],
                                     categories: set[str]) -> None:
    skills = Skills.parse(text)
    assert (skills.services, skills.languages, skills.categories) == (
        services, languages, categories)
    assert Skills.parse(str(skills)) == skills


@pytest.mark.parametrize("bad", ["swat", "lang:fr", "cat:", "Police"])
def test_unknown_skills_are_refused_by_name(bad: str) -> None:
    with pytest.raises(RosterError, match="unknown skill"):
        Skills.parse(bad)


@pytest.mark.parametrize(("moment", "working"), [
    (jakarta(D, 7, 29, 59), {"night-op"}),          # yesterday's night shift still on
    (jakarta(D, 7, 30), {"morning-op"}),            # boundaries belong to the incoming shift
    (jakarta(D, 15, 59), {"morning-op"}),
    (jakarta(D, 16, 0), {"afternoon-op"}),
    (jakarta(D, 23, 30), {"night-op2"}),
    (jakarta(date(2025, 3, 2), 3, 0), {"night-op2"}),  # overnight belongs to its start date
    (datetime(2025, 3, 1, 2, 0, tzinfo=UTC), {"morning-op"}),  # 09:00 in Jakarta
])
def test_on_shift_with_overnight_shifts(moment: datetime, working: set[str]) -> None:
    r = roster(Assignment(date(2025, 2, 28), "night-op", "night", ALL),
               Assignment(D, "morning-op", "morning", ALL),
               Assignment(D, "afternoon-op", "afternoon", ALL),
               Assignment(D, "night-op2", "night", ALL))
    assert set(on_shift(r, moment)) == working


def test_on_shift_ignores_unknown_operators_and_shifts() -> None:
    r = Roster(operators={"a": Operator("a", "pw")},
               assignments=(Assignment(D, "ghost", "morning", ALL),
                            Assignment(D, "a", "brunch", ALL)))
    assert on_shift(r, jakarta(D, 9, 0)) == {}


def test_next_boundary() -> None:
    r = Roster()
    assert next_boundary(r, jakarta(D, 9, 0)) == jakarta(D, 16, 0)
    assert next_boundary(r, jakarta(D, 16, 0)) == jakarta(D, 23, 30)
    assert next_boundary(r, jakarta(D, 23, 45)) == jakarta(date(2025, 3, 2), 7, 30)


def test_a_complete_roster_has_no_warnings() -> None:
    r = roster(*(Assignment(D, "a", s.name, ALL) for s in DEFAULT_SHIFTS[:1]),
               Assignment(D, "b", "afternoon", ALL), Assignment(D, "c", "night", ALL))
    assert validate(r) == []


def test_warnings() -> None:
    r = roster(Assignment(D, "a", "morning", Skills.parse("police fire")),
               Assignment(D, "a", "morning", Skills.parse("ambulance")),
               Assignment(D, "b", "afternoon", Skills()),
               Assignment(D, "c", "night", ALL),
               Assignment(date(2025, 3, 2), "c", "morning", ALL))
    messages = [(w.kind, w.message) for w in validate(r)]
    assert ("overlap", "a works overlapping shifts: morning 2025-03-01 and morning 2025-03-01"
            ) in messages
    assert ("no-emergency-skill", "2025-03-01 afternoon: nobody on police, fire, ambulance"
            ) in messages
    assert ("no-skill", "b on 2025-03-01 afternoon has no skill") in messages
    # c's night (23:30-07:30) and next morning (07:30-) touch but do not overlap.
    assert not any("c works" in m for _, m in messages)


def test_overnight_shift_overlapping_the_next_day() -> None:
    r = Roster(shifts={"late": Shift("late", time(22, 0), time(8, 0)),
                       "early": Shift("early", time(6, 0), time(14, 0))},
               operators={"a": Operator("a", "pw")},
               assignments=(Assignment(D, "a", "late", ALL),
                            Assignment(date(2025, 3, 2), "a", "early", ALL)))
    assert [w.kind for w in validate(r)].count("overlap") == 1


@pytest.mark.parametrize("bad", ["", "a b", "a]", "[x", "-lead", "a" * 41])
def test_usernames_must_be_safe_in_asterisk_config(bad: str) -> None:
    with pytest.raises(RosterError):
        check_username(bad)
    assert check_username("op-1.ani_x") == "op-1.ani_x"
