"""Accounts and API tokens: admins add, disable, enable and reset users; anyone changes their
own password.

Disabling a user ends their sessions and revokes their API tokens (enabling does not bring
the tokens back); a password change or reset ends the user's sessions (their tokens stay:
revoke them with ``DELETE /api/v1/tokens/{id}``). Whoever changes their own password over a
session gets a new session cookie in the reply and stays logged in on that page only.
Anything that hashes a password runs on the password threads (``passwords.PasswordWork``).
Account errors (``accounts.AccountError``, a ``DomainError``) reach
``errors.error_middleware``, which answers them. Every admin's change of an account or a
token is kept in the admin history (``admin_history.remember``) for ``/admin/users``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from aiohttp import web

from ..accounts import AccountError, NoSuchUser, Role, User
from ..passwords import Busy
from .admin_history import remember
from .auth import address, credential_refusal, current
from .credentials import BadCredentials, Throttled
from .errors import Refused
from .inputs import json_object
from .keys import CREDENTIALS, TICKETS, USERS
from .pages import set_session

T = TypeVar("T")


def user_json(user: User) -> dict[str, Any]:
    return {"username": user.username, "role": str(user.role), "active": user.active,
            "agencies": list(user.agencies)}


async def _checked_agencies(request: web.Request, role: str, raw: object) -> list[str]:
    """The agencies an account is bound to: some known ones for role agency, none else."""
    if raw is None:
        raw = []
    if not isinstance(raw, list) or not all(isinstance(a, str) for a in raw):
        raise AccountError("agencies is a list of agency codes")
    if role != str(Role.AGENCY):
        if raw:
            raise AccountError("only role agency works for agencies")
        return []
    if not raw:
        raise AccountError("an agency user works for at least one agency")
    unknown = sorted(set(raw) - await request.app[TICKETS].agency_codes())
    if unknown:
        raise AccountError(f"no agency {', '.join(unknown)}", agencies=unknown[:10])
    return raw


async def _hashing(request: web.Request, fn: Callable[..., T], *args: object) -> T:
    """``fn(*args)`` on the password threads; 503 when they are flooded."""
    try:
        return await request.app[CREDENTIALS].work.run(fn, *args)
    except Busy:
        raise Refused("busy", "too many password checks at once; try again",
                      retry_after_s=1) from None


async def list_users(request: web.Request) -> web.Response:
    """GET /api/v1/users: every account, with whether it is enabled."""
    users = await asyncio.to_thread(request.app[USERS].users)
    return web.json_response({"users": [user_json(u) for u in users]})


async def add_user(request: web.Request) -> web.Response:
    """POST /api/v1/users {"username", "role", "password"}"""
    body = await json_object(request)
    role = str(body.get("role", ""))
    agencies = await _checked_agencies(request, role, body.get("agencies"))
    user = await _hashing(request, request.app[USERS].add, str(body.get("username", "")),
                          role, str(body.get("password", "")))
    if agencies:
        user = await asyncio.to_thread(request.app[USERS].set_agencies, user.username,
                                       agencies)
    await remember(request, "user", user.username, f"added as {user.role}"
                   + (f" of {', '.join(user.agencies)}" if user.agencies else ""))
    return web.json_response(user_json(user), status=201)


async def set_agencies(request: web.Request) -> web.Response:
    """PUT /api/v1/users/{username}/agencies {"agencies": [...]} (role agency only)."""
    users, username = request.app[USERS], request.match_info["username"]
    found = await asyncio.to_thread(users.account, username)
    if found is None:
        raise NoSuchUser(f"no user {username}")
    agencies = await _checked_agencies(request, str(found.role),
                                       (await json_object(request)).get("agencies"))
    user = await asyncio.to_thread(users.set_agencies, username, agencies)
    await remember(request, "user", username, "agencies " + (", ".join(agencies) or "none"))
    return web.json_response(user_json(user))


async def set_role(request: web.Request) -> web.Response:
    """PUT /api/v1/users/{username}/role {"role", "agencies"}: agencies for role agency."""
    users, username = request.app[USERS], request.match_info["username"]
    found = await asyncio.to_thread(users.account, username)
    if found is None:
        raise NoSuchUser(f"no user {username}")
    body = await json_object(request)
    role = str(body.get("role", ""))
    agencies = await _checked_agencies(request, role, body.get("agencies"))
    user = await asyncio.to_thread(users.set_role, username, role, agencies)
    await remember(request, "user", username, f"role {found.role} → {user.role}"
                   + (f" of {', '.join(user.agencies)}" if user.agencies else ""))
    return web.json_response(user_json(user))


def _set_active(active: bool) -> Callable[[web.Request], Any]:
    async def handler(request: web.Request) -> web.Response:
        user = await asyncio.to_thread(request.app[USERS].set_active,
                                       request.match_info["username"], active)
        await remember(request, "user", user.username, "enabled" if active
                       else "disabled (sessions ended, tokens revoked)")
        return web.json_response(user_json(user))

    handler.__doc__ = f"POST /api/v1/users/{{username}}/{'enable' if active else 'disable'}"
    return handler


async def reset_password(request: web.Request) -> web.Response:
    """POST /api/v1/users/{username}/password {"password"}: an admin sets a new one."""
    body = await json_object(request)
    user = await _hashing(request, request.app[USERS].set_password,
                          request.match_info["username"], str(body.get("password", "")))
    await remember(request, "user", user.username, "password reset (sessions ended)")
    return web.json_response(user_json(user))


async def change_my_password(request: web.Request) -> web.Response:
    """POST /api/v1/me/password {"old_password", "new_password"}"""
    body = await json_object(request)
    identity = current(request)
    name = identity.user.username
    try:
        await request.app[CREDENTIALS].by_password(address(request), name,
                                                   str(body.get("old_password", "")))
    except BadCredentials:
        raise Refused("wrong-password", "the old password is wrong") from None
    except (Throttled, Busy) as exc:
        raise credential_refusal(exc) from None
    user = await _hashing(request, request.app[USERS].set_password, name,
                          str(body.get("new_password", "")))
    response = web.json_response(user_json(user))
    if identity.via == "session":
        set_session(response, request, user)
    return response


async def list_tokens(request: web.Request) -> web.Response:
    """GET /api/v1/tokens: every token issued (never the token itself)."""
    tokens = await asyncio.to_thread(request.app[USERS].tokens)
    return web.json_response({"tokens": [
        {"id": t.id, "username": t.username, "label": t.label,
         "created_at": t.created_at.isoformat(), "revoked": t.revoked} for t in tokens]})


async def issue_token(request: web.Request) -> web.Response:
    """POST /api/v1/tokens {"username", "label"}: the token is in this reply only."""
    body = await json_object(request)
    token_id, token = await asyncio.to_thread(
        request.app[USERS].issue_token, str(body.get("username", "")),
        str(body.get("label", "")))
    await remember(request, "user", str(body.get("username", "")), f"token {token_id} issued")
    return web.json_response({"id": token_id, "token": token}, status=201)


async def revoke_token(request: web.Request) -> web.Response:
    """DELETE /api/v1/tokens/{id}"""
    raw = request.match_info["id"]
    token_id = int(raw) if raw.isascii() and raw.isdigit() else 0
    if not 0 < token_id < 2**63:  # beyond what the database's integers hold
        raise Refused("no-such-token", f"no token {raw}")
    if not await asyncio.to_thread(request.app[USERS].revoke_token, token_id):
        raise Refused("no-such-token", f"no token {raw}")
    await remember(request, "user", f"token {token_id}", f"token {token_id} revoked")
    return web.json_response({"id": token_id, "revoked": True})


def add_account_routes(app: web.Application) -> None:
    app.router.add_get("/api/v1/users", list_users)
    app.router.add_post("/api/v1/users", add_user)
    app.router.add_post("/api/v1/users/{username}/disable", _set_active(False))
    app.router.add_post("/api/v1/users/{username}/enable", _set_active(True))
    app.router.add_post("/api/v1/users/{username}/password", reset_password)
    app.router.add_put("/api/v1/users/{username}/agencies", set_agencies)
    app.router.add_put("/api/v1/users/{username}/role", set_role)
    app.router.add_post("/api/v1/me/password", change_my_password)
    app.router.add_get("/api/v1/tokens", list_tokens)
    app.router.add_post("/api/v1/tokens", issue_token)
    app.router.add_delete("/api/v1/tokens/{id}", revoke_token)
