"""Databases for tests, brought to the newest schema first (as every service does at start)."""

from __future__ import annotations

from ivr.config import Settings
from ivr.db import make_engine
from ivr.schema.upgrade import upgrade_database


def upgraded(settings: Settings) -> Settings:
    """``settings`` once its database has the newest schema."""
    engine = make_engine(settings.effective_database_url)
    try:
        upgrade_database(engine)
    finally:
        engine.dispose()
    return settings
