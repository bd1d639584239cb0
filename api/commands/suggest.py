"""``codesuggest suggest FILE|-``: ranked, evidenced codes for one note."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from api.commands.inputs import read_setting
from api.commands.output import fail, print_json
from api.commands.progress import first_use
from code_index.records import System
from suggest.model import ModelNotFoundError
from suggest.results import SuggestionResult
from suggest.setting import DEFAULT_SETTING
from suggest.suggester import NoteError, Suggester

CONTEXT_WINDOW = 40  # characters of note shown either side of the evidence


def read_note(source: str) -> str:
    """The note from a file, or standard input for ``-``."""
    if source == "-":
        return sys.stdin.read()
    path = Path(source)
    if not path.is_file():
        fail(f"{source} is not a readable file")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        fail(f"{source} is not UTF-8 text")


def print_table(text: str, result: SuggestionResult) -> None:
    """Suggestions for a person: code, confidence, title, evidence in context, warnings."""
    if not result.suggestions:
        typer.echo("no codes suggested")
    for s in result.suggestions:
        typer.echo(f"{s.score:4.2f}  {s.code:9} {s.system:8} {s.title}")
        for e in s.evidence[:3]:
            before = text[max(0, e.start - CONTEXT_WINDOW) : e.start].replace("\n", " ")
            after = text[e.end : e.end + CONTEXT_WINDOW].replace("\n", " ")
            section = f" [{e.section}]" if e.section else ""
            typer.echo(f"        …{before}[{e.text}]{after}…{section}")
        for w in s.warnings:
            typer.echo(f"        ! {w.message}")
    skipped = [m for m in result.mentions if m.negated or m.family or m.hypothetical]
    if skipped:
        typer.echo(
            "not coded (negated, family history or hypothetical): "
            + ", ".join(sorted({m.text for m in skipped}))
        )


def suggest(
    source: Annotated[str, typer.Argument(metavar="FILE|-", help="Note file, or - for stdin.")],
    setting: Annotated[str, typer.Option(help="outpatient or inpatient.")] = DEFAULT_SETTING,
    system: Annotated[
        list[System] | None, typer.Option(help="Only these code systems (repeatable).")
    ] = None,
    top: Annotated[int, typer.Option(min=1, max=1000)] = 20,
    model: Annotated[str | None, typer.Option(help="Model name (default: the one in use).")] = None,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Suggest ICD-10-CM, CPT/ICD-10-PCS and HCPCS codes for a note, with evidence."""
    chosen = read_setting(setting)
    text = read_note(source)
    try:
        with first_use() as shown:
            suggester = Suggester.load(model=model, progress=shown)
    except ModelNotFoundError as exc:
        fail(str(exc))
    try:
        result = suggester.suggest(text, setting=chosen, systems=system, top_k=top)
    except NoteError as exc:
        fail(str(exc))
    if json_output:
        print_json(result.to_json())
    else:
        print_table(text, result)
