"""What an admin may save in the catalog, checked against the rest of it (pure).

The catalog is five kinds of entry, each a JSON-ready dict under its code: categories (which
agency, which deadline tier), agencies (a branch names its parent agency and the districts
it serves), districts and sub-districts, deadline tiers, and holidays (whose code is the
day). Every save is checked here before the store writes it, so a mistake is a 400 naming
the field, never a ticket routed to nowhere. Categories, agencies and districts are retired
(``active`` false), never deleted: tickets point at them. Tiers and holidays are removed.

The entries are what the history (``catalog_changes``) keeps as before and after, and what
going back to a change restores (``catalog_history``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .errors import InvalidRequest, TicketError

Entry = dict[str, Any]

KINDS = ("category", "agency", "district", "tier", "holiday")
# The URL's plural of each kind: /api/v1/catalog/categories/roads.
PLURALS = {"categories": "category", "agencies": "agency", "districts": "district",
           "tiers": "tier", "holidays": "holiday"}
RETIRED_KINDS = frozenset({"category", "agency", "district"})
CODE = re.compile(r"[a-z0-9_]{1,40}")
TIER_CODE = re.compile(r"[a-z0-9_]{1,20}")  # the tier column is 20 long
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
UNITS = ("hours", "days")
MAX_AMOUNT = {"hours": 24 * 366, "days": 366}

# Each kind's fields: (type, longest text, default). ``code`` is the URL's.
FIELDS: dict[str, dict[str, tuple[type, int, Any]]] = {
    "category": {"name": (str, 200, ""), "description": (str, 4000, ""),
                 "agency": (str, 40, ""), "tier": (str, 20, ""), "group": (str, 100, ""),
                 "keywords": (str, 400, ""), "active": (bool, 0, True)},
    "agency": {"name_en": (str, 200, ""), "name_id": (str, 200, ""),
               "office_hours": (bool, 0, True), "supervisor": (str, 200, ""),
               "email": (str, 200, ""), "parent": (str, 40, ""), "districts": (list, 40, []),
               "active": (bool, 0, True)},
    "district": {"name": (str, 200, ""), "parent": (str, 40, ""), "active": (bool, 0, True)},
    "tier": {"amount": (int, 0, 0), "unit": (str, 10, ""), "clock_always": (bool, 0, False)},
    "holiday": {"name": (str, 200, ""), "workday": (bool, 0, False)},
}


class CatalogInvalid(InvalidRequest):
    """A catalog entry that breaks a rule; ``details.field`` names the field to fix."""

    error_id = "catalog-invalid"


class NoSuchEntry(TicketError):
    error_id = "no-such-catalog-entry"


class CatalogChangedSince(TicketError):
    """Going back to a change the entry has moved on from (a later change would be lost)."""

    error_id = "catalog-changed-since"


def invalid(name: str, message: str) -> CatalogInvalid:
    return CatalogInvalid(f"{name}: {message}", field=name)


@dataclass(frozen=True)
class Catalog:
    """The whole catalog as the rules see it: kind -> code -> entry."""

    entries: Mapping[str, Mapping[str, Entry]] = field(default_factory=dict)
    # Categories that must stay open: the phone menu's and the spool's fallback.
    protected: frozenset[str] = frozenset()

    def of(self, kind: str) -> Mapping[str, Entry]:
        return self.entries.get(kind, {})

    def get(self, kind: str, code: str) -> Entry | None:
        return self.of(kind).get(code)


def kind_of(plural: str) -> str:
    """The kind a URL names (``categories`` -> ``category``); NoSuchEntry for anything else."""
    if plural not in PLURALS:
        raise NoSuchEntry(f"the catalog has {', '.join(PLURALS)}, not {plural[:40]!r}",
                          kind=plural[:40])
    return PLURALS[plural]


def checked_code(kind: str, code: str) -> str:
    """A code is the key tickets and branches keep: lower case, digits and ``_``; a holiday's
    is its day (YYYY-MM-DD)."""
    if kind == "holiday":
        try:
            return date.fromisoformat(code).isoformat()
        except ValueError:
            raise invalid("code", "a holiday's code is its day, YYYY-MM-DD") from None
    pattern = TIER_CODE if kind == "tier" else CODE
    if pattern.fullmatch(code) is None:
        longest = 20 if kind == "tier" else 40
        raise invalid("code", f"1 to {longest} of a-z, 0-9 and _ (not {code[:50]!r})")
    return code


def _value(name: str, kind_of_value: type, longest: int, value: Any) -> Any:
    if kind_of_value is bool:
        if not isinstance(value, bool):
            raise invalid(name, "true or false")
        return value
    if kind_of_value is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise invalid(name, "a whole number")
        return value
    if kind_of_value is list:
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise invalid(name, "a list of codes")
        return sorted({i.strip() for i in items if i.strip()})
    if not isinstance(value, str):
        raise invalid(name, "text")
    if len(value.strip()) > longest:
        raise invalid(name, f"at most {longest} characters")
    return value.strip()


def read_entry(kind: str, code: str, body: Mapping[str, Any]) -> Entry:
    """The entry a request body describes (defaults for what it leaves out); the shape only,
    the rules are ``check_entry``'s."""
    fields = FIELDS[kind]
    unknown = sorted(set(body) - set(fields) - {"code"})
    if unknown:
        raise invalid(unknown[0], f"not a field of a {kind}")
    code = checked_code(kind, code)
    if "code" in body and body["code"] != code:
        raise invalid("code", "the code cannot be changed; add a new entry instead")
    entry: Entry = {"code": code}
    for name, (value_type, longest, default) in fields.items():
        entry[name] = _value(name, value_type, longest, body.get(name, default))
    if kind == "agency" and not entry["name_id"]:  # one name serves both languages
        entry["name_id"] = entry["name_en"]
    return entry


