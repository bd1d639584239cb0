"""The local engine: a process pool on one machine, each process loading the suggester once
and writing the chunks it codes."""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path

import pyarrow as pa
from tqdm import tqdm

from suggest.batch.coding import Versions, cached_suggester, code_notes
from suggest.batch.notes import NOTE_SCHEMA, Unusable, read_notes
from suggest.batch.store import ChunkStore
from suggest.batch.summary import BatchSummary, Tally
from suggest.setting import ProcedureReporting, Setting


def _load_worker(data_dir: Path | None, model: str | None) -> None:
    cached_suggester(data_dir, model)


def _code_chunk(
    notes: pa.RecordBatch,
    store: ChunkStore,
    setting: Setting,
    procedures: ProcedureReporting,
    top_k: int,
    data_dir: Path | None,
    model: str | None,
) -> Tally:
    suggester = cached_suggester(data_dir, model)
    if Versions.of(suggester) != store.versions:
        raise ValueError("the index or the model changed while the batch ran; run it again")
    suggestions, status = code_notes(suggester, notes, setting, top_k, procedures)
    store.write_chunk(suggestions, status)
    return Tally.of(status)


def _pending_chunks(
    source: Path, chunk_size: int, done: set[str], unusable: Unusable, skipped: Counter[str]
) -> Iterator[pa.RecordBatch]:
    """Chunks of notes not yet written for these versions, each id once."""
    seen: set[str] = set()
    rows: list[dict[str, object]] = []
    for batch in read_notes(source, chunk_size, unusable):
        for row in batch.to_pylist():
            if row["id"] in seen:
                skipped["duplicates"] += 1
                continue
            seen.add(row["id"])
            if row["id"] in done:
                skipped["already_done"] += 1
            else:
                rows.append(row)
                if len(rows) == chunk_size:
                    yield pa.RecordBatch.from_pylist(rows, schema=NOTE_SCHEMA)
                    rows = []
    if rows:
        yield pa.RecordBatch.from_pylist(rows, schema=NOTE_SCHEMA)


def run_local(
    source: Path,
    store: ChunkStore,
    *,
    processes: int,
    chunk_size: int,
    setting: Setting,
    procedures: ProcedureReporting,
    top_k: int,
    data_dir: Path | None,
    model: str | None,
    progress: bool,
) -> BatchSummary:
    """Code every pending note of ``source`` with ``processes`` worker processes."""
    started = time.perf_counter()
    unusable, skipped, coded = Unusable(), Counter[str](), Tally()
    done = store.done_ids()
    # spawn, not fork: a worker starts clean and loads its own suggester
    context = multiprocessing.get_context("spawn")
    with (
        ProcessPoolExecutor(
            processes, mp_context=context, initializer=_load_worker, initargs=(data_dir, model)
        ) as pool,
        tqdm(desc="coding", unit="note", disable=not progress) as bar,
    ):
        running: set[Future[Tally]] = set()

        def collect(finished: set[Future[Tally]]) -> None:
            for future in finished:
                tally = future.result()
                coded.add(tally)
                bar.update(tally.notes)

        for chunk in _pending_chunks(source, chunk_size, done, unusable, skipped):
            if len(running) >= 2 * processes:  # bounded: the input is never all in memory
                finished, running = wait(running, return_when=FIRST_COMPLETED)
                collect(finished)
            running.add(
                pool.submit(_code_chunk, chunk, store, setting, procedures, top_k, data_dir, model)
            )
        collect(wait(running).done)
    return BatchSummary(
        engine=f"local ({processes} process{'es' if processes > 1 else ''})",
        output=store.output,
        model_version=store.versions.model_version,
        index_version=store.versions.index_version,
        coded=coded,
        already_done=skipped["already_done"],
        duplicates=skipped["duplicates"],
        unusable=unusable.counts,
        seconds=time.perf_counter() - started,
    )
