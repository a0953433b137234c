"""The database edge of the console: the code lists, and the wrap-up code kept with each call.

``CodeStore`` reads and replaces a list whole (an empty table means the built-in defaults of
``codes.DEFAULTS``); its methods block, so the web edge runs them in worker threads.
``save_call_code`` writes the code into the call's one wrap-up row (``call_wrapups``, keyed by
the call's unique id) beside the ticket desk's ticket or reason, which it leaves alone. It is
idempotent, so the spool may offer it twice.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ..tickets.errors import StoreUnavailable
from ..tickets.models import CallWrapUp
from .codes import DEFAULTS, Code
from .records import CallCode
from .tables import operator_codes


class CodeStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def codes(self, kind: str) -> list[Code]:
        """The list of ``kind`` in the admin's order (the defaults until one is saved)."""
        try:
            with self.engine.connect() as conn:
                rows = conn.execute(select(operator_codes.c.code, operator_codes.c.label)
                                    .where(operator_codes.c.kind == kind)
                                    .order_by(operator_codes.c.position)).all()
        except SQLAlchemyError as exc:
            raise StoreUnavailable(f"the {kind} cannot be read now") from exc
        return [Code(r.code, r.label) for r in rows] or list(DEFAULTS[kind])

    def replace(self, kind: str, codes: Sequence[Code]) -> list[Code]:
        """Store ``codes`` (checked) as the whole list of ``kind``, in one transaction."""
        try:
            with self.engine.begin() as conn:
                conn.execute(delete(operator_codes).where(operator_codes.c.kind == kind))
                conn.execute(insert(operator_codes), [
                    {"kind": kind, "code": c.code, "label": c.label, "position": i}
                    for i, c in enumerate(codes)])
        except SQLAlchemyError as exc:
            raise StoreUnavailable(f"the {kind} cannot be saved now") from exc
        return list(codes)


def save_call_code(session: Session, call: CallCode) -> CallCode:
    """Keep the wrap-up code with the call's wrap-up row (made when there is none yet)."""
    row = session.get(CallWrapUp, call.unique_id)
    if row is None:
        row = CallWrapUp(unique_id=call.unique_id, operator=call.operator[:200],
                         queue=call.queue[:40], caller_number=call.caller_number[:64],
                         ticket_number="", reason="", at=call.at)
        session.add(row)
    row.code = call.code
    return call