def check_entry(kind: str, entry: Entry, catalog: Catalog, is_new: bool) -> None:
    """Refuse (``CatalogInvalid`` naming the field) an entry that breaks a rule."""
    if is_new and catalog.get(kind, entry["code"]) is not None:
        raise invalid("code", f"there is a {kind} {entry['code']!r} already")
    if not is_new and catalog.get(kind, entry["code"]) is None:
        raise NoSuchEntry(f"no {kind} {entry['code']!r}", kind=kind, code=entry["code"])
    CHECKS[kind](entry, catalog)
    before = catalog.get(kind, entry["code"])
    if kind in RETIRED_KINDS and not entry["active"] and (before or {}).get("active", True):
        RETIREMENT_CHECKS[kind](entry["code"], catalog)


def _named(entry: Entry, name: str) -> None:
    if not entry[name]:
        raise invalid(name, "required")


def check_category(entry: Entry, catalog: Catalog) -> None:
    _named(entry, "name")
    agency = catalog.get("agency", entry["agency"])
    if agency is None:
        raise invalid("agency", f"no agency {entry['agency']!r}")
    if entry["active"] and not agency["active"]:
        raise invalid("agency", f"agency {entry['agency']!r} is retired")
    if catalog.get("tier", entry["tier"]) is None:
        raise invalid("tier", f"no deadline tier {entry['tier']!r} "
                      f"(there are {', '.join(sorted(catalog.of('tier')))})")


def check_agency(entry: Entry, catalog: Catalog) -> None:
    _named(entry, "name_en")
    if entry["email"] and EMAIL.fullmatch(entry["email"]) is None:
        raise invalid("email", "an e-mail address, like name@city.go.id")
    parent = entry["parent"]
    if not parent:
        if entry["districts"]:
            raise invalid("districts", "only a branch serves districts: give its parent")
        return
    _check_branch(entry, catalog)


