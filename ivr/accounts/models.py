"""The accounts' tables: web users, their API tokens (schema revision 0003) and the agencies
an agency user works for (0007), the admin pages' history (0014)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


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
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    agencies: Mapped[list[WebUserAgency]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="WebUserAgency.agency_code")


class WebUserAgency(WebBase):
    """An agency user's agency: its inbox shows that agency's tickets (role ``agency``)."""

    __tablename__ = "web_user_agencies"
    username: Mapped[str] = mapped_column(ForeignKey("web_users.username"), primary_key=True)
    agency_code: Mapped[str] = mapped_column(String(40), primary_key=True)


class WebApiToken(WebBase):
    __tablename__ = "web_api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    username: Mapped[str] = mapped_column(ForeignKey("web_users.username"))
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class AdminChange(WebBase):
    """One save on an admin page: who, when, what (users, operators, the roster), and a
    summary that never holds a password (revision 0014)."""

    __tablename__ = "admin_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(100))
    summary: Mapped[str] = mapped_column(String(500))
