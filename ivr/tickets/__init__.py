"""Tickets: every call or request becomes a numbered record that reaches the responsible agency.

Layers: ``open311`` (HTTP edge) and ``desk`` (async facade for the IVR) -> ``service`` (rules)
-> ``storage`` (SQLAlchemy queries). Pure parts: ``numbers``, ``deadlines``, ``status``,
``catalog``. Nothing lost: ``spool`` keeps tickets on local disk while the database is away.
"""
