"""``codesuggest batch INPUT OUTPUT``: code a file of notes into a Parquet dataset."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from api.commands.inputs import read_procedures, read_setting
from api.commands.output import fail, print_json
from suggest.batch import DEFAULT_CHUNK_SIZE, ENGINES, run_batch
from suggest.setting import DEFAULT_PROCEDURE_REPORTING, DEFAULT_SETTING


def batch(
    source: Annotated[
        Path, typer.Argument(metavar="INPUT", help="Notes: .parquet, .jsonl or .csv with id, text.")
    ],
    output: Annotated[Path, typer.Argument(metavar="OUTPUT", help="Output dataset folder.")],
    engine: Annotated[str, typer.Option(help="local (process pool) or spark.")] = "local",
    processes: Annotated[
        int | None, typer.Option(min=1, help="Local engine: worker processes (default: cores).")
    ] = None,
    master: Annotated[
        str | None, typer.Option(help="Spark master URL (default: spark-submit's or local[*]).")
    ] = None,
    setting: Annotated[
        str, typer.Option(help="outpatient or inpatient, for notes without a setting column.")
    ] = DEFAULT_SETTING,
    procedures: Annotated[
        str,
        typer.Option(
            help="significant or all: the ICD-10-PCS procedures the facility reports, for "
            "notes without a procedures column."
        ),
    ] = DEFAULT_PROCEDURE_REPORTING,
    top: Annotated[int, typer.Option(min=1, max=1000)] = 20,
    model: Annotated[str | None, typer.Option(help="Model name (default: the one in use).")] = None,
    chunk_size: Annotated[
        int, typer.Option(min=1, help="Notes per written part (what a kill can cost).")
    ] = DEFAULT_CHUNK_SIZE,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress on stderr.")] = False,
) -> None:
    """Code every note of INPUT into OUTPUT (suggestions and per-note status, Parquet);
    a rerun skips notes already coded with the same model and index."""
    if engine not in ENGINES:
        fail(f"--engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    chosen = read_setting(setting)
    reporting = read_procedures(procedures)
    summary = run_batch(
        source,
        output,
        engine=engine,
        processes=processes or os.cpu_count() or 1,
        master=master,
        setting=chosen,
        procedures=reporting,
        top_k=top,
        model=model,
        chunk_size=chunk_size,
        progress=not quiet and sys.stderr.isatty(),
    )
    print_json(summary.to_json())
