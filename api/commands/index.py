"""``codesuggest index build|stats``: build the versioned code index and describe it."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from api.commands import progress
from api.commands.output import print_json
from code_index.build import IndexSources, build_index, index_root, load_index
from code_index.loaders.mue import SOURCE as MUE_SOURCE
from code_index.loaders.ncci import SOURCE as NCCI_SOURCE
from code_index.records import MUE_SETTING_NAMES, NCCI_SETTING_NAMES

app = typer.Typer(help="Build and inspect the code index.", no_args_is_help=True)

ReadableFile = Annotated[
    Path | None,
    typer.Option(exists=True, dir_okay=False, readable=True, resolve_path=True),
]


def _files(help_text: str) -> Any:
    """A repeatable option naming readable files (each checked before the build starts)."""
    return typer.Option(
        exists=True, dir_okay=False, readable=True, resolve_path=True, help=help_text
    )


@app.command()
def build(
    icd10cm_xml: ReadableFile = None,
    icd10cm_index: Annotated[
        list[Path] | None,
        _files("CDC Alphabetic Index XML (repeat for the Neoplasm and Drug tables)."),
    ] = None,
    icd10cm_release: Annotated[
        list[Path] | None,
        _files(
            "Another fiscal year's ICD-10-CM release, CDC tabular XML or CMS order "
            "file (icd10cm_order_2025.txt), held for dates of service in that year "
            "(repeat for each year)."
        ),
    ] = None,
    hcpcs: ReadableFile = None,
    cpt: ReadableFile = None,
    pcs: ReadableFile = None,
    ncci: Annotated[
        list[Path] | None,
        _files(
            "CMS NCCI PTP edit file, practitioner (ccipra-…) or outpatient hospital "
            "(ccioph-…), .txt, .csv or .xlsx (repeat for every part and setting)."
        ),
    ] = None,
    ncci_as_of: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%d"],
            help="Keep the NCCI edits in force on this day (default: today).",
        ),
    ] = None,
    mue: Annotated[
        list[Path] | None,
        _files(
            "CMS MUE table, practitioner, outpatient hospital or DME supplier "
            "(MCR_MUE_…), .csv, .xlsx or .txt (repeat for each setting)."
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(file_okay=False, help="Index folder (default: data dir).")
    ] = None,
) -> None:
    """Build the index from the embedded defaults or the files given, and make it current."""
    sources = IndexSources(
        icd10cm_xml=icd10cm_xml,
        icd10cm_index=list(icd10cm_index or []),
        icd10cm_releases=list(icd10cm_release or []),
        hcpcs=hcpcs,
        cpt=cpt,
        pcs=pcs,
        ncci=list(ncci or []),
        ncci_as_of=ncci_as_of.date() if ncci_as_of else None,
        mue=list(mue or []),
    )
    stages = 6 + len(sources.icd10cm_index) + len(sources.icd10cm_releases)
    stages += len(sources.ncci) + len(sources.mue)
    started = time.perf_counter()
    with progress.bar("building index", stages, "step") as bar:

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
    for year, release in sorted(index.releases.items()):
        typer.echo(
            f"  icd10cm   {release.version} held for dates of service in FY{year} "
            f"({len(release.titles)} billable)"
        )
    if index.ncci:
        typer.echo(f"  NCCI PTP edits in force: {_ncci_line(index.ncci.counts())}")
    if index.mue:
        typer.echo(f"  MUEs: {_mue_line(index.stats()['mue_limits'])}")


def _mue_line(counts: dict[str, int]) -> str:
    return ", ".join(f"{MUE_SETTING_NAMES[setting]} {n}" for setting, n in counts.items())


def _ncci_line(counts: dict[str, int]) -> str:
    settings = ", ".join(
        f"{label} {counts[name]}" for name, label in NCCI_SETTING_NAMES.items() if name in counts
    )
    return f"{counts['pairs']} code pairs ({settings})"


@app.command()
def stats(json_output: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Counts per system and source, and the code-set versions of the current index."""
    with progress.first_use() as shown:
        summary = load_index(step=shown.index_step).stats()
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
        system = {NCCI_SOURCE: "ncci", MUE_SOURCE: "mue"}.get(version["source"], version["system"])
        typer.echo(f"  {system:9} {version['version']} [{version['source']}]{effective}")
    typer.echo(f"HCPCS modifiers: {summary['modifiers']}")
    ncci = summary["ncci_edits"]
    typer.echo(f"NCCI PTP edits: {_ncci_line(ncci) if ncci else 'none loaded (--ncci)'}")
    mue = summary["mue_limits"]
    typer.echo(f"MUEs: {_mue_line(mue) if mue else 'none loaded (--mue)'}")
