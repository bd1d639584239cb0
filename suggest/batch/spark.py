"""The Spark engine: the same coding step in ``mapInArrow`` tasks, so a corpus too large for
one machine runs on ``local[*]``, a standalone cluster or a managed Spark service unchanged.

The driver ships the index, term table and model to the executors once (``addFile``); each
Python worker loads the suggester once and keeps it for every task it runs. pyspark is
imported here only, so the local engine works without it.
"""

from __future__ import annotations

import math
import os
import tarfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow as pa
from pyspark import SparkFiles
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.pandas.types import from_arrow_schema
from pyspark.sql.types import StructType

from code_index.build import index_root
from code_index.data_dir import resolve_data_dir
from code_index.index import CURRENT_FILE, CodeIndex
from suggest.batch.coding import (
    STATUS_SCHEMA,
    SUGGESTION_SCHEMA,
    Versions,
    cached_suggester,
    code_notes,
)
from suggest.batch.notes import (
    NOTE_SCHEMA,
    Unusable,
    check_columns,
    input_format,
    normalize_rows,
)
from suggest.batch.store import STATUS, ChunkStore, versions_key
from suggest.batch.summary import BatchSummary, Tally
from suggest.model import current_model_name, model_folder, models_root
from suggest.setting import (
    DEFAULT_PROCEDURE_REPORTING,
    DEFAULT_SETTING,
    ProcedureReporting,
    Setting,
)
from suggest.suggester import Suggester

ArrowMap = Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]


def ship_data(
    spark: SparkSession, data_dir: Path | str | None, model: str | None
) -> tuple[str, str]:
    """Pack what a worker needs to load the suggester (the current index, the term table
    cache and a trained model) into one archive inside the data directory and add it to the
    Spark context, which copies it to every executor once. Returns the name workers find it
    by (``SparkFiles.get``) and the model's name, so every worker loads the driver's model."""
    folder = resolve_data_dir(data_dir)
    suggester = cached_suggester(folder, model)  # builds the index and term table if missing
    chosen = model or current_model_name(folder)
    name = f"codesuggest-{versions_key(Versions.of(suggester))}"
    archive = folder / "spark" / f"{name}.tar"
    if not archive.is_file():
        archive.parent.mkdir(parents=True, exist_ok=True)
        partial = archive.with_name(f".{archive.name}.{os.getpid()}")
        index = index_root(folder)
        artifact = CodeIndex.current_folder(index)
        # uncompressed: the artifacts are pickles that gzip barely shrinks
        with tarfile.open(partial, "w") as tar:
            tar.add(artifact, f"index/{artifact.name}")
            tar.add(index / CURRENT_FILE, f"index/{CURRENT_FILE}")
            tar.add(folder / "cache", "cache")
            source = model_folder(chosen, folder)
            if source.parent == models_root(folder):
                tar.add(source, f"models/{chosen}")
        os.replace(partial, archive)
    spark.sparkContext.addArchive(f"{archive}#{name}")
    return name, chosen


def _shipped_suggester(shipped: str, model: str | None) -> Suggester:
    return cached_suggester(SparkFiles.get(shipped), model)


