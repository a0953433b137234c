"""The catalog's rules and its way back (pure): every refusal names the field to fix."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from ivr.tickets.catalog_history import Change, going_back
from ivr.tickets.catalog_rules import (
    Catalog,
    CatalogChangedSince,
    CatalogInvalid,
    NoSuchEntry,
    check_entry,
    kind_of,
    read_entry,
    removal,
)

AT = datetime(2024, 5, 6, 3, 0, tzinfo=UTC)


def agency(code: str, parent: str = "", districts: tuple[str, ...] = (),
           active: bool = True) -> dict[str, Any]:
    return {"code": code, "name_en": code.title(), "name_id": code.title(),
            "office_hours": True, "supervisor": "", "email": "", "parent": parent,
            "districts": list(districts), "active": active}


def catalog() -> Catalog:
    return Catalog({
        "category": {"roads": {"code": "roads", "name": "Roads", "description": "",
                               "agency": "public_works", "tier": "general", "group": "",
                               "keywords": "", "active": True}},
        "agency": {"public_works": agency("public_works"),
                   "pw_coblong": agency("pw_coblong", "public_works", ("coblong",)),
                   "old_office": agency("old_office", active=False)},
        "district": {"coblong": {"code": "coblong", "name": "Coblong", "parent": "",
                                 "active": True},
                     "dago": {"code": "dago", "name": "Dago", "parent": "coblong",
                              "active": True},
                     "cicendo": {"code": "cicendo", "name": "Cicendo", "parent": "",
                                 "active": True}},
        "tier": {"general": {"code": "general", "amount": 7, "unit": "days",
                             "clock_always": False}},
        "holiday": {},
    }, protected=frozenset({"roads"}))


def field_of(kind: str, code: str, body: dict[str, Any], is_new: bool = True) -> str:
    """The field a refused save names."""
    with pytest.raises(CatalogInvalid) as refused:
        check_entry(kind, read_entry(kind, code, body), catalog(), is_new)
    return str(refused.value.details["field"])


CATEGORY = {"name": "Street lights", "agency": "public_works", "tier": "general"}


def test_a_good_category_passes_and_gets_its_defaults() -> None:
    entry = read_entry("category", "lights", CATEGORY)
    check_entry("category", entry, catalog(), is_new=True)
    assert entry == {"code": "lights", "name": "Street lights", "description": "",
                     "agency": "public_works", "tier": "general", "group": "", "keywords": "",
                     "active": True}


@pytest.mark.parametrize(("kind", "code", "body", "field"), [
    ("category", "Lights", CATEGORY, "code"),
    ("category", "x" * 41, CATEGORY, "code"),
    ("category", "roads", CATEGORY, "code"),  # there is one already
    ("category", "lights", {**CATEGORY, "agency": "nobody"}, "agency"),
    ("category", "lights", {**CATEGORY, "agency": "old_office"}, "agency"),  # retired
    ("category", "lights", {**CATEGORY, "tier": "someday"}, "tier"),
    ("category", "lights", {**CATEGORY, "name": "  "}, "name"),
    ("category", "lights", {**CATEGORY, "active": "yes"}, "active"),
    ("category", "lights", {**CATEGORY, "colour": "red"}, "colour"),
    ("category", "lights", {**CATEGORY, "name": "n" * 201}, "name"),
    ("agency", "water", {"name_en": "Water", "email": "not an address"}, "email"),
    ("agency", "water", {"name_en": "Water", "districts": ["coblong"]}, "districts"),
    ("agency", "pw_x", {"name_en": "X", "parent": "nobody", "districts": ["coblong"]}, "parent"),
    ("agency", "pw_x", {"name_en": "X", "parent": "pw_coblong", "districts": ["coblong"]},
     "parent"),  # the parent is itself a branch
    ("agency", "pw_x", {"name_en": "X", "parent": "public_works"}, "districts"),
    ("agency", "pw_x", {"name_en": "X", "parent": "public_works", "districts": "mars"},
     "districts"),
    ("agency", "pw_x", {"name_en": "", "parent": "public_works"}, "name_en"),
    ("district", "sekeloa", {"name": "Sekeloa", "parent": "nowhere"}, "parent"),
    ("district", "sekeloa", {"name": "Sekeloa", "parent": "dago"}, "parent"),  # a sub-district
    ("district", "sekeloa", {"name": ""}, "name"),
    ("tier", "slow", {"amount": 0, "unit": "days"}, "amount"),
    ("tier", "slow", {"amount": -3, "unit": "days"}, "amount"),
    ("tier", "slow", {"amount": 400, "unit": "days"}, "amount"),
    ("tier", "slow", {"amount": "3", "unit": "days"}, "amount"),
    ("tier", "slow", {"amount": True, "unit": "days"}, "amount"),
    ("tier", "slow", {"amount": 3, "unit": "weeks"}, "unit"),
    ("tier", "t" * 21, {"amount": 3, "unit": "days"}, "code"),
    ("holiday", "2024-13-01", {"name": "Nope"}, "code"),
    ("holiday", "2024-08-17", {"name": ""}, "name"),
])
def test_a_bad_entry_is_refused_naming_its_field(kind: str, code: str, body: dict[str, Any],
                                                field: str) -> None:
    assert field_of(kind, code, body) == field


def test_an_agency_with_branches_cannot_become_a_branch() -> None:
    body = {"name_en": "Public Works", "parent": "old_office", "districts": ["cicendo"]}
    with pytest.raises(CatalogInvalid, match="has branches"):
        check_entry("agency", read_entry("agency", "public_works", body), catalog(), False)


def test_a_district_with_sub_districts_cannot_become_one() -> None:
    assert field_of("district", "coblong", {"name": "Coblong", "parent": "cicendo"},
                    is_new=False) == "parent"


def test_a_good_branch_and_sub_district_pass() -> None:
    branch = read_entry("agency", "pw_cicendo", {"name_en": "PW Cicendo",
                                                 "parent": "public_works",
                                                 "districts": "cicendo, dago"})
    check_entry("agency", branch, catalog(), is_new=True)
    assert branch["districts"] == ["cicendo", "dago"]
    check_entry("district", read_entry("district", "sekeloa",
                                       {"name": "Sekeloa", "parent": "coblong"}),
                catalog(), is_new=True)


def test_editing_what_is_not_there_and_renaming_a_code_are_refused() -> None:
    with pytest.raises(NoSuchEntry):
        check_entry("category", read_entry("category", "lights", CATEGORY), catalog(), False)
    with pytest.raises(CatalogInvalid, match="cannot be changed"):
        read_entry("category", "roads", {**CATEGORY, "code": "streets"})
    with pytest.raises(NoSuchEntry):
        kind_of("dragons")


def test_retiring_and_removing() -> None:
    with pytest.raises(CatalogInvalid, match="phone menu"):
        removal("category", "roads", catalog())  # protected
    with pytest.raises(CatalogInvalid, match="roads"):
        removal("agency", "public_works", catalog())  # roads sends tickets there
    with pytest.raises(CatalogInvalid, match="sub-districts"):
        removal("district", "coblong", catalog())
    with pytest.raises(CatalogInvalid, match="branches b serve"):
        removal("district", "dago", Catalog({**catalog().entries, "agency": {
            "b": agency("b", "public_works", ("dago",))}}))
    with pytest.raises(CatalogInvalid, match="roads"):
        removal("tier", "general", catalog())
    assert removal("agency", "pw_coblong", catalog())["active"] is False  # type: ignore[index]
    assert removal("district", "cicendo", catalog())["active"] is False  # type: ignore[index]
    unprotected = Catalog(catalog().entries)
    assert removal("category", "roads", unprotected)["active"] is False  # type: ignore[index]


def change(before: dict[str, Any] | None, after: dict[str, Any] | None,
           kind: str = "category") -> Change:
    return Change(7, AT, "web:boss", kind, "lights", before, after)


def test_going_back_restores_the_before_state() -> None:
    old = read_entry("category", "lights", CATEGORY)
    new = {**old, "tier": "urgent"}
    assert going_back(change(old, new), new) == old
    retired = {**old, "active": False}
    assert going_back(change(old, retired), retired) == old  # restored
    assert change(old, retired).summary() == "retired"
    assert change(retired, old).summary() == "restored"
    assert change(old, new).summary() == "changed tier"


def test_going_back_on_an_addition_retires_or_removes() -> None:
    added = read_entry("category", "lights", CATEGORY)
    assert going_back(change(None, added), added) == {**added, "active": False}
    tier = read_entry("tier", "slow", {"amount": 30, "unit": "days"})
    assert going_back(change(None, tier, "tier"), tier) is None
    assert going_back(change(tier, None, "tier"), None) == tier  # a removal undone
    assert change(None, added).summary() == "added"


def test_going_back_on_a_change_the_entry_moved_on_from_is_refused() -> None:
    old = read_entry("category", "lights", CATEGORY)
    with pytest.raises(CatalogChangedSince):
        going_back(change(old, {**old, "tier": "urgent"}), {**old, "tier": "complex"})
