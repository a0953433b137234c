"""The catalog's tables as ``catalog_rules`` entries, and back; every function takes a Session.

Rows become the plain entries the rules check and the history keeps (an agency's
comma-separated ``districts`` a sorted list, a holiday's day its code), so what is compared
when going back is exactly what was saved.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .branches import Branch, served_codes
from .catalog_history import Change
from .catalog_rules import KINDS, Catalog, Entry
from .deadlines import TIER_SPANS, TierSpan
from .fields import fit_actor
from .models import Agency, CatalogChange, Category, DeadlineTier, District, Holiday

MODELS: dict[str, Any] = {"category": Category, "agency": Agency, "district": District,
                          "tier": DeadlineTier, "holiday": Holiday}
# Bandung's districts (kecamatan) and a few of their sub-districts (kelurahan): a start that
# shows how routing by place works; each city replaces them with its own on /admin/catalog.
DEFAULT_DISTRICTS: tuple[tuple[str, str, str], ...] = (
    ("coblong", "Coblong", ""), ("dago", "Dago", "coblong"),
    ("lebakgede", "Lebakgede", "coblong"), ("sekeloa", "Sekeloa", "coblong"),
    ("sukajadi", "Sukajadi", ""), ("pasteur", "Pasteur", "sukajadi"),
    ("cipedes", "Cipedes", "sukajadi"),
    ("cicendo", "Cicendo", ""), ("arjuna", "Arjuna", "cicendo"),
    ("pajajaran", "Pajajaran", "cicendo"),
)


def entry_of(kind: str, row: Any) -> Entry:
    """A row as its catalog entry."""
    if kind == "category":
        return {"code": row.code, "name": row.name, "description": row.description,
                "agency": row.agency_code, "tier": row.tier, "group": row.group,
                "keywords": row.keywords, "active": row.active}
    if kind == "agency":
        return {"code": row.code, "name_en": row.name_en, "name_id": row.name_id,
                "office_hours": row.office_hours, "supervisor": row.supervisor,
                "email": row.email, "parent": row.parent_code,
                "districts": sorted(served_codes(row.districts)), "active": row.active}
    if kind == "district":
        return {"code": row.code, "name": row.name, "parent": row.parent_code,
                "active": row.active}
    if kind == "tier":
        return {"code": row.code, "amount": row.amount, "unit": row.unit,
                "clock_always": row.clock_always}
    return {"code": row.day.isoformat(), "name": row.name, "workday": row.workday}


def _fill(kind: str, row: Any, entry: Entry) -> None:
    """Set a row's columns from its entry (the code, its key, is set already)."""
    values = {k: v for k, v in entry.items() if k != "code"}
    if kind == "category":
        values["agency_code"] = values.pop("agency")
    elif kind == "agency":
        values["parent_code"] = values.pop("parent")
        values["districts"] = ",".join(values["districts"])
    elif kind == "district":
        values["parent_code"] = values.pop("parent")
    for name, value in values.items():
        setattr(row, name, value)


def _key(kind: str, code: str) -> Any:
    return date.fromisoformat(code) if kind == "holiday" else code


def load_catalog(session: Session, protected: frozenset[str] = frozenset()) -> Catalog:
    """Every entry of every kind (the catalog is small: a city's agencies and districts)."""
    entries = {kind: {e["code"]: e for e in (entry_of(kind, row) for row in
                                             session.scalars(select(MODELS[kind])))}
               for kind in KINDS}
    return Catalog(entries, protected)


def write_entry(session: Session, kind: str, code: str, entry: Entry | None) -> None:
    """Store ``entry`` under ``code`` (new or replacing); None removes it."""
    model, key = MODELS[kind], _key(kind, code)
    row = session.get(model, key)
    if entry is None:
        if row is not None:
            session.delete(row)
        return
    if row is None:
        row = model(day=key) if kind == "holiday" else model(code=key)
        session.add(row)
    _fill(kind, row, entry)


def _json(entry: Entry | None) -> str:
    return "" if entry is None else json.dumps(entry, ensure_ascii=False, sort_keys=True)


def _entry(text: str) -> Entry | None:
    return json.loads(text) if text else None


def record_change(session: Session, at: datetime, actor: str, kind: str, code: str,
                  before: Entry | None, after: Entry | None) -> Change:
    row = CatalogChange(at=at, actor=fit_actor(actor), kind=kind, code=code,
                        before=_json(before), after=_json(after))
    session.add(row)
    session.flush()
    return change_of(row)


def change_of(row: CatalogChange) -> Change:
    return Change(row.id, row.at, row.actor, row.kind, row.code, _entry(row.before),
                  _entry(row.after))


def changes(session: Session, limit: int) -> list[Change]:
    rows = session.scalars(select(CatalogChange).order_by(CatalogChange.id.desc())
                           .limit(limit))
    return [change_of(row) for row in rows]


def change(session: Session, change_id: int) -> Change | None:
    row = session.get(CatalogChange, change_id)
    return change_of(row) if row is not None else None


# --- what the tickets read ------------------------------------------------------------------

def tier_span(session: Session, code: str) -> TierSpan | None:
    """The stored tier; a default tier missing from the table (never seeded) as the default."""
    row = session.get(DeadlineTier, code)
    if row is not None:
        return TierSpan(row.amount, row.unit, row.clock_always)
    return next((span for tier, span in TIER_SPANS.items() if tier == code), None)


def tier_spans(session: Session) -> dict[str, TierSpan]:
    stored = {row.code: TierSpan(row.amount, row.unit, row.clock_always)
              for row in session.scalars(select(DeadlineTier))}
    return stored or {str(tier): span for tier, span in TIER_SPANS.items()}


def branches_of(session: Session, agency: str) -> list[Branch]:
    rows = session.scalars(select(Agency).where(Agency.parent_code == agency))
    return [Branch(r.code, r.parent_code, served_codes(r.districts), r.active) for r in rows]


def district_parents(session: Session) -> dict[str, str]:
    """Sub-district -> district."""
    rows = session.execute(select(District.code, District.parent_code)
                           .where(District.parent_code != ""))
    return {code: parent for code, parent in rows}


def district_tree(session: Session) -> list[dict[str, Any]]:
    """Active districts by name, each with its active sub-districts by name."""
    rows = list(session.scalars(select(District).where(District.active)
                                .order_by(District.name)))
    return [{"code": d.code, "name": d.name,
             "subdistricts": [{"code": s.code, "name": s.name} for s in rows
                              if s.parent_code == d.code]}
            for d in rows if not d.parent_code]


# --- seeding ----------------------------------------------------------------------------------

def seed_tiers_and_districts(session: Session) -> None:
    """The default tiers and districts, each into an empty table only: an admin's removals
    are not undone on the next start, and an existing database gets its tiers at once."""
    if session.scalars(select(DeadlineTier.code).limit(1)).first() is None:
        for tier, span in TIER_SPANS.items():
            session.add(DeadlineTier(code=str(tier), amount=span.amount, unit=span.unit,
                                     clock_always=span.clock_always))
    if session.scalars(select(District.code).limit(1)).first() is None:
        for code, name, parent in DEFAULT_DISTRICTS:
            session.add(District(code=code, name=name, parent_code=parent, active=True))

