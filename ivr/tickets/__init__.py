"""Tickets: every call or request becomes a numbered record that reaches the responsible agency.

Layers: ``open311`` (HTTP edge) and ``desk`` (async facade for the IVR) -> ``service`` (rules)
-> ``storage`` (SQLAlchemy queries). Pure parts: ``numbers``, ``deadlines``, ``status``,
``catalog``, ``fields`` (column limits, XML-safe text). Nothing lost: ``spool`` keeps tickets on
local disk while the database is away, ``flusher`` writes them back, ``workers`` keeps the
database's threads apart from the spool's; ``filelock`` holds the local-file rules (flock,
fsync, 0600).
"""
