"""Registered callers: the entry checks, the CSV in and out (refused whole, by line), and the
registry on a real database made by the schema history."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from schema_fixtures import upgraded
from tickets_pg import database_url  # noqa: F401  (the SQLite + PostgreSQL fixture)

from ivr.callers import (
    BadCallerNumber,
    BadCallersCsv,
    CallerEntry,
    CallerRegistry,
    InvalidCaller,
    caller_entry,
    caller_number,
)
from ivr.callers.csvfile import export_csv, parse_csv
from ivr.config import Settings
from ivr.db import make_engine

CSV = """number,name,address,district,notes
081234567890,Siti Aminah,"Jl. Merdeka 12, RT 03/RW 05",Coblong,lives alone
+6222123456,Budi Santoso,"Jl. Dago 7
(the blue gate)",Coblong,hard of hearing
0227001234,Kantor Kelurahan,Jl. Sukajadi 1,,
"""
SITI = CallerEntry("081234567890", "Siti Aminah", "Jl. Merdeka 12, RT 03/RW 05", "Coblong",
                   "lives alone")


@pytest.mark.parametrize(("raw", "number"), [
    ("081234567890", "081234567890"), ("+62 812-3456-7890", "+6281234567890"),
    (" (022) 700.1234 ", "0227001234"), ("1" * 20, "1" * 20), ("+" + "1" * 19, "+" + "1" * 19),
])
def test_a_number_is_kept_as_the_dialplan_hands_it_over(raw: str, number: str) -> None:
    assert caller_number(raw) == number


@pytest.mark.parametrize(("raw", "message"), [
    ("", "a caller number is missing"),
    ("0812abc", "a caller number is digits with an optional leading +"),
    ("08+12", "a caller number is digits with an optional leading +"),
    ("+", "a caller number is digits with an optional leading +"),
    ("1" * 21, "a caller number has at most 20 characters"),
    ("+" + "1" * 20, "a caller number has at most 20 characters"),
])
def test_a_number_the_dialplan_cannot_hand_over_is_refused(raw: str, message: str) -> None:
    with pytest.raises(BadCallerNumber) as refused:
        caller_number(raw)
    assert refused.value.message == message
    assert refused.value.error_id == "bad-caller-number"


@pytest.mark.parametrize(("fields", "field", "message"), [
    (("0812", "", "Jl. A 1"), "name", "name is missing"),
    (("0812", "Siti", "  "), "address", "address is missing"),
    (("0812", "x" * 201, "Jl. A 1"), "name", "name has at most 200 characters"),
    (("0812", "Siti", "Jl. A 1", "d" * 101), "district", "district has at most 100 characters"),
    (("0812", "Siti", "Jl. A 1", "", "n" * 2001), "notes", "notes has at most 2000 characters"),
    (("0812", "Si\nti", "Jl. A 1"), "name", "name has control characters"),
    (("0812", "Siti", "Jl.\x00A"), "address", "address has control characters"),
    (("0812", 7, "Jl. A 1"), "name", "name is text"),
    (("08x", "Siti", "Jl. A 1"), "number", "number is digits with an optional leading +"),
])
def test_an_entry_names_the_field_that_is_wrong(fields: tuple[object, ...], field: str,
                                                message: str) -> None:
    with pytest.raises(InvalidCaller) as refused:
        caller_entry(*fields)
    assert (refused.value.message, refused.value.details) == (message, {"field": field})


def test_an_entry_is_trimmed_and_keeps_its_lines() -> None:
    entry = caller_entry(" 0812 ", " Siti ", "Jl. A 1\r\nblue gate ", " Coblong ", None)
    assert entry == CallerEntry("0812", "Siti", "Jl. A 1\nblue gate", "Coblong", "")


def test_the_csv_round_trips() -> None:
    entries = parse_csv(CSV)
    assert entries[0] == SITI
    assert entries[1].address == "Jl. Dago 7\n(the blue gate)"
    assert entries[2] == CallerEntry("0227001234", "Kantor Kelurahan", "Jl. Sukajadi 1")
    exported = export_csv(entries)
    assert exported.splitlines()[0] == "number,name,address,district,notes"
    assert parse_csv(exported) == sorted(entries, key=lambda e: e.number)
    assert export_csv(parse_csv(exported)) == exported


def test_a_spreadsheet_s_csv_is_read_too() -> None:
    """Excel saves UTF-8 with a byte order mark and CRLF line ends."""
    text = "\ufeff" + CSV.replace("\n", "\r\n").replace("Jl. Dago 7\r\n", "Jl. Dago 7\n")
    assert parse_csv(text) == parse_csv(CSV)


def test_a_bad_csv_is_refused_whole_with_each_line_and_reason() -> None:
    bad = ("number,name,address,district,notes\n"
           "081234567890,Siti,Jl. A 1,,\n"          # 2: good
           "0812abc,Budi,Jl. B 2,,\n"               # 3
           "0813,,Jl. C 3,,\n"                      # 4
           "0814,Ani,Jl. D 4\n"                     # 5
           "\n"                                     # 6: blank lines are skipped
           '0815,Dewi,"Jl. E\n5",' + "d" * 101 + ",\n"  # 7-8
           "0812-3456-7890,Siti again,Jl. A 1,,\n")  # 9: the number of line 2
    with pytest.raises(BadCallersCsv) as refused:
        parse_csv(bad)
    assert refused.value.problems == [
        (3, "number is digits with an optional leading +"),
        (4, "name is missing"),
        (5, "expected 5 columns, found 3"),
        (7, "district has at most 100 characters"),
        (9, "number 081234567890 is on line 2 already"),
    ]
    assert refused.value.error_id == "bad-callers-csv"
    assert refused.value.details["problems"][0] == {
        "line": 3, "reason": "number is digits with an optional leading +"}
    assert refused.value.message.startswith("no caller was imported; line 3: number is")


@pytest.mark.parametrize(("text", "problems"), [
    ("", [(1, "the first line must be the header number,name,address,district,notes")]),
    ("number,name,address\n0812,Siti,Jl. A 1\n",
     [(1, "the first line must be the header number,name,address,district,notes")]),
    ('number,name,address,district,notes\n0812,Siti,"Jl. A 1"x,,\n',
     [(2, "not readable as CSV (',' expected after '\"')")]),
    ("number,name,address,district,notes\n0812,Si\x00ti,Jl. A 1,,\n",
     [(2, "name has control characters")]),
])
def test_an_unreadable_csv_says_where(text: str, problems: list[tuple[int, str]]) -> None:
    with pytest.raises(BadCallersCsv) as refused:
        parse_csv(text)
    assert refused.value.problems == problems


def test_a_header_only_csv_has_no_entries() -> None:
    assert parse_csv("Number,Name,Address,District,Notes\n") == []


# --- the registry on a real database ------------------------------------------------------

@pytest.fixture
def registry(tmp_path: Path, database_url: str) -> Iterator[CallerRegistry]:  # noqa: F811
    """On SQLite in ``tmp_path`` and on PostgreSQL, the schema made as a service makes it."""
    settings = upgraded(Settings(data_dir=tmp_path, database_url=database_url))
    engine = make_engine(settings.effective_database_url)
    yield CallerRegistry(engine)
    engine.dispose()


def test_put_get_and_delete(registry: CallerRegistry) -> None:
    assert registry.get(SITI.number) is None
    before = datetime.now(UTC)
    saved = registry.put(SITI, "web:sri")
    assert saved.entry == SITI and saved.updated_by == "web:sri"
    assert before <= saved.updated_at <= datetime.now(UTC)
    assert registry.get(SITI.number) == saved
    moved = CallerEntry(SITI.number, "Siti Aminah", "Jl. Baru 3", "Sukajadi", "")
    assert registry.put(moved, "web:boss").entry == moved
    found = registry.get(SITI.number)
    assert found is not None and (found.entry, found.updated_by) == (moved, "web:boss")
    assert registry.delete(SITI.number) is True
    assert registry.delete(SITI.number) is False
    assert registry.get(SITI.number) is None


def test_numbers_that_cannot_be_stored_are_simply_not_there(registry: CallerRegistry) -> None:
    assert registry.get("1" * 40) is None and registry.get("abc") is None
    assert registry.delete("") is False


def test_search_finds_by_number_name_address_and_district(registry: CallerRegistry) -> None:
    report = registry.import_csv(CSV, "web:sri")
    assert (report.added, report.updated, report.total) == (3, 0, 3)
    names = lambda text: [c.name for c in registry.search(text)]  # noqa: E731
    assert names("") == ["Budi Santoso", "Kantor Kelurahan", "Siti Aminah"]
    assert names("siti") == ["Siti Aminah"]
    assert names("0812") == ["Siti Aminah"]
    assert names("+62") == ["Budi Santoso"]
    assert names("coblong") == ["Budi Santoso", "Siti Aminah"]
    assert names("blue gate") == ["Budi Santoso"]
    assert names("100%") == [] and names("_") == []  # LIKE's wildcards are plain text
    assert len(registry.search("", limit=2)) == 2


def test_an_import_adds_and_replaces_and_keeps_the_rest(registry: CallerRegistry) -> None:
    kept = CallerEntry("0899", "Dewi", "Jl. Lain 9")
    registry.put(kept, "web:sri")
    registry.import_csv(CSV, "web:sri")
    again = CSV.replace("lives alone", "lives with her son")
    report = registry.import_csv(again + "0811,Eka,Jl. F 6,,\n", "web:boss")
    assert (report.added, report.updated) == (1, 3)
    siti = registry.get(SITI.number)
    assert siti is not None and (siti.notes, siti.updated_by) == ("lives with her son",
                                                                  "web:boss")
    stored_kept = registry.get("0899")
    assert stored_kept is not None and stored_kept.entry == kept
    assert parse_csv(registry.export_csv()) == sorted(
        [*parse_csv(again), kept, CallerEntry("0811", "Eka", "Jl. F 6")],
        key=lambda e: e.number)


def test_a_refused_import_changes_nothing(registry: CallerRegistry) -> None:
    registry.put(SITI, "web:sri")
    before = registry.export_csv()
    with pytest.raises(BadCallersCsv):
        registry.import_csv(CSV.replace("Kantor Kelurahan", ""), "web:sri")
    assert registry.export_csv() == before
