"""Web accounts: operators, supervisors and admins, their hashed passwords and API tokens.

The tables live in the hotline's database beside the tickets, in the one schema history
(``ivr/schema``, revision 0003). Passwords are hashed with scrypt (``passwords.py``); API
tokens are stored as SHA-256 digests and shown once.

Each account has a session epoch: a session cookie names the epoch it was issued under and is
refused once the epoch has moved on. Logging out, a password change and disabling an account
move it on, so every earlier cookie of that user stops working in every web process at once.
All methods are blocking: the web edge runs them in worker threads.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import (
    Engine,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ..errors import DomainError
from ..passwords import check_nobody, check_password, hash_password, needs_rehash
from .history import AdminHistory
from .models import WebApiToken, WebUser, WebUserAgency

log = logging.getLogger(__name__)

MIN_PASSWORD = 8
USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-")


class Role(StrEnum):
    OPERATOR = "operator"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    # Staff of one or more agencies (``User.agencies``): their inbox, nothing of the hotline.
    AGENCY = "agency"

    @property
    def rank(self) -> int:
        return HOTLINE_RANKS.get(self, -1)

    def allows(self, needed: Role) -> bool:
        """An admin may do what a supervisor may, who may do what an operator may. Agency
        routes are open to agency users and to the hotline's supervisors and admins (who
        see every agency); an agency user may open nothing else."""
        if needed is Role.AGENCY:
            return self is Role.AGENCY or self.rank >= HOTLINE_RANKS[Role.SUPERVISOR]
        return self is not Role.AGENCY and self.rank >= needed.rank


HOTLINE_RANKS = {Role.OPERATOR: 0, Role.SUPERVISOR: 1, Role.ADMIN: 2}


class AccountError(DomainError, ValueError):
    """A bad username, role or password; the message is safe to show."""

    error_id = "bad-account"


class NoSuchUser(AccountError):
    error_id = "no-such-user"


class LastAdmin(AccountError):
    error_id = "last-admin"


@dataclass(frozen=True)
class User:
    username: str
    role: Role
    epoch: int = 0  # the session epoch; cookies of other epochs are refused
    active: bool = True
    agencies: tuple[str, ...] = ()  # role agency: the agencies whose tickets it works

    def sees_agency(self, agency: str) -> bool:
        """May this user see and work ``agency``'s tickets? Hotline supervisors see all."""
        if self.role is Role.AGENCY:
            return agency in self.agencies
        return self.role.allows(Role.SUPERVISOR)


@dataclass(frozen=True)
class TokenInfo:
    id: int
    username: str
    label: str
    created_at: datetime
    revoked: bool


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password has at least {MIN_PASSWORD} characters")


def check_new_account(username: str, role: str, password: str) -> Role:
    if not username or len(username) > 64 or not set(username) <= USERNAME_CHARS:
        raise AccountError("a username is 1-64 of a-z, 0-9, '.', '_', '-'")
    check_new_password(password)
    try:
        return Role(role)
    except ValueError:
        raise AccountError(f"role is one of {', '.join(Role)}") from None


