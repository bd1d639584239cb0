"""Notes in: the input files a batch reads (Parquet, JSON Lines, CSV) turned into one row
shape both engines code, whatever types the file held.

The local engine reads files with pyarrow; the Spark engine reads them with Spark and calls
:func:`normalize_rows` on each Arrow batch, so a value is judged the same way by both.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.dataset as ds

REQUIRED_COLUMNS = ("id", "text")
# carried from input to the status table (issue 18 adds them to requests)
PASSED_COLUMNS = ("setting", "procedures", "date_of_service", "patient_sex", "patient_age")
JSON_LINE_COLUMN = "value"  # a JSON Lines file arrives as one text column of raw lines
FORMATS = {".parquet": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv"}

NOTE_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("text", pa.string()),
        ("problem", pa.string()),  # why the text cannot be coded as read ("not text"), or null
        ("setting", pa.string()),
        ("procedures", pa.string()),  # which ICD-10-PCS procedures the facility reports
        # as given, as text: a date or an age that does not parse is kept, not dropped
        ("date_of_service", pa.string()),
        ("patient_sex", pa.string()),
        ("patient_age", pa.string()),
    ]
)


@dataclass
class Unusable:
    """Input rows that are not notes (no id, or a JSON line that is not an object),
    counted by reason: they cannot appear in a table keyed by note id."""

    counts: Counter[str] = field(default_factory=Counter)


def input_format(path: Path) -> str:
    """``parquet``, ``jsonl`` or ``csv`` from the file name (a folder is a Parquet dataset)."""
    if path.is_dir():
        return "parquet"
    found = FORMATS.get(path.suffix.lower())
    if found is None:
        raise ValueError(f"{path} must be a .parquet, .jsonl or .csv file")
    return found


def check_columns(names: list[str], source: Path | str) -> None:
    """Refuse an input without the ``id`` and ``text`` columns, before anything is coded."""
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        raise ValueError(f"{source} has no {' or '.join(missing)} column")


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes | bytearray):
        return value.decode("utf-8", errors="replace")
    return str(value)


def normalize_row(row: dict[str, Any], unusable: Unusable) -> dict[str, Any] | None:
    """One input row as a ``NOTE_SCHEMA`` row, or None (counted) when it has no id.

    Text that is not a string (a number, a list, raw bytes) or holds NUL characters (a
    binary file pasted in) keeps its row and is marked "not text"."""
    if JSON_LINE_COLUMN in row and "id" not in row:
        try:
            row = json.loads(row[JSON_LINE_COLUMN] or "")
        except json.JSONDecodeError:
            unusable.counts["not JSON"] += 1
            return None
        if not isinstance(row, dict):
            unusable.counts["not a JSON object"] += 1
            return None
    note_id = row.get("id")
    if note_id is None or isinstance(note_id, dict | list) or str(note_id).strip() == "":
        unusable.counts["no id"] += 1
        return None
    text = row.get("text")
    problem = None
    if text is not None and (not isinstance(text, str) or "\x00" in text):
        text, problem = None, "not text"
    return {
        "id": str(note_id),
        "text": text,
        "problem": problem,
        **{name: _as_text(row.get(name)) for name in PASSED_COLUMNS},
    }


def normalize_rows(batch: pa.RecordBatch, unusable: Unusable) -> pa.RecordBatch:
    """A batch of input rows (any column types) as a ``NOTE_SCHEMA`` batch."""
    rows = [normalize_row(row, unusable) for row in batch.to_pylist()]
    return pa.RecordBatch.from_pylist([r for r in rows if r is not None], schema=NOTE_SCHEMA)


def read_batches(path: Path, batch_size: int) -> Iterator[pa.RecordBatch]:
    """The input file as raw Arrow batches of at most ``batch_size`` rows."""
    fmt = input_format(path)
    if not path.exists():
        raise ValueError(f"{path} does not exist")
    if fmt == "parquet":
        dataset = ds.dataset(path, format="parquet")
        check_columns(dataset.schema.names, path)
        yield from dataset.to_batches(batch_size=batch_size)
        return
    with path.open(encoding="utf-8", errors="replace", newline="") as handle:
        if fmt == "csv":
            reader = csv.DictReader(handle)
            check_columns(list(reader.fieldnames or []), path)
            rows: Iterator[dict[str, Any]] = iter(reader)
        else:
            rows = ({JSON_LINE_COLUMN: line} for line in handle if line.strip())
        chunk: list[dict[str, Any]] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) == batch_size:
                yield pa.RecordBatch.from_pylist(chunk)
                chunk = []
        if chunk:
            yield pa.RecordBatch.from_pylist(chunk)


def read_notes(path: Path, batch_size: int, unusable: Unusable) -> Iterator[pa.RecordBatch]:
    """The input file's notes as ``NOTE_SCHEMA`` batches."""
    for batch in read_batches(path, batch_size):
        yield normalize_rows(batch, unusable)
