from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hotline import Hotline


@pytest.fixture(scope="session")
def hotline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hotline]:
    """One running hotline for the integration tests of a session."""
    stack = Hotline(tmp_path_factory.mktemp("hotline"))
    stack.start()
    yield stack
    stack.stop()


@pytest.fixture
def calls_dir(tmp_path: Path) -> Path:
    return tmp_path