def _user(row: WebUser) -> User:
    return User(row.username, Role(row.role), row.session_epoch or 0, bool(row.active),
                tuple(a.agency_code for a in row.agencies))


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class UserStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    def add(self, username: str, role: str, password: str) -> User:
        checked = check_new_account(username, role, password)
        try:
            with self.sessions.begin() as session:
                session.add(WebUser(username=username, role=str(checked),
                                    password_hash=hash_password(password), created_at=_now(),
                                    session_epoch=0))
        except IntegrityError:
            raise AccountError(f"user {username} exists") from None
        return User(username, checked)

    def set_agencies(self, username: str, agencies: Iterable[str]) -> User:
        """Bind the user to these agencies (role agency); the user's sessions end, so the
        new binding holds at once in every web process."""
        codes = sorted({a.strip() for a in agencies if a.strip()})
        if any(len(code) > 40 for code in codes):
            raise AccountError("an agency code has at most 40 characters")
        with self.sessions.begin() as session:
            row = self._row(session, username)
            if row is None:
                raise NoSuchUser(f"no user {username}")
            row.agencies = [WebUserAgency(username=username, agency_code=c) for c in codes]
            self._bump(session, username)
        return self._must(username)

    def _row(self, session: Session, username: str) -> WebUser | None:
        return session.scalars(select(WebUser).where(WebUser.username == username)).first()

    def account(self, username: str) -> User | None:
        """The account, enabled or not."""
        with self.sessions.begin() as session:
            row = self._row(session, username)
            return _user(row) if row else None

    def user(self, username: str) -> User | None:
        """The account if it may be used (not disabled)."""
        found = self.account(username)
        return found if found and found.active else None

    def users(self) -> list[User]:
        """Every account, disabled ones too (an admin enables them again)."""
        with self.sessions.begin() as session:
            return [_user(r) for r in session.scalars(select(WebUser).order_by(
                WebUser.username))]

    def has_admin(self) -> bool:
        with self.sessions.begin() as session:
            return session.scalars(select(WebUser.id).where(
                WebUser.role == str(Role.ADMIN), WebUser.active)).first() is not None

    def authenticate(self, username: str, password: str) -> User | None:
        """The user when the password is theirs and the account enabled; one scrypt run
        either way, so an unknown name answers as slowly as a known one."""
        with self.sessions.begin() as session:
            row = self._row(session, username)
            if row is None:
                check_nobody(password)
                return None
            if not check_password(password, row.password_hash) or not row.active:
                return None
            if needs_rehash(row.password_hash):
                row.password_hash = hash_password(password)
            return _user(row)

    def _bump(self, session: Session, username: str, **values: object) -> None:
        session.execute(update(WebUser).where(WebUser.username == username).values(
            session_epoch=WebUser.session_epoch + 1, **values))

    def end_sessions(self, username: str) -> None:
        """Every session cookie of the user stops working (log out everywhere)."""
        with self.sessions.begin() as session:
            self._bump(session, username)

    def set_password(self, username: str, password: str) -> User:
        """A new password; the user's sessions end (API tokens stay: revoke them apart)."""
        check_new_password(password)
        digest = hash_password(password)
        with self.sessions.begin() as session:
            if self._row(session, username) is None:
                raise NoSuchUser(f"no user {username}")
            self._bump(session, username, password_hash=digest)
        return self._must(username)

    def set_active(self, username: str, active: bool) -> User:
        """Enable or disable; disabling ends the sessions and revokes the user's tokens.

        The last enabled admin cannot be disabled: nobody could enable anyone again.
        """
        with self.sessions.begin() as session:
            row = self._row(session, username)
            if row is None:
                raise NoSuchUser(f"no user {username}")
            if not active and self._last_admin(session, row):
                raise LastAdmin("the last enabled admin cannot be disabled")
            self._bump(session, username, active=active)
            if not active:
                session.execute(update(WebApiToken).where(
                    WebApiToken.username == username).values(revoked=True))
        return self._must(username)

    def set_role(self, username: str, role: str, agencies: Iterable[str] = ()) -> User:
        """A new role (and, for role agency, its agencies); the user's sessions end so the
        new role holds at once. The last enabled admin keeps the admin role."""
        try:
            checked = Role(role)
        except ValueError:
            raise AccountError(f"role is one of {', '.join(Role)}") from None
        codes = sorted({a.strip() for a in agencies if a.strip()})
        with self.sessions.begin() as session:
            row = self._row(session, username)
            if row is None:
                raise NoSuchUser(f"no user {username}")
            if checked is not Role.ADMIN and self._last_admin(session, row):
                raise LastAdmin("the last enabled admin stays an admin")
            row.agencies = [WebUserAgency(username=username, agency_code=c) for c in codes]
            self._bump(session, username, role=str(checked))
        return self._must(username)

    def _last_admin(self, session: Session, row: WebUser) -> bool:
        """Is ``row`` the one enabled admin? (Nobody could then enable or promote anyone.)"""
        return row.role == str(Role.ADMIN) and bool(row.active) and session.scalars(
            select(WebUser.id).where(WebUser.role == str(Role.ADMIN), WebUser.active,
                                     WebUser.username != row.username)).first() is None

    def history(self) -> AdminHistory:
        """The admin pages' history, kept beside the accounts."""
        return AdminHistory(self.engine)

    def _must(self, username: str) -> User:
        found = self.account(username)
        if found is None:
            raise NoSuchUser(f"no user {username}")
        return found

    def issue_token(self, username: str, label: str) -> tuple[int, str]:
        """A new API token for ``username``: (its id, the token, shown only this once)."""
        if self.user(username) is None:
            raise NoSuchUser(f"no user {username}")
        token = "hl_" + secrets.token_urlsafe(32)
        with self.sessions.begin() as session:
            row = WebApiToken(digest=token_digest(token), username=username, label=label[:200],
                              created_at=_now())
            session.add(row)
            session.flush()
            return row.id, token

    def token_user(self, token: str) -> User | None:
        with self.sessions.begin() as session:
            row = session.scalars(select(WebApiToken).where(
                WebApiToken.digest == token_digest(token), ~WebApiToken.revoked)).first()
            username = row.username if row else None
        return self.user(username) if username else None

    def tokens(self) -> list[TokenInfo]:
        with self.sessions.begin() as session:
            rows = session.scalars(select(WebApiToken).order_by(WebApiToken.id))
            return [TokenInfo(r.id, r.username, r.label, r.created_at.replace(tzinfo=UTC),
                              r.revoked) for r in rows]

    def revoke_token(self, token_id: int) -> bool:
        with self.sessions.begin() as session:
            row = session.get(WebApiToken, token_id)
            if row is None:
                return False
            row.revoked = True
            return True
