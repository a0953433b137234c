"""An admin's edits of the roster from the web pages, each checked before it is saved (pure).

Operators' names, passwords and contacts end up in ``pjsip_operators.conf``, so they are
checked here against what could break out of their line there (new lines, ``;`` which starts
a comment, ``"`` which ends the caller id). Each refusal names the form field it is about
(``details.field``), which the page shows beside that field.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from .desk import RosterDomainError, UnknownOperator
from .model import Assignment, Operator, Roster, RosterError, Skills, check_username, validate

MIN_SIP_PASSWORD = 8
PASSWORD = re.compile(r"[!-:<-~]{8,64}")  # printable ASCII, no space and no ';'
NAME = re.compile(r"[^\x00-\x1f\x7f\";\\<>]{0,80}")
CONTACT = re.compile(r"sip:[A-Za-z0-9_.-]+@[A-Za-z0-9.-]+(:[0-9]{1,5})?")
WEEK_DAYS = 7


class RosterEditRefused(RosterDomainError):
    """An edit that was not saved; ``details.field`` names the field at fault."""

    error_id = "roster-invalid"


def _refuse(field: str, message: str) -> RosterEditRefused:
    return RosterEditRefused(message, field=field)


def checked_operator(body: dict[str, Any], existing: Operator | None) -> Operator:
    """The operator the form describes; an edit keeps the password when none is given."""
    username = str(body.get("username", "")).strip()
    try:
        check_username(username)
    except RosterError as exc:
        raise _refuse("username", str(exc)) from None
    password = str(body.get("password", ""))
    if not password and existing is not None:
        password = existing.password
    elif not PASSWORD.fullmatch(password):
        raise _refuse("password", f"a phone password is {MIN_SIP_PASSWORD}-64 printable "
                                  "characters, without spaces or ';'")
    name = str(body.get("name", "")).strip()
    if not NAME.fullmatch(name):
        raise _refuse("name", "a name is at most 80 characters, without quotes, ';', '<', "
                              "'>' or backslashes")
    contact = str(body.get("contact", "")).strip()
    if contact and not CONTACT.fullmatch(contact):
        raise _refuse("contact", "a fixed contact is sip:USER@HOST[:PORT]; leave it empty "
                                 "for a phone that registers")
    try:
        skills = Skills.parse(str(body.get("skills", "")))
    except RosterError as exc:
        raise _refuse("skills", str(exc)) from None
    return Operator(username, password, name, skills, contact)


def with_operator(roster: Roster, operator: Operator, adding: bool) -> Roster:
    """The roster with ``operator`` added (refused when the name is taken) or replaced."""
    if adding and operator.username in roster.operators:
        raise _refuse("username", f"operator {operator.username} exists")
    if not adding and operator.username not in roster.operators:
        raise UnknownOperator(f"no operator {operator.username!r}",
                              operator=operator.username)
    return replace(roster, operators={**roster.operators, operator.username: operator})


def without_operator(roster: Roster, username: str, today: date) -> Roster:
    """The roster without the operator; refused while they are on the roster from today on
    (take them off those shifts first, so no shift loses someone unnoticed)."""
    if username not in roster.operators:
        raise UnknownOperator(f"no operator {username!r}", operator=username)
    ahead = sorted(a.day for a in roster.assignments if a.operator == username
                   and a.day >= today - timedelta(days=1))
    if ahead:
        more = f" and {len(ahead) - 1} more shifts" if len(ahead) > 1 else ""
        raise _refuse("username", f"{username} is on the roster on {ahead[0]}{more}; "
                                  "take them off first")
    operators = {k: v for k, v in roster.operators.items() if k != username}
    kept = tuple(a for a in roster.assignments if a.operator != username)
    return replace(roster, operators=operators, assignments=kept)


def with_cell(roster: Roster, body: dict[str, Any]) -> tuple[Roster, str]:
    """One cell of the week grid set: the operator works that shift that day with those
    skills (``working``: true), or not (false). Returns the roster and what changed."""
    username = str(body.get("operator", ""))
    if username not in roster.operators:
        raise _refuse("operator", f"no operator {username!r}")
    shift = str(body.get("shift", ""))
    if shift not in roster.shifts:
        raise _refuse("shift", f"no shift {shift!r} (shifts: {', '.join(roster.shifts)})")
    try:
        day = date.fromisoformat(str(body.get("date", "")))
    except ValueError:
        raise _refuse("date", "the date is YYYY-MM-DD") from None
    working = body.get("working", True)
    if not isinstance(working, bool):
        raise _refuse("working", "working is true or false")
    skills_text = body.get("skills")
    try:
        skills = (Skills.parse(skills_text) if isinstance(skills_text, str)
                  else roster.operators[username].skills)
    except RosterError as exc:
        raise _refuse("skills", str(exc)) from None
    kept = tuple(a for a in roster.assignments
                 if (a.day, a.operator, a.shift) != (day, username, shift))
    added = (Assignment(day, username, shift, skills),) if working else ()
    what = (f"{username} works {shift} on {day} ({skills or 'no skill'})" if working
            else f"{username} off {shift} on {day}")
    return replace(roster, assignments=kept + added), what


def week_of(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def week_grid(roster: Roster, monday: date) -> dict[str, Any]:
    """The week from ``monday`` as the roster page draws it: per operator, day and shift the
    skills worked (absent: not working), and the roster check's warnings for those days."""
    days = [monday + timedelta(days=n) for n in range(WEEK_DAYS)]
    cells: dict[str, dict[str, dict[str, str]]] = {u: {} for u in sorted(roster.operators)}
    for a in roster.assignments:
        if a.day in days and a.operator in cells:
            cells[a.operator].setdefault(a.day.isoformat(), {})[a.shift] = str(a.skills)
    in_week = replace(roster, assignments=tuple(a for a in roster.assignments if a.day in days))
    return {"week": monday.isoformat(), "days": [d.isoformat() for d in days],
            "shifts": [str(s) for s in roster.shifts.values()],
            "shift_names": list(roster.shifts),
            "operators": [{"username": u, "name": roster.operators[u].name,
                           "skills": str(roster.operators[u].skills), "cells": c}
                          for u, c in cells.items()],
            "warnings": [{"kind": w.kind, "message": w.message} for w in validate(in_week)]}
