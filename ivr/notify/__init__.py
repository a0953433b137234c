"""Notifications: messages queued in the ``outbox`` table in the transaction that decides
them, and sent later by a background worker, so a server that is away loses nothing.

``rules`` (pure: the escalation e-mail, the retry backoff) and ``citizen`` (pure: the
citizens' notices) -> ``outbox`` (the table, on a Session) and ``notices`` (the pass that
queues citizens' notices) -> ``smtp`` and ``sms`` (the senders, and the loop that drains the
outbox).
"""

EMAIL, SMS = "email", "sms"  # the outbox's channels
