"""Routing a ticket to the branch serving its district (pure)."""

from __future__ import annotations

import pytest

from ivr.tickets.branches import Branch, area_of, route_agency, served_codes

PARENTS = {"dago": "coblong", "lebakgede": "coblong", "pasteur": "sukajadi"}
BRANCHES = (
    Branch("pw_coblong", "public_works", frozenset({"coblong"})),
    Branch("pw_dago", "public_works", frozenset({"dago"})),
    Branch("pw_north", "public_works", frozenset({"sukajadi", "cicendo"})),
    Branch("pw_closed", "public_works", frozenset({"cicendo"}), active=False),
    Branch("env_coblong", "environment", frozenset({"coblong"})),
)


@pytest.mark.parametrize(("agency", "district", "subdistrict", "routed"), [
    ("public_works", "", "", "public_works"),  # no place: the agency itself
    ("public_works", "coblong", "", "pw_coblong"),
    ("public_works", "coblong", "lebakgede", "pw_coblong"),  # through its district
    ("public_works", "", "lebakgede", "pw_coblong"),  # the sub-district brings its district
    ("public_works", "coblong", "dago", "pw_dago"),  # the sub-district's own branch wins
    ("public_works", "", "pasteur", "pw_north"),
    ("public_works", "cicendo", "", "pw_north"),  # a retired branch takes nothing
    ("public_works", "bojongloa", "", "public_works"),  # no branch serves it
    ("environment", "coblong", "dago", "env_coblong"),
    ("utilities", "coblong", "", "utilities"),  # an agency with no branches
])
def test_route_agency(agency: str, district: str, subdistrict: str, routed: str) -> None:
    assert route_agency(agency, district, subdistrict, BRANCHES, PARENTS) == routed


def test_the_first_branch_by_code_wins_a_tie() -> None:
    twins = (Branch("b_second", "a", frozenset({"x"})), Branch("a_first", "a", frozenset({"x"})))
    assert route_agency("a", "x", "", twins, {}) == "a_first"


def test_area_and_stored_codes() -> None:
    assert area_of("", "dago", PARENTS) == ("coblong", "dago")
    assert area_of("cicendo", "dago", PARENTS) == ("cicendo", "dago")  # as given
    assert area_of("", "unknown", PARENTS) == ("", "unknown")
    assert served_codes(" coblong, ,dago ") == frozenset({"coblong", "dago"})
