"""Batch fixtures: a file of real CodiEsp notes with bad notes mixed in, and the local
engine's output for it, which the Spark engine's must equal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from code_index.index import CodeIndex
from suggest.batch import run_batch

CODIESP_NOTES = 12
# note id -> its input row and the error the batch must record for it
BAD_NOTES: dict[str, tuple[dict[str, Any], str]] = {
    "bad-empty": ({"text": "   \n"}, "empty"),
    "bad-too-long": ({"text": "Fever and cough. " * 12_000}, "too long"),  # 204,000 characters
    "bad-not-text": ({"text": 12345}, "not text"),
    "bad-binary": ({"text": "PK\x03\x04\x00\x00binary"}, "not text"),
    "bad-setting": ({"text": "Fever.", "setting": "icu"}, "bad setting"),
    "bad-procedures": ({"text": "Fever.", "procedures": "most"}, "bad procedures"),
    "bad-age": ({"text": "Fever.", "patient_age": "forty"}, "bad encounter"),
}
FIRST_ENCOUNTER = {"date_of_service": "2024-03-01", "patient_sex": "female", "patient_age": 67}
# the third note is coded as its annotators coded it: every procedure
EVERY_PROCEDURE = {"setting": "inpatient", "procedures": "all"}


def read_output(output: Path) -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """Suggestion rows in (id, rank) order, and status rows by note id (which must be
    unique: a note coded twice fails here)."""
    suggestions = pq.read_table(output / "suggestions").drop_columns(["versions"])
    rows = sorted(suggestions.to_pylist(), key=lambda r: (r["id"], r["rank"]))
    status: dict[str, dict[str, Any]] = {}
    for row in pq.read_table(output / "status").drop_columns(["versions"]).to_pylist():
        assert row["id"] not in status, f"{row['id']} has two status rows"
        status[row["id"]] = row
    return rows, status


@pytest.fixture(scope="session")
def codiesp_notes(shared_data: Path) -> dict[str, str]:
    """The first CodiEsp dev notes, by id."""
    files = sorted((shared_data / "codiesp" / "dev" / "text_files_en").glob("*.txt"))
    return {path.stem: path.read_text(encoding="utf-8") for path in files[:CODIESP_NOTES]}


@pytest.fixture(scope="session")
def notes_file(codiesp_notes: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """JSON Lines: the CodiEsp notes (one inpatient, with patient and date columns, one
    inpatient reporting every procedure), the bad notes, a line that is not JSON, and a
    repeated id."""
    path = tmp_path_factory.mktemp("batch-input") / "notes.jsonl"
    lines = []
    for position, (note_id, text) in enumerate(codiesp_notes.items()):
        row: dict[str, Any] = {"id": note_id, "text": text}
        if position == 0:
            row |= {"setting": "inpatient", **FIRST_ENCOUNTER}
        if position == 2:
            row |= EVERY_PROCEDURE
        lines.append(json.dumps(row))
    lines += [json.dumps({"id": i, **row}) for i, (row, _) in BAD_NOTES.items()]
    lines += ["{not json", json.dumps({"id": next(iter(codiesp_notes)), "text": "again"})]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def local_output(
    notes_file: Path,
    data_dir: Path,
    default_index: CodeIndex,
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    """The local engine's output (2 processes) for ``notes_file``."""
    output = tmp_path_factory.mktemp("batch-local") / "out"
    run_batch(notes_file, output, processes=2, data_dir=data_dir, chunk_size=5, progress=False)
    return output
