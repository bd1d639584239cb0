"""Reading code-set text files as their publishers write them: CMS files are
Windows-1252 with CRLF line ends, AMA and user files are often UTF-8, and a few
carry stray Latin-1 bytes. Every text loader reads through here so a file's
encoding never decides whether it loads."""

from __future__ import annotations

from pathlib import Path

from code_index.loaders import SourceFileError


def read_source_lines(path: Path) -> list[str]:
    """The file's lines without line ends, decoded as UTF-8, else Windows-1252,
    else Latin-1 (which reads any byte), so no code set is refused for encoding."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise SourceFileError(f"{path}: cannot read the file ({error.strerror})") from error
    text = _decode(raw)
    # split on "\n" only: str.splitlines() would also break on characters such as
    # U+0085 that a Latin-1 decode produces inside a description
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")
