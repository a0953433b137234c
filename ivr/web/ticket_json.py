"""A ticket as the web's JSON API shows it to operators (Open311 has its own format)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ..tickets.records import TicketRecord


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def ticket_json(record: TicketRecord) -> dict[str, Any]:
    return {
        "number": record.number, "status": str(record.status), "category": record.category,
        "category_name": record.category_name, "agency": record.agency,
        "caller_number": record.caller_number, "language": record.language,
        "description": record.description, "address": record.address,
        "kind": record.kind, "district": record.district, "subdistrict": record.subdistrict,
        "operator": record.operator, "agency_name": record.agency_name_en,
        "created_at": record.created_at.isoformat(), "due_at": record.due_at.isoformat(),
        "accepted_at": _iso(record.accepted_at), "resolved_at": _iso(record.resolved_at),
        "history": [{"at": h.at.isoformat(), "actor": h.actor, "from": h.from_status,
                     "to": h.to_status, "note": h.note, "public_note": h.public_note}
                    for h in record.history],
        # The satisfaction follow-up: its state ("" before it starts) and the rating 1-5.
        "satisfaction": {"follow_up": record.follow_up, "rating": record.rating,
                         "rated_by": record.rated_by, "rated_at": _iso(record.rated_at)},
        # The citizen's tracking page (staff read it out or send it; no login needed).
        "tracking_path": f"/t/{record.token}",
    }
