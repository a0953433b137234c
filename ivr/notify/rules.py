"""What an escalation e-mail says and when a failed one is tried again; pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from ..tickets.records import TicketRecord

# The first retry 30 s after a failure, doubling to at most an hour between tries.
FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(hours=1)
# After this many failed tries a message is kept (with its last error) and no longer tried:
# about six hours of a mail server refusing it is a configuration problem for a person.
MAX_TRIES = 12
# Where an agency's staff see their tickets.
AGENCY_INBOX = "/agency"


@dataclass(frozen=True)
class Mail:
    """One e-mail to queue; ``dedupe_key`` makes queuing it twice a no-op."""

    recipient: str
    subject: str
    body: str
    dedupe_key: str


def next_try(tries: int, now: datetime) -> datetime:
    """When to try again after the ``tries``-th failure (1 is the first): 30 s, 60 s, ... 1 h."""
    delay = FIRST_RETRY * (2 ** min(max(tries - 1, 0), 20))
    return now + min(delay, MAX_RETRY)


def gives_up(tries: int) -> bool:
    return tries >= MAX_TRIES


def overdue_key(number: str, recipient: str) -> str:
    """One overdue mail per ticket and recipient, however often escalation runs."""
    return f"overdue:{number}:{recipient.strip().lower()}"


def overdue_message(ticket: TicketRecord, agency_name: str, recipient: str,
                    tracking_url_base: str = "", timezone: str = "Asia/Jakarta") -> Mail:
    """The mail telling an agency (or the hotline's supervisors) a ticket is overdue.

    The due time is shown in the city's time zone, as the staff reading it live by it; the
    link is to the agency inbox (the mail carries no caller data: mail is not a safe place).
    """
    due = ticket.due_at.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M %Z")
    subject = f"Overdue ticket {ticket.number} ({ticket.category_name}, {agency_name})"
    body = "\n".join([
        f"Ticket {ticket.number} is overdue.",
        "",
        f"Category: {ticket.category_name} ({ticket.category})",
        f"Agency:   {agency_name}",
        f"Due:      {due}",
        f"Status:   {ticket.status}",
        "",
        f"Open the agency inbox: {tracking_url_base.rstrip('/')}{AGENCY_INBOX}",
    ])
    return Mail(recipient.strip(), subject, body + "\n", overdue_key(ticket.number, recipient))


def overdue_recipients(agency_email: str, hotline_email: str) -> list[str]:
    """The agency's address and the hotline supervisors', those set, each once."""
    found: list[str] = []
    for address in (agency_email.strip(), hotline_email.strip()):
        if address and address.lower() not in {a.lower() for a in found}:
            found.append(address)
    return found
