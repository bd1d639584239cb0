"""``codesuggest codes show|search``: look a code up, or find codes for a phrase."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

import typer

from api.commands.output import fail, print_json
from code_index.build import load_index
from code_index.index import CodeIndex
from code_index.records import CodeRecord, System
from code_index.validity import check_code

app = typer.Typer(help="Look up and search codes.", no_args_is_help=True)

_INSTRUCTIONS = (
    ("terms", "Inclusion / index terms"),
    ("excludes1", "Excludes1"),
    ("excludes2", "Excludes2"),
    ("code_first", "Code first"),
    ("use_additional", "Use additional code"),
    ("code_also", "Code also"),
)


def record_json(record: CodeRecord) -> dict[str, Any]:
    """A record as plain JSON."""
    data = asdict(record)
    data["system"] = record.system.value
    data["seventh_characters"] = dict(record.seventh_characters)
    return data


def describe(index: CodeIndex, record: CodeRecord) -> dict[str, Any]:
    """A record with its validity, parents and children: what ``codes show`` prints."""
    check = check_code(index, record.code, record.system)
    return {
        **record_json(record),
        "status": {
            "billable": check.billable,
            "active": check.active,
            "missing": check.missing,
            "message": check.message,
        },
        "parents": [{"code": p.code, "title": p.title} for p in index.ancestors(record)],
        "children": [{"code": c.code, "title": c.title} for c in index.children(record)],
        "groups": {k: index.groups[k] for k in (record.chapter, record.block) if k in index.groups},
    }


@app.command()
def show(
    code: str,
    system: Annotated[System | None, typer.Option(help="Only this code system.")] = None,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show a code with its tabular instructions, parents and children (e1122 = E11.22)."""
    index = load_index()
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
    hits = load_index().search(text, system=system, top=top, billable_only=billable)
    if json_output:
        print_json(
            [
                {
                    "code": h.record.code,
                    "system": h.record.system.value,
                    "title": h.record.title,
                    "billable": h.record.billable,
                    "score": h.score,
                }
                for h in hits
            ]
        )
        return
    if not hits:
        typer.echo("no codes found")
    for hit in hits:
        mark = "" if hit.record.billable else " (not billable)"
        typer.echo(
            f"{hit.score:5.2f}  {hit.record.code:9} {hit.record.system.value:8} "
            f"{hit.record.title}{mark}"
        )
