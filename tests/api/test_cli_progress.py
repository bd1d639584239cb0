"""Long first-use steps show progress on stderr, where a person watches it: a first
``codesuggest suggest`` in a fresh data directory, its stderr a pseudo-terminal, shows
the term table being built; a second run (nothing to build) shows nothing; stderr that
is not a terminal, or --quiet, gets no bars."""

from __future__ import annotations

import fcntl
import io
import os
import select
import shutil
import struct
import subprocess
import sys
import termios
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from api.commands import progress
from code_index.build import INDEX_SUBDIR
from code_index.index import CodeIndex

NOTE = "Assessment: type 2 diabetes with diabetic chronic kidney disease, CKD stage 3a."
TERM_TABLE_BAR = "building the term table (first use)"


def _open_terminal() -> tuple[int, int]:
    """A pseudo-terminal of 24 x 120 (a new one is 0 x 0, where tqdm draws nothing)."""
    controller, terminal = os.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))
    return controller, terminal


def _run_on_a_terminal(*args: str, data_dir: Path) -> tuple[str, str]:
    """``codesuggest ARGS`` with stderr a pseudo-terminal; (stdout, what the terminal got)."""
    env = {**os.environ, "CODESUGGEST_DATA_DIR": str(data_dir)}
    controller, terminal = _open_terminal()
    process = subprocess.Popen(
        [sys.executable, "-c", "from api.cli import main; main()", *args],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=terminal, env=env,
    )  # fmt: skip
    os.close(terminal)
    received: list[bytes] = []

    def drain() -> None:  # a full terminal buffer would stall the process
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # EIO: the process has closed its end
                return
            if not chunk:
                return
            received.append(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        stdout, _ = process.communicate(timeout=600)
    finally:
        reader.join(timeout=10)
        os.close(controller)
    assert process.returncode == 0, b"".join(received).decode(errors="replace")
    return stdout.decode(), b"".join(received).decode(errors="replace")


def test_a_first_suggest_shows_the_term_table_being_built(
    data_dir: Path, default_index: CodeIndex, tmp_path: Path
) -> None:
    fresh = tmp_path / "fresh-data"
    # the index as the session built it (index builds have their bar tested by `index
    # build`); the term table, the ~40 s wait of a first suggest, is built here
    shutil.copytree(data_dir / INDEX_SUBDIR, fresh / INDEX_SUBDIR)
    note = tmp_path / "note.txt"
    note.write_text(NOTE, encoding="utf-8")
    stdout, terminal = _run_on_a_terminal("suggest", str(note), data_dir=fresh)
    assert "E11.22" in stdout
    assert TERM_TABLE_BAR in terminal and "100%" in terminal
    assert TERM_TABLE_BAR not in stdout  # bars never mix with the output
    stdout, terminal = _run_on_a_terminal("suggest", str(note), data_dir=fresh)
    assert "E11.22" in stdout and TERM_TABLE_BAR not in terminal


@contextmanager
def _stderr_on_a_terminal() -> Iterator[int]:
    """sys.stderr a real pseudo-terminal for the block (set in the test body: pytest's
    capture resets sys.stderr after fixtures run); yields the controller to read."""
    controller, terminal = _open_terminal()
    stream = io.TextIOWrapper(os.fdopen(terminal, "wb", buffering=0), write_through=True)
    saved, sys.stderr = sys.stderr, stream
    try:
        yield controller
    finally:
        sys.stderr = saved
        stream.close()
        os.close(controller)


def _read(controller: int) -> str:
    """What the terminal got (a pty passes writes on asynchronously: wait for a pause)."""
    received = b""
    while select.select([controller], [], [], 0.5)[0]:
        received += os.read(controller, 65536)
    return received.decode()


def _build_a_term_table() -> None:
    with progress.first_use() as shown:
        assert shown.term_table is not None
        for done in (2000, 4000, 5000):
            shown.term_table(done, 5000)


def test_bars_show_on_a_terminal_unless_quiet() -> None:
    with _stderr_on_a_terminal() as terminal:
        _build_a_term_table()
        assert TERM_TABLE_BAR in _read(terminal)
        progress.set_quiet(True)
        try:
            _build_a_term_table()
            assert _read(terminal) == ""
        finally:
            progress.set_quiet(False)


def test_no_bars_where_stderr_is_not_a_terminal() -> None:
    captured = io.StringIO()
    saved, sys.stderr = sys.stderr, captured
    try:
        _build_a_term_table()
    finally:
        sys.stderr = saved
    assert captured.getvalue() == ""
