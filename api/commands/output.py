"""How commands speak: JSON for machines, one-sentence errors for people."""

from __future__ import annotations

import json
import sys
from typing import Any, NoReturn

import typer


def error_line(message: str) -> None:
    """Write an error sentence to stderr."""
    print(f"codesuggest: {message}", file=sys.stderr)


def fail(message: str) -> NoReturn:
    """Stop the command with a readable sentence on stderr and exit code 2."""
    error_line(message)
    raise typer.Exit(code=2)


def print_json(data: Any) -> None:
    """Machine output: one JSON document on stdout."""
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
