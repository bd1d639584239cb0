"""``codesuggest index build|stats``: build the versioned code index and describe it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from tqdm import tqdm

from api.commands.output import print_json
from code_index.build import IndexSources, build_index, index_root, load_index

app = typer.Typer(help="Build and inspect the code index.", no_args_is_help=True)

ReadableFile = Annotated[
    Path | None,
    typer.Option(exists=True, dir_okay=False, readable=True, resolve_path=True),
]


@app.command()
def build(
    icd10cm_xml: ReadableFile = None,
    icd10cm_index: Annotated[
        list[Path] | None,
        typer.Option(
            exists=True,
            dir_okay=False,
            readable=True,
            resolve_path=True,
            help="CDC Alphabetic Index XML (repeat for the Neoplasm and Drug tables).",
        ),
    ] = None,
    hcpcs: ReadableFile = None,
    cpt: ReadableFile = None,
    pcs: ReadableFile = None,
    out: Annotated[
        Path | None, typer.Option(file_okay=False, help="Index folder (default: data dir).")
    ] = None,
) -> None:
    """Build the index from the embedded defaults or the files given, and make it current."""
    sources = IndexSources(
        icd10cm_xml=icd10cm_xml,
        icd10cm_index=list(icd10cm_index or []),
        hcpcs=hcpcs,
        cpt=cpt,
        pcs=pcs,
    )
    stages = 6 + len(sources.icd10cm_index)
    started = time.perf_counter()
    with tqdm(total=stages, desc="building index", unit="step") as bar:

        def step(name: str) -> None:
            bar.set_description(name)
            bar.update(1)

        index = build_index(sources, step)
        step("writing artifact")
        folder = index.save(out or index_root())
    elapsed = time.perf_counter() - started
    typer.echo(f"index {index.version} written to {folder} in {elapsed:.1f} s")
    for system, counts in sorted(index.manifest.counts.items()):
        typer.echo(f"  {system:9} {counts['records']:>7} codes, {counts['billable']:>7} billable")


@app.command()
def stats(json_output: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Counts per system and source, and the code-set versions of the current index."""
    summary = load_index().stats()
    if json_output:
        print_json(summary)
        return
    typer.echo(f"index {summary['index_version']} built {summary['built_at']}")
    for system, counts in sorted(summary["counts"].items()):
        sources = ", ".join(
            f"{k.removeprefix('source:')} {v}" for k, v in counts.items() if k.startswith("source:")
        )
        typer.echo(
            f"  {system:9} {counts['records']:>7} codes, "
            f"{counts['billable']:>7} billable ({sources})"
        )
    typer.echo("code sets:")
    for version in summary["versions"]:
        effective = f", effective {version['effective']}" if version.get("effective") else ""
        typer.echo(f"  {version['system']:9} {version['version']} [{version['source']}]{effective}")
    typer.echo(f"HCPCS modifiers: {summary['modifiers']}")
