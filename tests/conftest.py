import sys
from pathlib import Path

# tests/sipp.py and tests/hotline.py are helpers shared by the integration tests.
sys.path.insert(0, str(Path(__file__).parent))
