"""Notifications: messages queued in the ``outbox`` table in the transaction that decides
them, and sent later by a background worker, so a mail server that is away loses nothing.

``rules`` (pure: the messages, the retry backoff) -> ``outbox`` (the table, on a Session)
-> ``smtp`` (the sender and the loop that drains the outbox).
"""
