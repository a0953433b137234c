"""An admin edits an IVR flow over the API: checked first, refused when bad, rolled back."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from web_fixtures import as_user, log_in, start_client

ADMIN = as_user("boss")


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient]:
    client = await start_client(tmp_path)
    yield client
    await client.close()


async def flow(client: TestClient, number: str) -> dict:
    reply = await client.get(f"/api/v1/flows/{number}", headers=ADMIN)
    assert reply.status == 200
    body: dict[str, Any] = await reply.json()
    return body


async def test_list_and_read_with_the_menu_tree(client: TestClient) -> None:
    listed = await (await client.get("/api/v1/flows", headers=ADMIN)).json()
    assert {f["number"] for f in listed["flows"]} >= {"112", "12345"}
    body = await flow(client, "112")
    assert body["installed"] is False and body["versions"] == []
    assert "1  -> queue police (priority 10)" in body["tree"]


async def test_a_bad_edit_is_refused_with_its_problems(client: TestClient) -> None:
    text = (await flow(client, "112"))["text"].replace("queue: police", "queue: pizza")
    checked = await client.post("/api/v1/flows/112/check", json={"text": text}, headers=ADMIN)
    assert checked.status == 422
    issues = (await checked.json())["details"]["issues"]
    assert any("pizza" in i["message"] for i in issues)
    saved = await client.put("/api/v1/flows/112", json={"text": text}, headers=ADMIN)
    assert saved.status == 422
    assert (await flow(client, "112"))["installed"] is False


async def test_text_of_another_flow_is_refused(client: TestClient) -> None:
    text = (await flow(client, "12345"))["text"]
    saved = await client.put("/api/v1/flows/112", json={"text": text}, headers=ADMIN)
    assert saved.status == 422
    assert (await saved.json())["error_id"] == "flow-number"


async def test_edit_then_rollback_restores_the_previous_flow(client: TestClient) -> None:
    original = (await flow(client, "112"))["text"]
    first = original.replace("name: Emergency 112", "name: Emergency 112 (edit one)")
    second = original.replace("name: Emergency 112", "name: Emergency 112 (edit two)")
    for text in (first, second):
        saved = await client.put("/api/v1/flows/112", json={"text": text}, headers=ADMIN)
        assert saved.status == 200, await saved.text()
        assert "Emergency 112 (edit" in (await saved.json())["tree"]
    assert (await flow(client, "112"))["text"] == second
    back = await client.post("/api/v1/flows/112/rollback", headers=ADMIN)
    assert back.status == 200
    assert (await flow(client, "112"))["text"] == first
    await client.post("/api/v1/flows/112/rollback", headers=ADMIN)
    body = await flow(client, "112")
    assert body["text"] == original and body["installed"] is False
    nothing = await client.post("/api/v1/flows/112/rollback", headers=ADMIN)
    assert nothing.status == 409


async def test_the_editor_page_works_with_the_session_and_its_csrf_token(
        client: TestClient) -> None:
    csrf = await log_in(client, "boss", "admin-password-1")
    text = (await (await client.get("/api/v1/flows/112")).json())["text"]
    refused = await client.post("/api/v1/flows/112/check", json={"text": text})
    assert refused.status == 403
    checked = await client.post("/api/v1/flows/112/check", json={"text": text},
                                headers={"X-CSRF-Token": csrf})
    assert checked.status == 200
