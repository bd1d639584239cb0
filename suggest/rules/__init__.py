"""Rule files (JSON) for the suggest components, and how a component keeps its rules.

Rules are data: editing a heading list or a ConText trigger means editing a JSON
file here, not code. A component built on :class:`RuleFileComponent` saves the
rules it runs with inside the pipeline folder (``nlp.to_disk``), so a saved
pipeline keeps behaving the same even when the files change later. (Loading
still reads the file the config names first, so a custom ``rules_path`` must
exist there; the packaged default always does.)
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Self

RULES_DIR = Path(__file__).parent
_SAVED_RULES = "rules.json"


def read_rules(path: str | Path | None, default_name: str) -> dict[str, Any]:
    """Rules from ``path``, or the packaged ``default_name`` file here when ``path`` is None."""
    rules_file = Path(path) if path is not None else RULES_DIR / default_name
    rules: dict[str, Any] = json.loads(rules_file.read_text(encoding="utf-8"))
    return rules


class RuleFileComponent(ABC):
    """Base for components run by a rules dict; subclasses build their matchers in ``_build``."""

    rules: dict[str, Any]

    @abstractmethod
    def _build(self) -> None:
        """(Re)build the matchers from ``self.rules``."""

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        """Save the rules in the component's folder of a saved pipeline."""
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / _SAVED_RULES).write_text(
            json.dumps(self.rules, ensure_ascii=False, indent=1), encoding="utf-8"
        )

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> Self:
        """Load the saved rules and rebuild the matchers from them."""
        self.rules = json.loads((Path(path) / _SAVED_RULES).read_text(encoding="utf-8"))
        self._build()
        return self
