"""The output dataset: suggestions and per-note status as Parquet, one folder per model and
index version, written a chunk at a time so that a killed run loses nothing it finished
and a rerun codes only what is missing.

Layout (hive-style, so Spark and pyarrow read the versions as a column)::

    OUTPUT/suggestions/versions=<key>/part-<digest>.parquet
    OUTPUT/status/versions=<key>/part-<digest>.parquet

A chunk's suggestions part is renamed into place first and its status part last: the status
part is the commit record. ``<digest>`` is derived from the chunk's note ids, so a chunk
written twice (a retried Spark task) replaces itself instead of adding a copy.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from suggest.batch.coding import Versions

SUGGESTIONS = "suggestions"
STATUS = "status"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def versions_key(versions: Versions) -> str:
    """A folder name for a model and index version pair: readable, and unique by a hash."""
    both = f"{versions.model_version}__{versions.index_version}"
    digest = hashlib.sha1(both.encode()).hexdigest()[:8]
    return f"{_UNSAFE.sub('_', both)}-{digest}"


@dataclass(frozen=True)
class ChunkStore:
    """Where one model and index version's results go (picklable: workers write through it)."""

    output: Path
    versions: Versions

    def folder(self, table: str) -> Path:
        return self.output / table / f"versions={versions_key(self.versions)}"

    def done_ids(self) -> set[str]:
        """Note ids with a committed status row for these versions."""
        folder = self.folder(STATUS)
        if not folder.is_dir():
            return set()
        ids = ds.dataset(folder, format="parquet").to_table(columns=["id"]).column("id")
        return set(ids.to_pylist())

    def remove_unfinished(self) -> None:
        """Drop what a killed run left half-written: temporary files, and suggestion parts
        whose status part was never committed (their notes are coded again)."""
        committed = {p.name for p in self.folder(STATUS).glob("part-*.parquet")}
        for table in (SUGGESTIONS, STATUS):
            folder = self.folder(table)
            for leftover in folder.glob(".part-*"):
                leftover.unlink(missing_ok=True)
            if table == SUGGESTIONS:
                for part in folder.glob("part-*.parquet"):
                    if part.name not in committed:
                        part.unlink(missing_ok=True)

    def write_chunk(self, suggestions: pa.Table, status: pa.Table) -> None:
        """Write one coded chunk atomically: each part under a hidden temporary name, renamed
        into place, status last."""
        if status.num_rows == 0:
            return
        ids = "\n".join(sorted(status.column("id").to_pylist()))
        name = f"part-{hashlib.sha1(ids.encode()).hexdigest()[:20]}.parquet"
        for table, rows in ((SUGGESTIONS, suggestions), (STATUS, status)):
            folder = self.folder(table)
            folder.mkdir(parents=True, exist_ok=True)
            temporary = folder / f".{name}.{os.getpid()}.tmp"
            pq.write_table(rows, temporary)
            os.replace(temporary, folder / name)
