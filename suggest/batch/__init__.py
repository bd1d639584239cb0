"""Batch coding: a file of notes in, a Parquet dataset of suggestions and per-note status
out, on a local process pool or on Apache Spark; resumable (see ``store``)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from suggest.batch.coding import Versions, cached_suggester
from suggest.batch.notes import input_format
from suggest.batch.store import ChunkStore
from suggest.batch.summary import BatchSummary
from suggest.setting import (
    DEFAULT_PROCEDURE_REPORTING,
    DEFAULT_SETTING,
    ProcedureReporting,
    Setting,
    parse_procedure_reporting,
    parse_setting,
)

ENGINES = ("local", "spark")
DEFAULT_CHUNK_SIZE = 200  # notes per written part: what a kill can cost, at most, per worker


def run_batch(
    source: Path,
    output: Path,
    *,
    engine: str = "local",
    processes: int | None = None,
    master: str | None = None,
    setting: Setting | str = DEFAULT_SETTING,
    procedures: ProcedureReporting | str = DEFAULT_PROCEDURE_REPORTING,
    top_k: int = 20,
    model: str | None = None,
    data_dir: Path | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: bool = True,
) -> BatchSummary:
    """Code every note of ``source`` not yet in ``output`` for the model and index in use,
    on the chosen engine, and say what was done. ``setting`` and ``procedures`` are for
    notes whose row does not give their own."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    setting = parse_setting(setting)
    procedures = parse_procedure_reporting(procedures)
    input_format(source)  # refuse an unknown file type before loading anything
    if not source.exists():
        raise ValueError(f"{source} does not exist")
    store = ChunkStore(output, Versions.of(cached_suggester(data_dir, model)))
    store.remove_unfinished()
    if engine == "spark":
        if importlib.util.find_spec("pyspark") is None:
            raise ValueError("--engine spark needs pyspark: pip install 'codesuggest[spark]'")
        from suggest.batch.spark import run_spark  # pyspark only when asked for

        return run_spark(
            source,
            store,
            master=master,
            chunk_size=chunk_size,
            setting=setting,
            procedures=procedures,
            top_k=top_k,
            data_dir=data_dir,
            model=model,
            progress=progress,
        )
    from suggest.batch.local import run_local

    return run_local(
        source,
        store,
        processes=processes or 1,
        chunk_size=chunk_size,
        setting=setting,
        procedures=procedures,
        top_k=top_k,
        data_dir=data_dir,
        model=model,
        progress=progress,
    )
