"""``codesuggest models list|show|promote``: the models a data directory can use, and
making one the model in use only when it scores at least as well as the current one."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from api.commands.inputs import read_corpus
from api.commands.output import fail, print_json
from suggest.model import ModelNotFoundError, current_model_name
from training.registry import COMPARED_GROUPS, ModelEntry, list_models, promote

app = typer.Typer(help="List, inspect and promote suggestion models.", no_args_is_help=True)


def find_model(name: str) -> ModelEntry:
    """The listed model of that name, or a one-sentence failure."""
    for entry in list_models():
        if entry.name == name:
            return entry
    known = ", ".join(entry.name for entry in list_models())
    fail(f"no model named {name!r} (known: {known}); see `codesuggest models list`")


@app.command("list")
def list_(json_output: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every model by name, where it lives, and which one is in use (*)."""
    entries = list_models()
    if json_output:
        print_json([entry.to_json() for entry in entries])
        return
    for entry in entries:
        maps = ", ".join(
            f"{group} MAP {value:.4f}"
            for group in COMPARED_GROUPS
            if (value := entry.card_map(group)) is not None
        )
        typer.echo(
            f"{'*' if entry.in_use else ' '} {entry.name:20} {entry.location:9} "
            f"{entry.created_at or 'created ?':26} {maps or 'no metrics on its card'}"
        )
    current = current_model_name()
    if not any(entry.in_use for entry in entries):
        typer.echo(f"the model in use, {current!r}, is not found", err=True)


@app.command()
def show(
    name: str,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """A model's card: what it was trained on, its features, parameters and scores."""
    entry = find_model(name)
    if json_output:
        print_json(entry.card)
        return
    typer.echo(
        f"{entry.name} ({entry.location}, {entry.folder}){' in use' if entry.in_use else ''}"
    )
    for key, value in entry.card.items():
        shown = value if isinstance(value, str | int | float) else json.dumps(value)
        typer.echo(f"  {key}: {shown}")


@app.command("promote")
def promote_command(
    name: str,
    corpus: Annotated[
        list[str],
        typer.Option(
            help="A corpus to compare on, codiesp:PATH or jsonl:PATH; repeat it to guard "
            "several (e.g. CodiEsp dev and the US notes): a regression on any refuses."
        ),
    ],
    force: Annotated[
        bool, typer.Option(help="Promote even if it scores lower than the model in use.")
    ] = False,
) -> None:
    """Make NAME the model in use if its MAP on every corpus is not lower than the current
    model's (diagnoses, and procedures when a corpus codes them)."""
    find_model(name)
    corpora = [read_corpus(spec) for spec in corpus]
    if name == current_model_name():
        typer.echo(f"{name} is already the model in use")
        return
    try:
        outcome = promote(name, corpora, force=force)
    except ModelNotFoundError as exc:
        fail(f"{exc}; use --force to replace the model in use without comparing")
    if not outcome.promoted:
        fail(f"{outcome.decision.reason}; not promoted (use --force to promote it anyway)")
    forced = " (forced)" if outcome.forced else ""
    typer.echo(f"{name} is now the model in use, replacing {outcome.previous}{forced}")
    typer.echo(outcome.decision.reason)
