"""Where the prompts Asterisk plays are, per language.

Prompts live in ``recordings/<lang>/<name>.wav`` in the checkout and are copied into the data
folder when the configuration is rendered; Asterisk is given absolute paths without extension.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Prompts:
    sounds_dir: Path
    default_language: str = "id"

    def path(self, name: str, language: str | None = None) -> str:
        """The Asterisk file name (no extension) of prompt ``name`` in ``language``."""
        return str(self.sounds_dir / (language or self.default_language) / name)
