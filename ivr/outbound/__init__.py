"""Outbound calls: callbacks, virtual-hold callbacks, satisfaction calls (one engine)."""