def _check_branch(entry: Entry, catalog: Catalog) -> None:
    code, parent = entry["code"], catalog.get("agency", entry["parent"])
    if entry["parent"] == code:
        raise invalid("parent", "an agency is not its own branch")
    if parent is None:
        raise invalid("parent", f"no agency {entry['parent']!r}")
    if parent["parent"]:
        raise invalid("parent", f"{entry['parent']!r} is itself a branch of "
                      f"{parent['parent']!r}; name {parent['parent']!r}")
    branches = sorted(c for c, a in catalog.of("agency").items() if a["parent"] == code)
    if branches:
        raise invalid("parent", f"{code!r} has branches of its own ({', '.join(branches)})")
    if not entry["districts"]:
        raise invalid("districts", "a branch serves at least one district")
    unknown = [d for d in entry["districts"] if catalog.get("district", d) is None]
    if unknown:
        raise invalid("districts", f"no district {', '.join(unknown)}")


def check_district(entry: Entry, catalog: Catalog) -> None:
    _named(entry, "name")
    if not entry["parent"]:
        return
    parent = catalog.get("district", entry["parent"])
    if entry["parent"] == entry["code"]:
        raise invalid("parent", "a district is not its own sub-district")
    if parent is None:
        raise invalid("parent", f"no district {entry['parent']!r}")
    if parent["parent"]:
        raise invalid("parent", f"{entry['parent']!r} is itself a sub-district")
    if entry["active"] and not parent["active"]:
        raise invalid("parent", f"district {entry['parent']!r} is retired")
    subs = sorted(c for c, d in catalog.of("district").items() if d["parent"] == entry["code"])
    if subs:
        raise invalid("parent", f"{entry['code']!r} has sub-districts ({', '.join(subs)})")


def check_tier(entry: Entry, catalog: Catalog) -> None:
    if entry["unit"] not in UNITS:
        raise invalid("unit", f"one of {', '.join(UNITS)}")
    if entry["amount"] <= 0:
        raise invalid("amount", "more than 0")
    if entry["amount"] > MAX_AMOUNT[entry["unit"]]:
        raise invalid("amount", f"at most {MAX_AMOUNT[entry['unit']]} {entry['unit']}")


def check_holiday(entry: Entry, catalog: Catalog) -> None:
    _named(entry, "name")


CHECKS = {"category": check_category, "agency": check_agency, "district": check_district,
          "tier": check_tier, "holiday": check_holiday}


def _users(catalog: Catalog, kind: str, test: Any) -> list[str]:
    return sorted(code for code, e in catalog.of(kind).items() if test(e))


def check_category_retirement(code: str, catalog: Catalog) -> None:
    if code in catalog.protected:
        raise invalid("active", f"{code!r} stays open: the phone menu and the spool use it")


def check_agency_retirement(code: str, catalog: Catalog) -> None:
    used = _users(catalog, "category", lambda c: c["agency"] == code and c["active"])
    if used:
        raise invalid("active", f"categories {', '.join(used)} send tickets to {code!r}; "
                      "move them to another agency first")


def check_district_retirement(code: str, catalog: Catalog) -> None:
    subs = _users(catalog, "district", lambda d: d["parent"] == code and d["active"])
    if subs:
        raise invalid("active", f"retire its sub-districts first ({', '.join(subs)})")
    served = _users(catalog, "agency", lambda a: code in a["districts"] and a["active"])
    if served:
        raise invalid("active", f"branches {', '.join(served)} serve it; change them first")


RETIREMENT_CHECKS = {"category": check_category_retirement,
                     "agency": check_agency_retirement, "district": check_district_retirement}


def removal(kind: str, code: str, catalog: Catalog) -> Entry | None:
    """What ``DELETE`` leaves: the retired entry, or None (a tier or holiday removed)."""
    entry = catalog.get(kind, code)
    if entry is None:
        raise NoSuchEntry(f"no {kind} {code!r}", kind=kind, code=code)
    if kind in RETIRED_KINDS:
        retired = {**entry, "active": False}
        check_entry(kind, retired, catalog, is_new=False)
        return retired
    if kind == "tier":
        used = _users(catalog, "category", lambda c: c["tier"] == code)
        if used:
            raise invalid("code", f"categories {', '.join(used)} use tier {code!r}")
    return None
