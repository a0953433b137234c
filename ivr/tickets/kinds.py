"""What a citizen's contact is, as Beijing 12345 counts them (pure).

A consultation is a question; a handling request asks the city to do something; a complaint
is about how the city did (or did not do) it; a suggestion proposes; information reports
something the city should know. Only the last four go to an agency's inbox as work; a
consultation answered on the call is closed at once.
"""

from __future__ import annotations

from enum import StrEnum

from .errors import InvalidRequest


class Kind(StrEnum):
    CONSULTATION = "consultation"
    HANDLING_REQUEST = "handling_request"
    COMPLAINT = "complaint"
    SUGGESTION = "suggestion"
    INFORMATION = "information"


KIND_NAMES: dict[Kind, str] = {
    Kind.CONSULTATION: "Consultation",
    Kind.HANDLING_REQUEST: "Handling request",
    Kind.COMPLAINT: "Complaint",
    Kind.SUGGESTION: "Suggestion",
    Kind.INFORMATION: "Information",
}


def parse_kind(text: str) -> Kind:
    try:
        return Kind(text)
    except ValueError:
        raise InvalidRequest(f"kind is one of {', '.join(Kind)}", kind=text[:40]) from None
