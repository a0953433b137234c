"""Web accounts: operators, supervisors and admins, their passwords and API tokens.

``store.UserStore`` is the only door to the accounts' tables (``models.py``).
"""

from __future__ import annotations

from .store import AccountError, LastAdmin, NoSuchUser, Role, TokenInfo, User, UserStore

__all__ = ["AccountError", "LastAdmin", "NoSuchUser", "Role", "TokenInfo", "User", "UserStore"]
