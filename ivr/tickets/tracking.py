"""The citizen's tracking page of a ticket (``/t/<token>``): what it shows, in the ticket's
language, and whether the citizen may reopen it (pure; times passed in).

It shows the status and its history, the public notes, the agency and the deadline; never
the caller's number, the description, the address, the recording or internal notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from .errors import InvalidRequest
from .records import TicketRecord
from .status import Status

REASON_MAX = 1000

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "title": "Your report", "number": "Report number", "status": "Status",
        "agency": "Handled by", "due": "Due by", "history": "What happened",
        "reopen": "Not fixed? Reopen the report", "reason": "What is still wrong",
        "send": "Reopen", "reopened": "Reopened at the citizen's request",
        "done": "Thank you: the report is open again and back with the agency.",
        "received": "received", "assigned": "assigned to an agency",
        "in_progress": "being worked on", "resolved": "resolved", "closed": "closed",
        "rejected": "rejected", "duplicate": "a duplicate of another report",
        "stop": "Send me no more messages about my reports", "stop_send": "Stop messages",
        "stopped": "Done: the hotline sends you no more messages.",
        "rate": "How satisfied are you with how your report was handled?",
        "rate_scale": "1 very unsatisfied, 5 very satisfied", "rate_send": "Send my rating",
        "rated": "Your rating: {rating} of 5. Thank you.",
        "rate_thanks": "Thank you for your rating.",
        "performance": "How the city's hotlines are doing, month by month",
    },
    "id": {
        "title": "Laporan Anda", "number": "Nomor laporan", "status": "Status",
        "agency": "Ditangani oleh", "due": "Batas waktu", "history": "Riwayat",
        "reopen": "Belum selesai? Buka kembali laporan", "reason": "Apa yang masih salah",
        "send": "Buka kembali", "reopened": "Dibuka kembali atas permintaan warga",
        "done": "Terima kasih: laporan dibuka kembali dan dikirim ke instansi.",
        "received": "diterima", "assigned": "diteruskan ke instansi",
        "in_progress": "sedang dikerjakan", "resolved": "selesai", "closed": "ditutup",
        "rejected": "ditolak", "duplicate": "sama dengan laporan lain",
        "stop": "Jangan kirimi saya pesan lagi tentang laporan saya",
        "stop_send": "Hentikan pesan",
        "stopped": "Selesai: hotline tidak akan mengirimi Anda pesan lagi.",
        "rate": "Seberapa puas Anda dengan penanganan laporan Anda?",
        "rate_scale": "1 sangat tidak puas, 5 sangat puas", "rate_send": "Kirim penilaian",
        "rated": "Penilaian Anda: {rating} dari 5. Terima kasih.",
        "rate_thanks": "Terima kasih atas penilaian Anda.",
        "performance": "Kinerja hotline kota, bulan demi bulan",
    },
}


class CannotReopen(InvalidRequest):
    error_id = "cannot-reopen"


@dataclass(frozen=True)
class Step:
    at: datetime
    status: str  # in the ticket's language
    public_note: str


@dataclass(frozen=True)
class TrackingView:
    language: str
    number: str
    category: str
    status: str
    agency: str
    due_at: datetime
    steps: tuple[Step, ...]
    public_note: str
    can_reopen: bool
    can_rate: bool = False  # resolved or closed, not rated yet (the follow-up's web form)
    rating: int | None = None


def texts(language: str) -> dict[str, str]:
    return TEXTS.get(language, TEXTS["en"])


def resolved_at(record: TicketRecord) -> datetime | None:
    """When the ticket was last resolved (from its history)."""
    moments = [h.at for h in record.history if h.to_status == Status.RESOLVED]
    return max(moments) if moments else None


def reopen_refusal(record: TicketRecord, now: datetime, days: float) -> str:
    """Why the citizen may not reopen the ticket now; "" when they may."""
    if record.status != Status.RESOLVED:
        return "only a resolved report can be reopened"
    resolved = resolved_at(record)
    if resolved is not None and now - resolved > timedelta(days=days):
        return f"a report can be reopened within {days:g} days of being resolved"
    return ""


def checked_reason(reason: str) -> str:
    reason = " ".join(reason.split())
    if not reason:
        raise CannotReopen("say what is still wrong", field="reason")
    if len(reason) > REASON_MAX:
        raise CannotReopen(f"the reason is at most {REASON_MAX} characters", field="reason")
    return reason


def tracking_view(record: TicketRecord, now: datetime, reopen_days: float,
                  local: tzinfo | None = None) -> TrackingView:
    words = texts(record.language)
    as_local = (lambda moment: moment.astimezone(local)) if local else (lambda moment: moment)
    steps = tuple(Step(as_local(h.at), words.get(str(h.to_status), str(h.to_status)),
                       h.public_note) for h in record.history)
    return TrackingView(
        language=record.language if record.language in TEXTS else "en",
        number=record.number, category=record.category_name,
        status=words.get(str(record.status), str(record.status)),
        agency=record.agency_name(record.language), due_at=as_local(record.due_at),
        steps=steps, public_note=record.public_note,
        can_reopen=not reopen_refusal(record, now, reopen_days),
        can_rate=may_rate(record), rating=record.rating)


def may_rate(record: TicketRecord) -> bool:
    """The citizen may rate a resolved or closed report once."""
    return record.status in (Status.RESOLVED, Status.CLOSED) and record.rating is None
