"""What a citizen is told about their ticket, and when (pure).

A ticket's history says what happened; three kinds of line are news to the citizen:
- ``created``: the ticket was made (the first line);
- ``status``: its status changed (assigned, in progress, resolved, reopened...);
- ``note``: a public note without a change of status (an agency's progress note).
Internal notes are never news. Lines that arrive together (a consultation closed on the call
writes four) make one notice: the latest news of each ticket, which always says the status
as it is now, with the tracking link.

Each notice goes to the ticket's phone number by SMS and to its e-mail address, those the
ticket has, that are configured and that have not opted out. The wording is a template per
event and language: the built-in ones below, or an admin's (``notice_templates``), with the
placeholders of ``PLACEHOLDERS``. A ticket in another language gets the English one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from string import Template

from ..tickets.errors import InvalidRequest
from . import EMAIL, SMS

EVENTS = ("created", "status", "note")
PLACEHOLDERS = frozenset({"number", "status", "category", "agency", "due", "note", "link"})
SUBJECT_MAX, BODY_MAX = 300, 2000


class InvalidTemplate(InvalidRequest):
    error_id = "bad-template"


@dataclass(frozen=True)
class Wording:
    subject: str  # e-mail only
    body: str  # the SMS text, and the e-mail's body


BUILT_IN: dict[tuple[str, str], Wording] = {
    ("created", "en"): Wording(
        "Your report $number was received",
        "City hotline: report $number ($category) was received and goes to $agency, "
        "due by $due. Follow it: $link"),
    ("status", "en"): Wording(
        "Your report $number is $status",
        "City hotline: report $number is now $status. $note Follow it: $link"),
    ("note", "en"): Wording(
        "News on your report $number",
        "City hotline: report $number ($status): $note Follow it: $link"),
    ("created", "id"): Wording(
        "Laporan $number Anda sudah diterima",
        "Hotline kota: laporan $number ($category) sudah diterima dan diteruskan ke "
        "$agency, batas waktu $due. Pantau: $link"),
    ("status", "id"): Wording(
        "Laporan $number Anda $status",
        "Hotline kota: laporan $number sekarang $status. $note Pantau: $link"),
    ("note", "id"): Wording(
        "Kabar laporan $number Anda",
        "Hotline kota: laporan $number ($status): $note Pantau: $link"),
}


@dataclass(frozen=True)
class Line:
    """One history line, as the notices need it."""

    id: int
    ticket: str  # its number
    from_status: str | None
    to_status: str
    public_note: str


def event_of(line: Line) -> str | None:
    """Which news a history line is; None for a line the citizen is not told of."""
    if line.from_status is None:
        return "created"
    if line.from_status != line.to_status:
        return "status"
    if line.public_note.strip():
        return "note"
    return None


def latest_news(lines: Iterable[Line]) -> dict[str, tuple[Line, str]]:
    """Per ticket number, its latest line that is news and which news: one notice each."""
    found: dict[str, tuple[Line, str]] = {}
    for line in sorted(lines, key=lambda x: x.id):
        event = event_of(line)
        if event is not None:
            found[line.ticket] = (line, event)
    return found


def wording(event: str, language: str,
            custom: Mapping[tuple[str, str], Wording]) -> Wording:
    """The admin's wording of ``event`` in ``language``, else the built-in one (English for
    a language with neither)."""
    for lang in (language, "en"):
        if (event, lang) in custom:
            return custom[(event, lang)]
        if (event, lang) in BUILT_IN:
            return BUILT_IN[(event, lang)]
    raise KeyError(event)


def render(text: str, values: Mapping[str, str]) -> str:
    """The template filled in; spaces left by an empty placeholder are closed up."""
    return " ".join(Template(text).safe_substitute(values).split())


def checked_wording(event: object, language: object, subject: object, body: object
                    ) -> tuple[str, str, Wording]:
    """An admin's template, refused by name if it cannot be used."""
    if event not in EVENTS:
        raise InvalidTemplate(f"no notice event {event!r}: use {', '.join(EVENTS)}",
                              field="event")
    if not isinstance(language, str) or not language.isalpha() or not 2 <= len(language) <= 8:
        raise InvalidTemplate("language is a code such as en or id", field="language")
    texts = {"subject": subject, "body": body}
    for name, text in texts.items():
        if not isinstance(text, str):
            raise InvalidTemplate(f"{name} is text", field=name)
        limit = SUBJECT_MAX if name == "subject" else BODY_MAX
        if len(text) > limit:
            raise InvalidTemplate(f"{name} has at most {limit} characters", field=name)
        template = Template(text)
        if not template.is_valid():
            raise InvalidTemplate(f"{name}: a $ must start a placeholder ($$ for a dollar)",
                                  field=name)
        unknown = sorted(set(template.get_identifiers()) - PLACEHOLDERS)
        if unknown:
            raise InvalidTemplate(f"{name}: unknown placeholder ${unknown[0]}; use "
                                  + ", ".join(f"${p}" for p in sorted(PLACEHOLDERS)),
                                  field=name)
    if not str(body).strip():
        raise InvalidTemplate("body is required", field="body")
    if "$link" not in str(body) and "${link}" not in str(body):
        raise InvalidTemplate("body: keep $link, the citizen's way to follow the ticket",
                              field="body")
    return str(event), language.lower(), Wording(str(subject).strip(), str(body).strip())


def opt_out_key(address: str) -> str:
    """How an address is kept in the opt-out list: e-mail lower case, numbers digits only."""
    address = address.strip()
    if "@" in address:
        return address.lower()
    return "".join(ch for ch in address if ch.isdigit())


def recipients(phone: str, email: str, channels: Sequence[str],
               opted_out: frozenset[str]) -> list[tuple[str, str]]:
    """(channel, address) pairs a notice goes to."""
    found = []
    if SMS in channels and opt_out_key(phone) and opt_out_key(phone) not in opted_out:
        found.append((SMS, phone.strip()))
    if EMAIL in channels and "@" in email and opt_out_key(email) not in opted_out:
        found.append((EMAIL, email.strip()))
    return found


def notice_key(number: str, history_id: int, channel: str) -> str:
    """One notice per history line and channel, however many passes or hosts see it."""
    return f"citizen:{number}:{history_id}:{channel}"