def _normalizer() -> ArrowMap:
    def normalize(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            yield normalize_rows(batch, Unusable())

    return normalize


def _spark_schema(schema: pa.Schema) -> StructType:
    return from_arrow_schema(schema)


def notes_frame(notes: DataFrame) -> DataFrame:
    """Any DataFrame with ``id`` and ``text`` (and the optional columns) as ``NOTE_SCHEMA``
    rows; rows without an id are dropped."""
    return notes.mapInArrow(_normalizer(), _spark_schema(NOTE_SCHEMA))


def suggest_dataframe(
    notes: DataFrame,
    *,
    setting: Setting | str = DEFAULT_SETTING,
    top_k: int = 20,
    model: str | None = None,
    data_dir: Path | str | None = None,
    procedures: ProcedureReporting | str = DEFAULT_PROCEDURE_REPORTING,
) -> DataFrame:
    """The suggestions DataFrame (``SUGGESTION_SCHEMA``, one row per suggested code) for a
    DataFrame of notes with ``id`` and ``text`` columns: the Python API for data teams.
    A note that cannot be coded has no rows here (``codesuggest batch`` records why)."""
    check_columns(notes.columns, "the notes DataFrame")
    shipped, chosen = ship_data(notes.sparkSession, data_dir, model)

    def suggest(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        suggester = _shipped_suggester(shipped, chosen)
        for batch in batches:
            suggestions, _ = code_notes(suggester, batch, setting, top_k, procedures)
            yield from suggestions.to_batches()

    return notes_frame(notes).mapInArrow(suggest, _spark_schema(SUGGESTION_SCHEMA))


def _read_input(spark: SparkSession, source: Path) -> DataFrame:
    fmt = input_format(source)
    if not source.exists():
        raise ValueError(f"{source} does not exist")
    if fmt == "jsonl":
        return spark.read.text(str(source))  # parsed line by line in normalize_rows
    if fmt == "csv":
        # RFC 4180 quoting, as Python's csv module reads it for the local engine
        reader = spark.read.option("header", True).option("multiLine", True)
        raw = reader.option("escape", '"').csv(str(source))
    else:
        raw = spark.read.parquet(str(source))
    check_columns(raw.columns, source)
    return raw


def _writer(
    shipped: str,
    model: str | None,
    store: ChunkStore,
    setting: Setting,
    procedures: ProcedureReporting,
    top_k: int,
) -> ArrowMap:
    def code_and_write(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        suggester = _shipped_suggester(shipped, model)
        if Versions.of(suggester) != store.versions:
            raise ValueError("the executors loaded another index or model than the driver")
        for batch in batches:
            suggestions, status = code_notes(suggester, batch, setting, top_k, procedures)
            store.write_chunk(suggestions, status)
            yield from status.to_batches()

    return code_and_write


def run_spark(
    source: Path,
    store: ChunkStore,
    *,
    master: str | None,
    chunk_size: int,
    setting: Setting,
    procedures: ProcedureReporting,
    top_k: int,
    data_dir: Path | None,
    model: str | None,
    progress: bool,
) -> BatchSummary:
    """Code every pending note of ``source`` as one Spark job. The output folder must be
    one every executor can write (a local path for ``local[*]``, shared storage on a
    cluster)."""
    started = time.perf_counter()
    ours = SparkSession.getActiveSession() is None  # a notebook's own session stays open
    builder = SparkSession.builder.appName("codesuggest batch")
    if master:
        builder = builder.master(master)
    spark = (
        builder.config("spark.sql.execution.arrow.maxRecordsPerBatch", str(chunk_size))
        .config("spark.ui.showConsoleProgress", str(progress).lower())
        .getOrCreate()
    )
    try:
        shipped, chosen = ship_data(spark, data_dir, model)
        raw = _read_input(spark, source)
        notes = notes_frame(raw).persist()
        rows, usable = raw.count(), notes.count()
        # the counts read the ids alone: the texts are shuffled once, by the coding job
        ids = notes.select("id").distinct()
        distinct = pending = ids.count()
        todo = notes
        done_folder = store.folder(STATUS)
        if done_folder.is_dir():
            done = (
                spark.read.schema(_spark_schema(STATUS_SCHEMA))
                .parquet(str(done_folder))
                .select("id")
            )
            todo = notes.join(done, "id", "left_anti")
            pending = ids.join(done, "id", "left_anti").count()
        chunks = max(1, math.ceil(pending / chunk_size))
        # by id and sorted: a retried task sees the same chunks and rewrites the same parts;
        # an id's copies share its partition, so dropping them needs no second shuffle
        coded = (
            todo.repartition(chunks, "id")
            .dropDuplicates(["id"])
            .sortWithinPartitions("id")
            .mapInArrow(
                _writer(shipped, chosen, store, setting, procedures, top_k),
                _spark_schema(STATUS_SCHEMA),
            )
            .groupBy("error")
            .agg(F.count("*").alias("notes"), F.sum("suggestions").alias("suggestions"))
            .collect()
        )
        notes.unpersist()
    finally:
        if ours:
            spark.stop()
    tally = Tally()
    for row in coded:
        tally.add(Tally(Counter({row["error"] or "ok": row["notes"]}), row["suggestions"] or 0))
    return BatchSummary(
        engine=f"spark ({master or 'configured master'})",
        output=store.output,
        model_version=store.versions.model_version,
        index_version=store.versions.index_version,
        coded=tally,
        already_done=distinct - pending,
        duplicates=usable - distinct,
        unusable=Counter({"no id or not JSON": rows - usable} if rows > usable else {}),
        seconds=time.perf_counter() - started,
    )
