"""Roster CSV in and out (round trip, refusals by line) and the JSON file store."""

import stat
from datetime import date, time
from pathlib import Path

import pytest

from ivr.roster.csvfile import CsvError, export_csv, import_csv, parse_csv
from ivr.roster.model import Assignment, Operator, Roster, RosterError, Shift, Skills
from ivr.roster.store import RosterStore, roster_path

CSV = """operator,date,shift,skills
ani,2025-03-01,morning,fire police lang:id
budi,2025-03-01,night,ambulance cat:roads lang:en
ani,2025-03-02,afternoon,
"""


def base() -> Roster:
    return Roster(operators={n: Operator(n, "pw", n.title()) for n in ("ani", "budi")})


def test_csv_round_trips_unchanged() -> None:
    roster = import_csv(base(), CSV)
    exported = export_csv(roster)
    assert exported == CSV.replace("fire police", "fire police").replace(
        "ambulance cat:roads lang:en", "ambulance lang:en cat:roads")
    assert export_csv(import_csv(base(), exported)) == exported
    assert import_csv(base(), exported) == roster


def test_import_replaces_only_the_dates_in_the_file() -> None:
    kept = Assignment(date(2025, 2, 28), "budi", "morning", Skills.parse("fire"))
    replaced = Assignment(date(2025, 3, 1), "budi", "morning", Skills.parse("fire"))
    roster = Roster(operators=base().operators, assignments=(kept, replaced))
    after = import_csv(roster, CSV)
    assert kept in after.assignments and replaced not in after.assignments
    assert len(after.assignments) == 4


def test_a_bad_csv_is_refused_with_each_line_and_reason() -> None:
    bad = ("operator,date,shift,skills\n"
           "ani,2025-03-01,morning,fire\n"
           "zed,2025-03-01,morning,fire\n"
           "ani,01/03/2025,morning,fire\n"
           "ani,2025-03-01,brunch,fire\n"
           "ani,2025-03-01,morning,swat\n"
           "ani,2025-03-01\n")
    with pytest.raises(CsvError) as refused:
        parse_csv(base(), bad)
    assert refused.value.problems == [
        (3, "unknown operator 'zed'"),
        (4, "not a date: '01/03/2025' (use YYYY-MM-DD)"),
        (5, "unknown shift 'brunch' (shifts: morning, afternoon, night)"),
        (6, "unknown skill 'swat' (use police, fire, ambulance, lang:id/lang:en or cat:NAME)"),
        (7, "expected 4 columns, found 2"),
    ]
    assert "line 3: unknown operator 'zed'" in str(refused.value)


def test_the_header_is_required() -> None:
    with pytest.raises(CsvError, match="line 1"):
        parse_csv(base(), "ani,2025-03-01,morning,fire\n")


def test_store_saves_and_loads_the_same_roster_0600(tmp_path: Path) -> None:
    store = RosterStore(roster_path(tmp_path))
    assert store.load() == Roster()
    assert store.stamp() == (0, 0)
    roster = Roster(shifts={"day": Shift("day", time(8, 0), time(20, 0)),
                            "test": Shift("test", time(20, 0), time(8, 0, 30))},
                    operators={"ani": Operator("ani", "s3cret", "Ani", Skills.parse("fire"),
                                               "sip:ani@127.0.0.1:5099")},
                    assignments=(Assignment(date(2025, 3, 1), "ani", "day",
                                            Skills.parse("fire lang:id")),),
                    timezone="Asia/Makassar")
    store.save(roster)
    assert store.load() == roster
    assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
    first = store.stamp()
    store.save(roster)
    assert store.stamp() != first
    assert list(store.path.parent.iterdir()) == [store.path]  # no temporary file left


def test_a_broken_store_is_an_error_not_an_empty_roster(tmp_path: Path) -> None:
    store = RosterStore(roster_path(tmp_path))
    store.path.parent.mkdir(parents=True)
    store.path.write_text('{"operators": [{"username": "a b", "password": "x"}]}')
    with pytest.raises(RosterError):
        store.load()
    store.path.write_text("{not json")
    with pytest.raises(RosterError):
        store.load()
