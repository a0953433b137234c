"""Storage: the SQLAlchemy queries behind the service; every function takes a Session."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, insert, or_, select
from sqlalchemy.orm import Session

from ..reports.tables import queue_calls
from .catalog import DEFAULT_AGENCIES, DEFAULT_CATEGORIES
from .catalog_store import seed_tiers_and_districts, tier_spans
from .deadlines import deadline_text
from .fields import fit_actor
from .models import (
    Agency,
    ApiKey,
    CallWrapUp,
    Category,
    Holiday,
    Incident,
    PrankClearance,
    StatusChange,
    Ticket,
    TicketSurvey,
)
from .records import (
    CategoryRecord,
    HistoryEntry,
    IncidentReport,
    IncidentView,
    NewTicket,
    TicketQuery,
    TicketRecord,
)
from .status import FINISHED, Status
from .wrapups import WrapUp, call_of

# The public note of a ticket closed at the desk (the citizen's tracking page shows it).
ANSWERED_ON_CALL = "Answered on the call."


def seed_catalog(session: Session) -> None:
    """Insert the default agencies and categories that are missing; never overwrite edits."""
    have_agencies = set(session.scalars(select(Agency.code)))
    for agency in DEFAULT_AGENCIES:
        if agency.code not in have_agencies:
            session.add(Agency(code=agency.code, name_en=agency.name_en, name_id=agency.name_id,
                               office_hours=agency.office_hours, supervisor=agency.supervisor))
    session.flush()
    have_categories = set(session.scalars(select(Category.code)))
    for cat in DEFAULT_CATEGORIES:
        if cat.code not in have_categories:
            session.add(Category(code=cat.code, name=cat.name, description=cat.description,
                                 agency_code=cat.agency, tier=str(cat.tier), group=cat.group,
                                 keywords=cat.keywords))
    seed_tiers_and_districts(session)


def agency(session: Session, code: str) -> Agency | None:
    return session.get(Agency, code)


def category(session: Session, code: str) -> Category | None:
    return session.get(Category, code)


def categories(session: Session) -> list[CategoryRecord]:
    """The categories that take new tickets (Open311's services); retired ones are left out."""
    rows = session.scalars(select(Category).where(Category.active).order_by(Category.code))
    return [CategoryRecord(c.code, c.name, c.description, c.group, c.keywords, c.agency_code,
                           c.tier) for c in rows]


def desk_categories(session: Session) -> list[dict[str, str]]:
    """The categories the console's desk offers: each with the agency and the deadline it
    leads to (as the operator tells the caller)."""
    rows = session.scalars(select(Category).order_by(Category.name)).unique()
    spans = tier_spans(session)
    return [{"code": c.code, "name": c.name, "agency": c.agency_code,
             "agency_name": c.agency.name_en, "tier": c.tier,
             "deadline": deadline_text(spans[c.tier], c.agency.office_hours)
             if c.tier in spans else "",
             "description": c.description, "group": c.group}
            for c in rows if c.active]


def calendar_days(session: Session) -> tuple[frozenset[date], frozenset[date]]:
    """(holidays, make-up working days) from the holiday table."""
    rows = list(session.scalars(select(Holiday)))
    return (frozenset(h.day for h in rows if not h.workday),
            frozenset(h.day for h in rows if h.workday))


def ticket_by_number(session: Session, number: str) -> Ticket | None:
    return session.scalars(select(Ticket).where(Ticket.number == number)).first()


def ticket_by_source(session: Session, source_ref: str) -> Ticket | None:
    return session.scalars(select(Ticket).where(Ticket.source_ref == source_ref)).first()


def ticket_by_token(session: Session, token: str) -> Ticket | None:
    return session.scalars(select(Ticket).where(Ticket.token == token)).first()


def insert_ticket(session: Session, new: NewTicket, cat: Category, due_at: datetime,
                  actor: str, agency_code: str = "") -> Ticket:
    """The new ticket, at ``agency_code`` (a branch: ``branches.route_agency``) or else at the
    category's agency."""
    ticket = Ticket(
        number=new.number, token=new.token, channel=new.channel, source_ref=new.source_ref,
        caller_number=new.caller_number, contact_name=new.contact_name,
        contact_email=new.contact_email, language=new.language, category_code=cat.code,
        agency_code=agency_code or cat.agency_code, description=new.description,
        recording_path=new.recording_path, media_url=new.media_url, latitude=new.latitude,
        longitude=new.longitude, address=new.address, kind=new.kind, district=new.district,
        subdistrict=new.subdistrict, operator=new.operator,
        attributes_json=json.dumps(new.attributes, ensure_ascii=False),
        status=str(Status.RECEIVED), status_note="", public_note="",
        created_at=new.received_at, updated_at=new.received_at, due_at=due_at,
        escalated_at=None)
    ticket.history.append(StatusChange(at=new.received_at, actor=fit_actor(actor),
                                       from_status=None, to_status=str(Status.RECEIVED),
                                       note="", public_note=""))
    session.add(ticket)
    session.flush()
    return ticket


def finish_desk_ticket(session: Session, ticket: Ticket, new: NewTicket) -> None:
    """What a ticket made at the console's desk adds to the insert: closing a consultation
    answered on the call, and the call's wrap-up row (``wrapups.py``), in one transaction."""
    if new.closed_on_call:
        for status in (Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED):
            add_change(session, ticket, new.received_at, fit_actor(f"web:{new.operator}"),
                       str(status), "answered on the call",
                       ANSWERED_ON_CALL if status is Status.RESOLVED else "")
    unique_id = call_of(new.source_ref)
    if unique_id and new.operator:
        save_wrap_up(session, WrapUp(unique_id, new.operator, new.received_at,
                                     caller_number=new.caller_number,
                                     ticket_number=new.number))


def save_wrap_up(session: Session, wrap_up: WrapUp) -> WrapUp:
    """Store how a call ended; a call that made a ticket keeps it (a later reason does not
    undo a ticket). Returns what is stored."""
    row = session.get(CallWrapUp, wrap_up.unique_id)
    if row is not None and row.ticket_number:
        return wrap_up_of(row)
    if row is None:
        row = CallWrapUp(unique_id=wrap_up.unique_id)
        session.add(row)
    row.operator, row.queue = wrap_up.operator[:200], wrap_up.queue[:40]
    row.caller_number, row.ticket_number = wrap_up.caller_number[:64], wrap_up.ticket_number
    row.reason, row.at = wrap_up.reason, wrap_up.at
    return wrap_up


def wrap_up_of(row: CallWrapUp) -> WrapUp:
    return WrapUp(row.unique_id, row.operator, row.at, row.queue, row.caller_number,
                  row.ticket_number, row.reason)


def unwrapped_calls(session: Session, since: datetime, operator: str,
                    queues: Iterable[str]) -> list[dict[str, object]]:
    """Answered calls of ``queues`` since ``since`` (of ``operator`` unless empty) that have
    no wrap-up yet: neither a ticket nor a reason."""
    done = select(CallWrapUp.unique_id).where(  # a wrap-up code alone does not answer it
        or_(CallWrapUp.ticket_number != "", CallWrapUp.reason != ""))
    stmt = (select(queue_calls.c.unique_id, queue_calls.c.queue, queue_calls.c.caller_number,
                   queue_calls.c.joined_at, queue_calls.c.member)
            .where(queue_calls.c.outcome == "answered", queue_calls.c.joined_at >= since,
                   queue_calls.c.queue.in_(list(queues)),
                   queue_calls.c.unique_id.not_in(done))
            .order_by(queue_calls.c.joined_at))
    if operator:
        stmt = stmt.where(queue_calls.c.member == operator)
    return [{"unique_id": r.unique_id, "queue": r.queue, "caller_number": r.caller_number,
             "answered_call_at": r.joined_at.isoformat(), "operator": r.member}
            for r in session.execute(stmt)]


def public_note_after(from_status: str, to_status: str, current: str, given: str) -> str:
    """The ticket's published note after a history line (pure).

    A new public note replaces it; a status change without one clears it (it explained the
    old status); a line that keeps the status and says nothing public (an escalation, an
    internal remark) leaves it as it was.
    """
    if given:
        return given
    return "" if from_status != to_status else current


def add_change(session: Session, ticket: Ticket, at: datetime, actor: str, to_status: str,
               note: str, public_note: str = "") -> None:
    """A history line; ``note`` stays internal, only ``public_note`` is ever published."""
    ticket.history.append(StatusChange(at=at, actor=fit_actor(actor), from_status=ticket.status,
                                       to_status=to_status, note=note,
                                       public_note=public_note))
    ticket.public_note = public_note_after(ticket.status, to_status, ticket.public_note,
                                           public_note)
    if to_status == Status.IN_PROGRESS and ticket.accepted_at is None:
        ticket.accepted_at = at
    if to_status == Status.RESOLVED:
        ticket.resolved_at = at
    ticket.status = to_status
    ticket.status_note = note
    ticket.updated_at = at


def find_tickets(session: Session, query: TicketQuery) -> list[Ticket]:
    stmt = select(Ticket)
    if query.numbers:
        stmt = stmt.where(Ticket.number.in_(query.numbers))
    if query.categories:
        stmt = stmt.where(Ticket.category_code.in_(query.categories))
    if query.statuses:
        stmt = stmt.where(Ticket.status.in_([str(s) for s in query.statuses]))
    if query.start is not None:
        stmt = stmt.where(Ticket.created_at >= query.start)
    if query.end is not None:
        stmt = stmt.where(Ticket.created_at <= query.end)
    stmt = stmt.order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(query.limit)
    return list(session.scalars(stmt).unique())


def unfinished_due_before(session: Session, moment: datetime) -> list[Ticket]:
    """Tickets the agencies still work on whose deadline is before ``moment``."""
    stmt = (select(Ticket).where(Ticket.due_at <= moment)
            .where(Ticket.status.not_in([str(s) for s in FINISHED]))
            .order_by(Ticket.due_at))
    return list(session.scalars(stmt).unique())


def highest_number(session: Session, prefix: str) -> str | None:
    """The highest ticket number with this prefix (longer numbers are higher)."""
    stmt = (select(Ticket.number).where(Ticket.number.like(f"{prefix}%"))
            .order_by(func.length(Ticket.number).desc(), Ticket.number.desc()).limit(1))
    return session.scalars(stmt).first()


def insert_incident(session: Session, report: IncidentReport) -> bool:
    """Record a 112 call once per unique id; False if it was already there."""
    exists = session.scalars(
        select(Incident.id).where(Incident.unique_id == report.unique_id)).first()
    if exists is not None:
        return False
    session.add(Incident(unique_id=report.unique_id, caller_number=report.caller_number,
                         service=report.service, queue=report.queue,
                         started_at=report.started_at, outcome="queued"))
    session.flush()
    return True


def insert_incidents(session: Session, reports: Iterable[IncidentReport]) -> int:
    """Record many 112 calls once per unique id in one INSERT (write-behind,
    ``write_behind``); returns how many were new."""
    new = {r.unique_id: r for r in reports}
    there = set(session.scalars(select(Incident.unique_id).where(
        Incident.unique_id.in_(list(new)))))
    rows = [{"unique_id": r.unique_id, "caller_number": r.caller_number, "service": r.service,
             "queue": r.queue, "started_at": r.started_at, "outcome": "queued"}
            for unique_id, r in new.items() if unique_id not in there]
    if rows:
        session.execute(insert(Incident), rows)
    return len(rows)


def incident(session: Session, unique_id: str) -> Incident | None:
    return session.scalars(select(Incident).where(Incident.unique_id == unique_id)).first()


# What the AMI service knows of a 112 call; the operator's outcome is not among them.
INCIDENT_FACTS = ("caller_number", "service", "queue", "started_at", "answered_at",
                  "answered_by", "waited_seconds", "call_state", "silent", "keys", "joins",
                  "callbacks", "callback_of", "location", "lane", "ended_at")
NO_OUTCOME = ("", "queued")


def upsert_incident(session: Session, report: IncidentReport) -> bool:
    """The incident's call facts as ``report`` has them now; True if it was new."""
    values = {name: getattr(report, name) for name in INCIDENT_FACTS}
    row = incident(session, report.unique_id)
    if row is None:
        session.add(Incident(unique_id=report.unique_id, outcome="queued", **values))
        session.flush()
        return True
    for name, value in values.items():
        setattr(row, name, value)
    return False


def incident_view(row: Incident) -> IncidentView:
    report = IncidentReport(row.unique_id, **{name: getattr(row, name)
                                              for name in INCIDENT_FACTS})
    outcome = "" if row.outcome in NO_OUTCOME else row.outcome
    return IncidentView(report, outcome, row.outcome_by, row.outcome_at)


def set_incident_outcome(session: Session, unique_id: str, outcome: str, actor: str,
                         at: datetime) -> IncidentView | None:
    row = incident(session, unique_id)
    if row is None:
        return None
    row.outcome, row.outcome_by, row.outcome_at = outcome, actor, at
    return incident_view(row)


def incidents_between(session: Session, start: datetime, end: datetime, caller: str = "",
                      limit: int = 500) -> list[IncidentView]:
    stmt = (select(Incident).where(Incident.started_at >= start, Incident.started_at < end)
            .order_by(Incident.started_at.desc()).limit(limit))
    if caller:
        stmt = stmt.where(Incident.caller_number == caller)
    return [incident_view(row) for row in session.scalars(stmt)]


def outcome_counts(session: Session, start: datetime, end: datetime) -> dict[str, int]:
    stmt = (select(Incident.outcome, func.count()).where(Incident.started_at >= start,
                                                           Incident.started_at < end)
            .group_by(Incident.outcome))
    counts: dict[str, int] = {}
    for outcome, count in session.execute(stmt):
        key = "none" if outcome in NO_OUTCOME else outcome
        counts[key] = counts.get(key, 0) + int(count)
    return counts


def prank_calls(session: Session, number: str, since: datetime) -> int:
    """Calls from ``number`` marked prank since ``since`` and since its last clearance."""
    cleared = session.get(PrankClearance, number)
    if cleared is not None and cleared.cleared_at > since:
        since = cleared.cleared_at
    stmt = select(func.count()).select_from(Incident).where(
        Incident.caller_number == number, Incident.outcome == "prank",
        Incident.started_at >= since)
    return int(session.scalar(stmt) or 0)


def prank_numbers(session: Session, since: datetime, at_least: int) -> set[str]:
    """The prank lane's numbers: at least ``at_least`` calls marked prank since ``since``
    and since the number's last clearance (``prank_calls``'s rule, for every number in one
    query)."""
    stmt = (select(Incident.caller_number)
            .outerjoin(PrankClearance, PrankClearance.number == Incident.caller_number)
            .where(Incident.outcome == "prank", Incident.started_at >= since,
                   or_(PrankClearance.cleared_at.is_(None),
                       Incident.started_at >= PrankClearance.cleared_at))
            .group_by(Incident.caller_number).having(func.count() >= at_least))
    return {number for (number,) in session.execute(stmt) if number}


def clear_pranks(session: Session, number: str, actor: str, at: datetime) -> None:
    row = session.get(PrankClearance, number)
    if row is None:
        session.add(PrankClearance(number=number, cleared_at=at, cleared_by=actor))
    else:
        row.cleared_at, row.cleared_by = at, actor


def api_key_client(session: Session, key_sha256: str) -> str | None:
    row = session.get(ApiKey, key_sha256)
    return row.client if row is not None and not row.revoked else None


def to_record(ticket: Ticket, with_history: bool = False) -> TicketRecord:
    history = tuple(HistoryEntry(h.at, h.actor, h.from_status, h.to_status, h.note,
                                 h.public_note)
                    for h in ticket.history) if with_history else ()
    return TicketRecord(
        number=ticket.number, token=ticket.token, channel=ticket.channel,
        status=Status(ticket.status), status_note=ticket.status_note,
        category=ticket.category_code, category_name=ticket.category.name,
        agency=ticket.agency_code, agency_name_en=ticket.agency.name_en,
        agency_name_id=ticket.agency.name_id, language=ticket.language,
        caller_number=ticket.caller_number, description=ticket.description,
        recording_path=ticket.recording_path, media_url=ticket.media_url,
        latitude=ticket.latitude, longitude=ticket.longitude, address=ticket.address,
        created_at=ticket.created_at, updated_at=ticket.updated_at, due_at=ticket.due_at,
        escalated_at=ticket.escalated_at, history=history, public_note=ticket.public_note,
        kind=ticket.kind, district=ticket.district, subdistrict=ticket.subdistrict,
        operator=ticket.operator, accepted_at=ticket.accepted_at,
        resolved_at=ticket.resolved_at, contact_email=ticket.contact_email,
        **_follow_up(ticket.survey))


def _follow_up(survey: TicketSurvey | None) -> dict[str, Any]:
    if survey is None:
        return {}
    return {"follow_up": survey.state, "rating": survey.rating, "rated_by": survey.rated_by,
            "rated_at": survey.rated_at}
