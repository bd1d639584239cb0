"""Where codesuggest keeps its state (index artifact, models in use, database):
one folder, so a deployment backs up or moves a single directory."""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_ENV = "CODESUGGEST_DATA_DIR"


def resolve_data_dir(explicit: Path | str | None = None) -> Path:
    """The data directory: an explicit path, else ``$CODESUGGEST_DATA_DIR``, else the
    per-user data folder (``$XDG_DATA_HOME/codesuggest`` or ``~/.local/share/codesuggest``)."""
    if explicit is not None:
        return Path(explicit).expanduser()
    from_env = os.environ.get(DATA_DIR_ENV)
    if from_env:
        return Path(from_env).expanduser()
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".local" / "share"
    return base / "codesuggest"
