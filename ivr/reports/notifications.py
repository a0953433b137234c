"""Messages to citizens and staff in a period, per channel and purpose (pure).

A message is the ``outbox`` row queued for it (``ivr/notify/outbox.py``); what it was for is
the prefix of its dedupe key: ``citizen:`` a notice of a ticket's step
(``notify.citizen.notice_key``), ``overdue:`` an escalation e-mail
(``notify.rules.overdue_key``), ``survey:`` the satisfaction SMS survey
(``satisfaction.calls.give_up``). Counted over the messages queued in the period, as they
stand now:

- **queued**: all of them; **sent**: accepted by the gateway or mail server;
- **failed**: given up, not sent after ``MAX_TRIES`` failed tries (kept with the error);
- **waiting**: not sent and still to be tried;
- **retried**: sent or given up after more than one try (a row's ``tries`` counts the
  failed tries, so a message sent at once has 0).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from ..notify.rules import gives_up
from .periods import Period

NOTICE, ESCALATION, SURVEY, OTHER = "notice", "escalation", "survey", "other"
PURPOSES = {"citizen": NOTICE, "overdue": ESCALATION, "survey": SURVEY}
TOTAL = "total"


def purpose_of(dedupe_key: str) -> str:
    """What a message was for, from its dedupe key's prefix."""
    return PURPOSES.get(dedupe_key.partition(":")[0], OTHER)


@dataclass(frozen=True)
class MessageFact:
    channel: str  # email, sms
    purpose: str
    queued_at: datetime
    tries: int  # failed tries
    sent: bool

    @property
    def attempts(self) -> int:
        return self.tries + int(self.sent)


@dataclass(frozen=True)
class NotificationLine:
    channel: str
    purpose: str
    queued: int = 0
    sent: int = 0
    failed: int = 0
    waiting: int = 0
    retried: int = 0


def notification_lines(facts: Iterable[MessageFact], period: Period) -> list[NotificationLine]:
    """One line per channel and purpose seen, by channel then purpose."""
    counts: dict[tuple[str, str], list[int]] = {}
    for fact in facts:
        if not period.contains(fact.queued_at):
            continue
        tally = counts.setdefault((fact.channel, fact.purpose), [0] * 5)
        failed = not fact.sent and gives_up(fact.tries)
        tally[0] += 1
        tally[1] += fact.sent
        tally[2] += failed
        tally[3] += not fact.sent and not failed
        tally[4] += (fact.sent or failed) and fact.attempts > 1
    return [NotificationLine(channel, purpose, *counts[(channel, purpose)])
            for channel, purpose in sorted(counts)]


def notification_total(lines: Sequence[NotificationLine]) -> NotificationLine:
    return NotificationLine(TOTAL, TOTAL, *(sum(getattr(line, name) for line in lines)
                                            for name in ("queued", "sent", "failed",
                                                         "waiting", "retried")))
