import sys
from pathlib import Path

# tests/sipp.py and tests/hotline.py are helpers shared by the integration tests.
sys.path.insert(0, str(Path(__file__).parent))


def pytest_sessionfinish(session: object, exitstatus: int) -> None:
    """Stop every hotline a test started and did not stop (a fixture that failed between
    its start() and its stop()): nothing of ours outlives the test run."""
    from hotline import Hotline

    for left in list(Hotline.running):
        left.stop()
