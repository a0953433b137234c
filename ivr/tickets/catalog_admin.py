"""The catalog admin: add, edit, retire and go back, each save one transaction with its
history row (the rules are ``catalog_rules``, the way back ``catalog_history``).

Synchronous, like ``TicketService``; the desk runs it on its database threads. Nothing
caches the catalog: the next ticket reads the category, its tier and the agency's branches
from the tables, so a saved change routes the next ticket at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from . import catalog_store as store
from .catalog_history import Change, going_back
from .catalog_rules import (
    KINDS,
    Catalog,
    Entry,
    NoSuchEntry,
    check_entry,
    invalid,
    read_entry,
    removal,
)

HISTORY_KEPT = 200


class CatalogAdmin:
    def __init__(self, sessions: sessionmaker[Session], clock: Callable[[], datetime],
                 protected: frozenset[str] = frozenset()) -> None:
        self.sessions = sessions
        self.clock = clock
        self.protected = protected  # categories that may not be retired (the phone menu's)

    def _catalog(self, session: Session) -> Catalog:
        return store.load_catalog(session, self.protected)

    def listing(self, history: int = HISTORY_KEPT) -> dict[str, Any]:
        """Every entry of each kind by code, and the latest changes first."""
        with self.sessions.begin() as session:
            catalog = self._catalog(session)
            changes = store.changes(session, history)
        body: dict[str, Any] = {kind: sorted(catalog.of(kind).values(),
                                             key=lambda e: e["code"]) for kind in KINDS}
        body["changes"] = changes
        return body

    def save(self, kind: str, code: str, body: Mapping[str, Any], actor: str,
             is_new: bool) -> Change:
        """Add (``is_new``) or replace an entry, checked against the rest of the catalog."""
        entry = read_entry(kind, code, body)
        try:
            with self.sessions.begin() as session:
                catalog = self._catalog(session)
                check_entry(kind, entry, catalog, is_new)
                return self._write(session, actor, kind, entry["code"],
                                   catalog.get(kind, entry["code"]), entry)
        except IntegrityError:  # another admin added the same code a moment ago
            raise invalid("code", f"there is a {kind} {entry['code']!r} already") from None

    def remove(self, kind: str, code: str, actor: str) -> Change:
        """Retire a category, agency or district; remove a tier or a holiday."""
        with self.sessions.begin() as session:
            catalog = self._catalog(session)
            before = catalog.get(kind, code)
            return self._write(session, actor, kind, code, before,
                               removal(kind, code, catalog))

    def go_back(self, change_id: int, actor: str) -> Change:
        """Restore the entry as it was before ``change_id``, as a new change."""
        with self.sessions.begin() as session:
            change = store.change(session, change_id)
            if change is None:
                raise NoSuchEntry(f"no catalog change {change_id}", change=change_id)
            catalog = self._catalog(session)
            current = catalog.get(change.kind, change.code)
            target = going_back(change, current)
            if target is not None:
                check_entry(change.kind, target, catalog, is_new=current is None)
            elif current is not None:
                target = removal(change.kind, change.code, catalog)
            return self._write(session, actor, change.kind, change.code, current, target)

    def _write(self, session: Session, actor: str, kind: str, code: str,
               before: Entry | None, after: Entry | None) -> Change:
        store.write_entry(session, kind, code, after)
        session.flush()
        return store.record_change(session, self.clock(), actor, kind, code, before, after)

    def districts(self) -> list[dict[str, Any]]:
        with self.sessions.begin() as session:
            return store.district_tree(session)
