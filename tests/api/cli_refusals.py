"""A command's refusal as the in-process runner sees it: exit code 2 and one sentence."""

from __future__ import annotations

from typer.testing import CliRunner

from api.cli import app


def refused(args: list[str], *words: str) -> None:
    """``codesuggest ARGS`` exits 2 with one ``codesuggest: `` line naming ``words``."""
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("codesuggest: ") and result.stderr.count("\n") == 1
    for word in words:
        assert word in result.stderr
