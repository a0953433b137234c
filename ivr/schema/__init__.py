"""The database schema: one Alembic history for every table (``migrations/``), run once at
the start of each service (``upgrade.SchemaKeeper``) and by ``ivr db upgrade``."""
