"""Which office of an agency gets a ticket: the branch serving its district (pure).

A category names an agency; a city agency often works through branches, one per group of
districts (a district's public works office). A ticket that says where it is (a district,
a sub-district, or both) goes to the agency's active branch serving that place; a ticket
with no place, or in a place no branch serves, stays with the agency itself. A branch may
serve a whole district or a single sub-district; the one serving the sub-district wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Branch:
    code: str
    parent: str
    districts: frozenset[str]  # district or sub-district codes served
    active: bool = True


def served_codes(text: str) -> frozenset[str]:
    """The stored comma-separated districts of a branch (``agencies.districts``)."""
    return frozenset(code.strip() for code in text.split(",") if code.strip())


def area_of(district: str, subdistrict: str, parents: Mapping[str, str]) -> tuple[str, str]:
    """(district, sub-district) of a ticket: a sub-district given alone brings its district
    (``parents``: sub-district -> district)."""
    if subdistrict and not district:
        district = parents.get(subdistrict, "")
    return district, subdistrict


def route_agency(agency: str, district: str, subdistrict: str, branches: Iterable[Branch],
                 parents: Mapping[str, str]) -> str:
    """The agency (or branch) code a ticket of ``agency``'s category goes to.

    Places are tried from the most precise: the sub-district, the district given, the
    sub-district's own district; the first active branch of ``agency`` (by code) serving
    one of them wins."""
    places = [p for p in (subdistrict, district, parents.get(subdistrict, "")) if p]
    ours = sorted((b for b in branches if b.parent == agency and b.active),
                  key=lambda b: b.code)
    for place in places:
        for branch in ours:
            if place in branch.districts:
                return branch.code
    return agency
