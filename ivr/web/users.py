"""Web accounts: operators, supervisors and admins, their hashed passwords and API tokens.

The tables live in the hotline's database beside the tickets, created with ``create_all``
(they are the web's own, outside the tickets' Alembic history). Passwords are hashed with
scrypt from the standard library; API tokens are stored as SHA-256 digests and shown once.
All methods are blocking: the web edge runs them in worker threads.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from sqlalchemy import Boolean, DateTime, Engine, ForeignKey, Integer, String, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, sessionmaker

log = logging.getLogger(__name__)

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MIN_PASSWORD = 8
USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789._-")


class Role(StrEnum):
    OPERATOR = "operator"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        """An admin may do what a supervisor may, who may do what an operator may."""
        return self.rank >= needed.rank


class AccountError(ValueError):
    """A bad username, role or password; the message is safe to show."""

    error_id = "bad-account"


@dataclass(frozen=True)
class User:
    username: str
    role: Role


@dataclass(frozen=True)
class TokenInfo:
    id: int
    username: str
    label: str
    created_at: datetime
    revoked: bool


class WebBase(DeclarativeBase):
    pass


class WebUser(WebBase):
    __tablename__ = "web_users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class WebApiToken(WebBase):
    __tablename__ = "web_api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    username: Mapped[str] = mapped_column(ForeignKey("web_users.username"))
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


def hash_password(password: str, salt: bytes | None = None) -> str:
    """``scrypt$N$r$p$salt$hash`` (hex), the parameters kept so they can change later."""
    salt = salt if salt is not None else os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${salt.hex()}${digest.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        mine = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r),
                              p=int(p))
    except ValueError:
        return False
    return hmac.compare_digest(mine.hex(), digest)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_new_account(username: str, role: str, password: str) -> Role:
    if not username or len(username) > 64 or not set(username) <= USERNAME_CHARS:
        raise AccountError("a username is 1-64 of a-z, 0-9, '.', '_', '-'")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"a password has at least {MIN_PASSWORD} characters")
    try:
        return Role(role)
    except ValueError:
        raise AccountError(f"role is one of {', '.join(Role)}") from None


class UserStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)

    def create_schema(self) -> None:
        WebBase.metadata.create_all(self.engine)

    def add(self, username: str, role: str, password: str) -> User:
        checked = check_new_account(username, role, password)
        try:
            with self.sessions.begin() as session:
                session.add(WebUser(username=username, role=str(checked),
                                    password_hash=hash_password(password),
                                    created_at=datetime.now(UTC).replace(tzinfo=None)))
        except IntegrityError:
            raise AccountError(f"user {username} exists") from None
        return User(username, checked)

    def user(self, username: str) -> User | None:
        with self.sessions.begin() as session:
            row = session.scalars(select(WebUser).where(WebUser.username == username)).first()
            return User(row.username, Role(row.role)) if row and row.active else None

    def users(self) -> list[User]:
        with self.sessions.begin() as session:
            rows = session.scalars(select(WebUser).where(WebUser.active).order_by(
                WebUser.username))
            return [User(r.username, Role(r.role)) for r in rows]

    def has_admin(self) -> bool:
        with self.sessions.begin() as session:
            return session.scalars(select(WebUser.id).where(
                WebUser.role == str(Role.ADMIN), WebUser.active)).first() is not None

    def authenticate(self, username: str, password: str) -> User | None:
        with self.sessions.begin() as session:
            row = session.scalars(select(WebUser).where(WebUser.username == username)).first()
            if row is None or not row.active:
                check_password(password, hash_password("timing"))  # same cost either way
                return None
            if not check_password(password, row.password_hash):
                return None
            return User(row.username, Role(row.role))

    def issue_token(self, username: str, label: str) -> tuple[int, str]:
        """A new API token for ``username``: (its id, the token, shown only this once)."""
        if self.user(username) is None:
            raise AccountError(f"no user {username}")
        token = "hl_" + secrets.token_urlsafe(32)
        with self.sessions.begin() as session:
            row = WebApiToken(digest=token_digest(token), username=username, label=label[:200],
                              created_at=datetime.now(UTC).replace(tzinfo=None))
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


def ensure_first_admin(store: UserStore, data_dir: Path, username: str, password: str) -> None:
    """Make the first admin when there is none: from the settings, else with a new password.

    A generated password is logged once and kept 0600 in secrets/initial_admin_password.
    """
    if store.has_admin():
        return
    generated = not password
    password = password or secrets.token_urlsafe(12)
    try:
        store.add(username or "admin", str(Role.ADMIN), password)
    except AccountError as exc:
        if "exists" in str(exc):  # another web process made it a moment ago
            return
        raise
    if generated:
        _write_once(data_dir / "secrets" / "initial_admin_password", password)
        log.warning("first web admin created: user %s, password %s (also in %s; change it)",
                    username or "admin", password,
                    data_dir / "secrets" / "initial_admin_password")
    else:
        log.info("first web admin %s created from the settings", username or "admin")


def _write_once(path: Path, value: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(value + "\n")
