"""The command line as a user meets it: a separate process, so an error shows as the exit
code and message a shell would see, never a traceback caught by a test runner."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_cli(*args: str, data_dir: Path, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    """``codesuggest ARGS`` against ``data_dir``, without debug tracebacks."""
    env = {**os.environ, "CODESUGGEST_DATA_DIR": str(data_dir)}
    env.pop("CODESUGGEST_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-c", "from api.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )
