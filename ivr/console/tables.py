"""The admin's lists of pause reasons and wrap-up codes (``operator_codes``), in the one schema
history (``ivr/schema``; revision ``0016_operator_codes``)."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table

metadata = MetaData()

operator_codes = Table(
    "operator_codes", metadata,
    Column("kind", String(20), primary_key=True),  # pause_reasons, wrapup_codes
    Column("code", String(40), primary_key=True),
    Column("label", String(100), nullable=False, default=""),
    Column("position", Integer, nullable=False, default=0),
)
