"""Fixtures shared by the unit tests. A test module's own fixture of the same name wins."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from web_fixtures import FakeBoardSource, start_client


@pytest.fixture
def source() -> FakeBoardSource:
    """The live board the web app reads, in place of redis."""
    return FakeBoardSource()


@pytest.fixture
async def client(tmp_path: Path, source: FakeBoardSource) -> AsyncIterator[TestClient]:
    """The whole web app on a real loopback server, with ``source`` as its board."""
    client = await start_client(tmp_path, source)
    yield client
    await client.close()
