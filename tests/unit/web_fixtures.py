"""Shared by the tests/unit/test_web_*.py files: the web app on a fake live board."""

from __future__ import annotations

import asyncio
import base64
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from ivr.ami.board import QueueBoard
from ivr.app import web_app
from ivr.config import Settings
from ivr.web.keys import USERS

ADMIN = ("boss", "admin-password-1")
USERS_ = {"ani": ("operator", "operator-pass-1"), "sri": ("supervisor", "supervisor-pass-1")}


class FakeBoardSource:
    """Stands in for redis: ``push`` stores a board and announces the change."""

    def __init__(self) -> None:
        self.board = QueueBoard()
        self._changes: asyncio.Queue[None] = asyncio.Queue()

    async def load_board(self) -> QueueBoard:
        return self.board

    async def changes(self) -> AsyncIterator[None]:
        yield
        while True:
            await self._changes.get()
            yield

    def push(self, board: QueueBoard) -> None:
        self.board = board
        self._changes.put_nowait(None)


def settings_for(tmp_path: Path, **extra: Any) -> Settings:
    return Settings(data_dir=tmp_path, redis_port=1, admin_user=ADMIN[0],
                    admin_password=ADMIN[1], **extra)


async def start_client(tmp_path: Path, source: FakeBoardSource | None = None,
                       **extra: Any) -> TestClient:
    app = web_app(settings_for(tmp_path, **extra), source or FakeBoardSource())
    client = TestClient(TestServer(app))
    await client.start_server()
    for name, (role, password) in USERS_.items():
        await asyncio.to_thread(app[USERS].add, name, role, password)
    return client


def basic(user: str, password: str) -> dict[str, str]:
    raw = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def as_user(name: str) -> dict[str, str]:
    if name == ADMIN[0]:
        return basic(*ADMIN)
    return basic(name, USERS_[name][1])


async def log_in(client: TestClient, user: str, password: str) -> str:
    """Log in through the form as a browser does; returns the page's CSRF token."""
    page = await client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', await page.text())
    assert token is not None
    reply = await client.post("/login", data={"username": user, "password": password,
                                              "csrf_token": token.group(1), "next": "/"},
                              allow_redirects=False)
    assert reply.status == 303, await reply.text()
    home = await client.get(reply.headers["Location"])
    assert home.status == 200
    found = re.search(r'name="csrf" content="([^"]+)"', await home.text())
    assert found is not None
    return found.group(1)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def issue_token(client: TestClient, username: str) -> tuple[int, str]:
    """An API token for ``username``, issued by the admin over Basic: (id, token)."""
    reply = await client.post("/api/v1/tokens", json={"username": username, "label": "test"},
                              headers=basic(*ADMIN))
    assert reply.status == 201, await reply.text()
    body = await reply.json()
    return body["id"], body["token"]


def origin_of(client: TestClient) -> str:
    """The Origin a browser on our own pages sends."""
    return f"http://{client.host}:{client.port}"
