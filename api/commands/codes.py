"""``codesuggest codes show|search``: look a code up, or find codes for a phrase."""

from __future__ import annotations

from typing import Annotated

import typer

from api.code_details import describe, hit_json
from api.commands import progress
from api.commands.output import fail, print_json
from code_index.build import load_index
from code_index.records import System

app = typer.Typer(help="Look up and search codes.", no_args_is_help=True)

_INSTRUCTIONS = (
    ("terms", "Inclusion / index terms"),
    ("excludes1", "Excludes1"),
    ("excludes2", "Excludes2"),
    ("code_first", "Code first"),
    ("use_additional", "Use additional code"),
    ("code_also", "Code also"),
)


@app.command()
def show(
    code: str,
    system: Annotated[System | None, typer.Option(help="Only this code system.")] = None,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show a code with its tabular instructions, parents and children (e1122 = E11.22)."""
    with progress.first_use() as shown:
        index = load_index(step=shown.index_step)
    records = index.lookup(code, system)
    if not records:
        fail(f"{code} is not a code in the current index ({index.version})")
    details = [describe(index, record) for record in records]
    if json_output:
        print_json(details if len(details) > 1 else details[0])
        return
    for info in details:
        typer.echo(f"{info['code']}  [{info['system']}]  {info['title']}")
        typer.echo(f"  {info['status']['message']}")
        for parent in reversed(info["parents"]):
            typer.echo(f"  under {parent['code']} {parent['title']}")
        for key, label in _INSTRUCTIONS:
            if info[key]:
                typer.echo(f"  {label}:")
                for note in info[key]:
                    typer.echo(f"    - {note}")
        if info["seventh_characters"]:
            typer.echo("  7th characters:")
            for char, meaning in info["seventh_characters"].items():
                typer.echo(f"    {char}  {meaning}")
        if info["children"]:
            typer.echo(f"  {len(info['children'])} codes below:")
            for child in info["children"][:30]:
                typer.echo(f"    {child['code']:10} {child['title']}")


@app.command()
def search(
    text: str,
    system: Annotated[System | None, typer.Option(help="Only this code system.")] = None,
    top: Annotated[int, typer.Option(min=1, max=500)] = 10,
    billable: Annotated[bool, typer.Option("--billable", help="Only billable codes.")] = False,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Codes ranked for a phrase a coder would type ("aspiration pneumonia", "e11.2")."""
    if not text.strip():
        fail("the search text is empty")
    with progress.first_use() as shown:
        index = load_index(step=shown.index_step)
    hits = index.search(text, system=system, top=top, billable_only=billable)
    if json_output:
        print_json([hit_json(hit) for hit in hits])
        return
    if not hits:
        typer.echo("no codes found")
    for hit in hits:
        mark = "" if hit.record.billable else " (not billable)"
        typer.echo(
            f"{hit.score:5.2f}  {hit.record.code:9} {hit.record.system.value:8} "
            f"{hit.record.title}{mark}"
        )
