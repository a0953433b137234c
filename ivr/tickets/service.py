"""The ticket service: the rules (categories, deadlines, status machine, escalation).

Synchronous SQLAlchemy; the async ``desk`` runs it in worker threads. Every method opens and
commits its own session, so a call is one transaction.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ..clock import day_now
from ..notify import notices, outbox
from ..notify.rules import overdue_message, overdue_recipients
from ..reports.records import CallRecord
from ..reports.scorecard import ScoreFact
from ..reports.store import insert_call
from ..reports.tickets import TicketFact
from . import catalog_store, facts, storage
from .branches import area_of, route_agency
from .deadlines import TIER_SPANS, Tier, TierSpan, WorkingCalendar, due_at
from .errors import InvalidRequest, InvalidTransition, NoSuchTicket, UnknownCategory
from .escalation import EscalationReport, build_report
from .fields import check_ticket, xml_safe
from .inbox import HANDED_BACK, hand_back_note, hand_back_reason
from .models import DESCRIPTION_MAX, Agency, Category, StatusChange, Ticket
from .numbers import counter_of
from .records import (
    CategoryRecord,
    IncidentReport,
    IncidentView,
    NewTicket,
    TicketQuery,
    TicketRecord,
)
from .status import FINISHED, Status, check_transition
from .wrapups import WrapUp

log = logging.getLogger(__name__)

SYSTEM_ACTOR = "system"


def utc_now() -> datetime:
    """The day clock's now (ivr/clock.py): deadlines follow a simulated day's time scale."""
    return day_now()


class TicketService:
    def __init__(self, engine: Engine, calendar: WorkingCalendar,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)
        self.base_calendar = calendar
        self.clock = clock

    def calendar(self, session: Session) -> WorkingCalendar:
        holidays, workdays = storage.calendar_days(session)
        return replace(self.base_calendar, holidays=holidays, extra_workdays=workdays)

    def open_ticket(self, new: NewTicket, actor: str) -> TicketRecord:
        """Create the ticket; the same number or source again returns the existing one."""
        check_ticket(new)  # nothing longer than its column reaches the database
        try:
            return self._insert(new, actor)
        except IntegrityError:  # a concurrent insert of the same number or call won the race
            existing = self._existing(new)
            if existing is None:
                raise
            return existing

    def _insert(self, new: NewTicket, actor: str) -> TicketRecord:
        with self.sessions.begin() as session:
            found = storage.ticket_by_number(session, new.number) or (
                storage.ticket_by_source(session, new.source_ref) if new.source_ref else None)
            if found is not None:
                return storage.to_record(found)
            cat = storage.category(session, new.category)
            if cat is None or not cat.active:  # a retired category takes no new tickets
                raise UnknownCategory(f"no category {new.category!r}", category=new.category)
            new, agency = self._routed(session, new, cat)
            due = due_at(new.received_at, self._span(session, cat.tier), agency.office_hours,
                         self.calendar(session))
            ticket = storage.insert_ticket(session, new, cat, due, actor, agency.code)
            storage.finish_desk_ticket(session, ticket, new)
            return storage.to_record(ticket)

    # --- the catalog's routing (branches.py) and tiers (deadline_tiers) ------------------------

    def _routed(self, session: Session, new: NewTicket, cat: Category
                ) -> tuple[NewTicket, Agency]:
        """The ticket with its district filled from its sub-district, and the agency (the
        branch serving the place, else the category's) it goes to."""
        if not (new.district or new.subdistrict):
            return new, cat.agency
        parents = catalog_store.district_parents(session)
        district, subdistrict = area_of(new.district, new.subdistrict, parents)
        new = replace(new, district=district, subdistrict=subdistrict)
        code = route_agency(cat.agency_code, district, subdistrict,
                            catalog_store.branches_of(session, cat.agency_code), parents)
        return new, (storage.agency(session, code) or cat.agency)

    def _span(self, session: Session, tier: str) -> TierSpan:
        span = catalog_store.tier_span(session, tier)
        if span is None:  # the rules keep categories on existing tiers; a stray one is general
            log.error("category tier %r is not in deadline_tiers; counted as general", tier)
            return TIER_SPANS[Tier.GENERAL]
        return span

    def _existing(self, new: NewTicket) -> TicketRecord | None:
        with self.sessions.begin() as session:
            found = storage.ticket_by_number(session, new.number) or (
                storage.ticket_by_source(session, new.source_ref) if new.source_ref else None)
            return storage.to_record(found) if found is not None else None

    def get(self, number: str, with_history: bool = False) -> TicketRecord | None:
        with self.sessions.begin() as session:
            ticket = storage.ticket_by_number(session, number)
            return storage.to_record(ticket, with_history) if ticket else None

    def by_token(self, token: str, with_history: bool = False) -> TicketRecord | None:
        with self.sessions.begin() as session:
            ticket = storage.ticket_by_token(session, token)
            return storage.to_record(ticket, with_history) if ticket else None

    def stop_notices(self, token: str) -> TicketRecord | None:
        """The citizen of the ticket ``token`` asks for no more notices: its number and
        e-mail join the opt-out list (``notify.notices``). None for an unknown token."""
        with self.sessions.begin() as session:
            ticket = storage.ticket_by_token(session, token)
            if ticket is None:
                return None
            notices.opt_out(session, [ticket.caller_number, ticket.contact_email],
                            self.clock())
            return storage.to_record(ticket)

    def find(self, query: TicketQuery) -> list[TicketRecord]:
        with self.sessions.begin() as session:
            return [storage.to_record(t) for t in storage.find_tickets(session, query)]

    def by_caller(self, caller_number: str, limit: int) -> list[TicketRecord]:
        """The caller's latest ``limit`` tickets, newest first."""
        stmt = (select(Ticket).where(Ticket.caller_number == caller_number)
                .order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit))
        with self.sessions.begin() as session:
            return [storage.to_record(t) for t in session.scalars(stmt).unique()]

    def counts_by_status(self) -> dict[str, int]:
        stmt = select(Ticket.status, func.count()).group_by(Ticket.status)
        with self.sessions.begin() as session:
            return {str(status): int(n) for status, n in session.execute(stmt)}

    def change_status(self, number: str, target: Status, actor: str, note: str = "",
                      agency: str | None = None, public_note: str = "") -> TicketRecord:
        """Move a ticket along the status machine, with a history line (who, when, note).

        ``note`` is internal (agencies, hotline); only ``public_note`` goes out over Open311.
        """
        with self.sessions.begin() as session:
            ticket = self._ticket(session, number)
            check_transition(Status(ticket.status), target)
            if agency is not None and agency != ticket.agency_code:
                if target is not Status.ASSIGNED:
                    raise InvalidTransition("only an assignment changes the agency")
                ticket.agency_code = agency
            storage.add_change(session, ticket, self.clock(), actor, str(target), note,
                               xml_safe(public_note.strip()))
            session.flush()
            session.refresh(ticket)
            return storage.to_record(ticket, with_history=True)

    # --- agencies' inboxes (inbox.py) ---------------------------------------------------------

    def agency_tickets(self, agencies: tuple[str, ...], finished_since: datetime,
                       limit: int) -> list[TicketRecord]:
        """The agencies' unfinished tickets and those finished since ``finished_since``."""
        stmt = (select(Ticket).where(Ticket.agency_code.in_(agencies))
                .where((Ticket.status.not_in([str(s) for s in FINISHED]))
                       | (Ticket.updated_at >= finished_since))
                .order_by(Ticket.due_at).limit(limit))
        with self.sessions.begin() as session:
            # The history of tickets received again: the hand-back's reason (inbox.py).
            return [storage.to_record(t, t.status == Status.RECEIVED)
                    for t in session.scalars(stmt).unique()]

    def handed_back(self, limit: int) -> list[TicketRecord]:
        """Tickets an agency handed back that the hotline has not routed on yet, oldest
        deadline first, with their history (the reason)."""
        back = (select(StatusChange.ticket_id)
                .where(StatusChange.to_status == str(Status.RECEIVED),
                       StatusChange.note.startswith(HANDED_BACK, autoescape=True)))
        stmt = (select(Ticket).where(Ticket.status == str(Status.RECEIVED),
                                     Ticket.id.in_(back))
                .order_by(Ticket.due_at).limit(limit))
        with self.sessions.begin() as session:
            records = [storage.to_record(t, with_history=True)
                       for t in session.scalars(stmt).unique()]
        return [r for r in records if hand_back_reason(r.status, r.history) is not None]

    def add_note(self, number: str, actor: str, note: str, public: bool) -> TicketRecord:
        """A progress note that keeps the status: public (tracking page, Open311) or not."""
        with self.sessions.begin() as session:
            ticket = self._ticket(session, number)
            storage.add_change(session, ticket, self.clock(), actor, ticket.status,
                               "" if public else note, xml_safe(note) if public else "")
            session.flush()
            session.refresh(ticket)
            return storage.to_record(ticket, with_history=True)

    def hand_back(self, number: str, actor: str, reason: str,
                  default_agency: str) -> TicketRecord:
        """The agency hands the ticket back: received again, at the default agency, with the
        reason in the history, for the hotline to route it to the right one."""
        with self.sessions.begin() as session:
            ticket = self._ticket(session, number)
            if ticket.status != Status.RECEIVED:  # received: routed to it, not yet accepted
                check_transition(Status(ticket.status), Status.RECEIVED)
            elif ticket.agency_code == default_agency:
                raise InvalidRequest("the ticket waits at the default agency already: the "
                                     "hotline routes it on", field="agency")
            previous = ticket.agency_code
            if storage.agency(session, default_agency) is not None:
                ticket.agency_code = default_agency
            # The agency it goes to next responds afresh (the scorecard), and is escalated to.
            ticket.accepted_at = ticket.escalated_at = None
            storage.add_change(session, ticket, self.clock(), actor, str(Status.RECEIVED),
                               hand_back_note(previous, reason))
            session.flush()
            session.refresh(ticket)
            return storage.to_record(ticket, with_history=True)

    def agency_codes(self) -> set[str]:
        with self.sessions.begin() as session:
            return set(session.scalars(select(Agency.code)))

    def assign(self, number: str, agency: str, actor: str, note: str) -> TicketRecord:
        """The hotline routes a ticket (e.g. one handed back) to ``agency``."""
        with self.sessions.begin() as session:
            if storage.agency(session, agency) is None:
                raise InvalidRequest(f"no agency {agency!r}", field="agency")
        return self.change_status(number, Status.ASSIGNED, actor, note, agency)

    def add_transcript(self, number: str, transcript: str) -> None:
        """Append the speech-to-text of the caller's recording to the description."""
        with self.sessions.begin() as session:
            ticket = self._ticket(session, number)
            text = f"[transcript] {xml_safe(transcript).strip()}"
            ticket.description = f"{ticket.description}\n{text}".strip()[:DESCRIPTION_MAX]

    def _ticket(self, session: Session, number: str) -> Ticket:
        ticket = storage.ticket_by_number(session, number)
        if ticket is None:
            raise NoSuchTicket(f"no ticket {number}", number=number)
        return ticket

    def overdue(self, now: datetime | None = None) -> list[TicketRecord]:
        moment = now or self.clock()
        with self.sessions.begin() as session:
            return [storage.to_record(t) for t in storage.unfinished_due_before(session, moment)
                    if t.due_at < moment]

    def due_soon(self, window: timedelta, now: datetime | None = None) -> list[TicketRecord]:
        moment = now or self.clock()
        with self.sessions.begin() as session:
            rows = storage.unfinished_due_before(session, moment + window)
            return [storage.to_record(t) for t in rows if t.due_at >= moment]

    def escalation_report(self, window: timedelta,
                          now: datetime | None = None) -> EscalationReport:
        moment = now or self.clock()
        with self.sessions.begin() as session:
            rows = storage.unfinished_due_before(session, moment + window)
            return build_report([storage.to_record(t) for t in rows], moment, window)

    def escalate(self, window: timedelta, now: datetime | None = None,
                 hotline_email: str = "") -> list[str]:
        """Flag overdue and due-soon tickets to their agency's supervisor, once each.

        Returns the numbers escalated now; each gets a history line naming the supervisor.
        An overdue one also queues an e-mail to its agency's address and to ``hotline_email``
        (those set) in the same transaction, so the mail exists exactly when the flag does.
        """
        moment = now or self.clock()
        escalated = []
        with self.sessions.begin() as session:
            for ticket in storage.unfinished_due_before(session, moment + window):
                overdue = ticket.due_at < moment
                # A ticket flagged "due soon" earlier is flagged again once overdue: its
                # e-mail (queued once: the outbox's dedupe key) is what says so.
                mailed = self._queue_overdue_mail(session, ticket, hotline_email, moment) \
                    if overdue else False
                if ticket.escalated_at is not None and not mailed:
                    continue
                ticket.escalated_at = moment
                storage.add_change(session, ticket, moment, SYSTEM_ACTOR, ticket.status,
                                   f"{'overdue' if overdue else 'due soon'}: escalated to "
                                   f"{ticket.agency.supervisor}")
                escalated.append(ticket.number)
        return escalated

    def _queue_overdue_mail(self, session: Session, ticket: Ticket, hotline_email: str,
                            now: datetime) -> bool:
        """Queue the overdue e-mails not queued yet; True if any was."""
        record = storage.to_record(ticket)
        queued = [outbox.queue(session, overdue_message(record, ticket.agency.name_en,
                                                        recipient,
                                                        timezone=self.base_calendar.timezone),
                               now)
                  for recipient in overdue_recipients(ticket.agency.email, hotline_email)]
        return any(queued)

    def wrap_up(self, wrap_up: WrapUp) -> WrapUp:
        """Store how an answered call ended (a ticket made already wins: ``storage``)."""
        with self.sessions.begin() as session:
            return storage.save_wrap_up(session, wrap_up)

    def unwrapped_calls(self, since: datetime, operator: str,
                        queues: Iterable[str]) -> list[dict[str, object]]:
        with self.sessions.begin() as session:
            return storage.unwrapped_calls(session, since, operator, queues)

    def record_incident(self, report: IncidentReport) -> bool:
        """Record a 112 call once; False if it was there (also when a concurrent write won)."""
        try:
            with self.sessions.begin() as session:
                return storage.insert_incident(session, report)
        except IntegrityError:
            with self.sessions.begin() as session:
                if storage.incident(session, report.unique_id) is None:
                    raise
            return False

    def record_incidents(self, reports: list[IncidentReport]) -> int:
        """Record many 112 calls in one transaction, each once; how many were new. When a
        concurrent write of one of them wins, each is recorded on its own."""
        try:
            with self.sessions.begin() as session:
                return storage.insert_incidents(session, reports)
        except IntegrityError:
            return sum(self.record_incident(report) for report in reports)

    def record_calls(self, records: list[CallRecord]) -> int:
        """Many queue call records in one transaction, each once; how many were new. When a
        concurrent write of one of them wins, each is recorded on its own."""
        try:
            with self.sessions.begin() as session:
                return sum(insert_call(session, record) for record in records)
        except IntegrityError:
            return sum(self.record_call(record) for record in records)

    def record_call(self, record: CallRecord) -> bool:
        """A queue call's record, once (``reports.store.insert_call``); False if it was there
        (also when a concurrent write of it won)."""
        try:
            with self.sessions.begin() as session:
                return insert_call(session, record)
        except IntegrityError:
            return False

    def save_incident_facts(self, report: IncidentReport) -> bool:
        """The call facts of a 112 incident as they are now (made if new); True if new."""
        try:
            with self.sessions.begin() as session:
                return storage.upsert_incident(session, report)
        except IntegrityError:  # a concurrent first write won: update it
            with self.sessions.begin() as session:
                return storage.upsert_incident(session, report)

    def set_incident_outcome(self, unique_id: str, outcome: str, actor: str,
                             at: datetime) -> IncidentView | None:
        with self.sessions.begin() as session:
            return storage.set_incident_outcome(session, unique_id, outcome, actor, at)

    def incident(self, unique_id: str) -> IncidentView | None:
        with self.sessions.begin() as session:
            row = storage.incident(session, unique_id)
            return storage.incident_view(row) if row is not None else None

    def incidents(self, start: datetime, end: datetime, caller: str = "",
                  limit: int = 500) -> list[IncidentView]:
        with self.sessions.begin() as session:
            return storage.incidents_between(session, start, end, caller, limit)

    def outcome_counts(self, start: datetime, end: datetime) -> dict[str, int]:
        with self.sessions.begin() as session:
            return storage.outcome_counts(session, start, end)

    def prank_calls(self, number: str, since: datetime) -> int:
        with self.sessions.begin() as session:
            return storage.prank_calls(session, number, since)

    def prank_numbers(self, since: datetime, at_least: int) -> set[str]:
        with self.sessions.begin() as session:
            return storage.prank_numbers(session, since, at_least)

    def clear_pranks(self, number: str, actor: str, at: datetime) -> None:
        with self.sessions.begin() as session:
            storage.clear_pranks(session, number, actor, at)

    def ticket_facts(self, start: datetime, end: datetime) -> list[TicketFact]:
        """What the reports count of tickets created, resolved or due in ``[start, end)``."""
        with self.sessions.begin() as session:
            return facts.ticket_facts(session, start, end)

    def score_facts(self, start: datetime, end: datetime
                    ) -> tuple[list[tuple[str, str]], list[ScoreFact]]:
        """The agencies and the scorecard's facts of ``[start, end)`` (``facts.py``)."""
        with self.sessions.begin() as session:
            return facts.score_facts(session, start, end)

    def desk_categories(self) -> list[dict[str, str]]:
        with self.sessions.begin() as session:
            return storage.desk_categories(session)

    def categories(self) -> list[CategoryRecord]:
        with self.sessions.begin() as session:
            return storage.categories(session)

    def api_client(self, key: str) -> str | None:
        digest = hashlib.sha256(key.encode()).hexdigest()
        with self.sessions.begin() as session:
            return storage.api_key_client(session, digest)

    def highest_counter(self, prefix: str) -> int | None:
        with self.sessions.begin() as session:
            number = storage.highest_number(session, prefix)
        return counter_of(number, prefix) if number else None
