"""The local engine end to end on real CodiEsp notes: every note once, bad notes recorded
and never stopping the run, the same suggestions as the suggester gives one note, and a
rerun after a kill coding only what was missing."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from code_index.index import CodeIndex
from code_index.revenue.encounter import Encounter
from suggest.batch import run_batch
from suggest.batch.store import STATUS
from suggest.suggester import Suggester
from tests.api.cli_process import run_cli
from tests.suggest.batch.conftest import BAD_NOTES, read_output


def test_every_note_gets_one_status_and_bad_notes_do_not_stop_the_run(
    local_output: Path, codiesp_notes: dict[str, str]
) -> None:
    rows, status = read_output(local_output)
    assert set(status) == set(codiesp_notes) | set(BAD_NOTES)
    for note_id, (_, reason) in BAD_NOTES.items():
        assert (status[note_id]["status"], status[note_id]["error"]) == ("error", reason)
    for note_id in codiesp_notes:
        assert status[note_id]["status"] == "ok"
    coded = {r["id"] for r in rows}
    assert coded and coded <= set(codiesp_notes)
    # a note's row count and ranks agree with its status row
    for note_id in coded:
        ranks = [r["rank"] for r in rows if r["id"] == note_id]
        assert ranks == list(range(1, status[note_id]["suggestions"] + 1))


def test_suggestions_are_what_the_suggester_gives_each_note(
    local_output: Path, codiesp_notes: dict[str, str], suggester: Suggester
) -> None:
    rows, status = read_output(local_output)
    first, second = list(codiesp_notes)[:2]
    encounter = Encounter(sex="female", age=67, date_of_service=date(2024, 3, 1))
    for note_id, setting, given in ((first, "inpatient", encounter), (second, "outpatient", None)):
        expected = suggester.suggest(codiesp_notes[note_id], setting, encounter=given)
        got = [r for r in rows if r["id"] == note_id]
        assert [(r["code"], r["score"], [w["message"] for w in r["warnings"]]) for r in got] == [
            (s.code, s.score, [w.message for w in s.warnings]) for s in expected.suggestions
        ]
        assert got[0]["evidence"][0]["text"] == expected.suggestions[0].evidence[0].text
        assert got[0]["model_version"] == expected.model_version
        assert status[note_id]["setting"] == setting
    # patient and date columns reach the suggester and the status table
    assert (status[first]["patient_sex"], status[first]["patient_age"]) == ("female", "67")
    assert status[first]["date_of_service"] == "2024-03-01"


def test_a_note_says_which_procedures_its_facility_reports(
    local_output: Path, codiesp_notes: dict[str, str], suggester: Suggester
) -> None:
    # the third note's row says "all" (its imaging is ranked), the first's nothing: the
    # batch's default, significant (its imaging is not)
    rows, status = read_output(local_output)
    first, _, third = list(codiesp_notes)[:3]
    assert (status[first]["procedures"], status[third]["procedures"]) == ("significant", "all")
    every = suggester.suggest(codiesp_notes[third], "inpatient", procedures="all")
    assert [r["code"] for r in rows if r["id"] == third] == [s.code for s in every.suggestions]
    significant = suggester.suggest(codiesp_notes[third], "inpatient")
    assert [s.code for s in significant.suggestions] != [s.code for s in every.suggestions]


def test_a_rerun_codes_nothing_twice_and_recodes_an_uncommitted_chunk(
    notes_file: Path, local_output: Path, data_dir: Path, tmp_path: Path
) -> None:
    output = tmp_path / "out"
    run_batch(notes_file, output, processes=1, data_dir=data_dir, chunk_size=5, progress=False)
    again = run_batch(notes_file, output, processes=1, data_dir=data_dir, progress=False)
    assert again.coded.notes == 0 and again.already_done == len(read_output(output)[1])
    # a kill between a chunk's suggestions part and its status part (the commit record)
    status_parts = sorted(next((output / STATUS).iterdir()).glob("part-*.parquet"))
    lost = pq.read_table(status_parts[0]).num_rows
    status_parts[0].unlink()
    resumed = run_batch(notes_file, output, processes=1, data_dir=data_dir, progress=False)
    assert resumed.coded.notes == lost
    assert read_output(output) == read_output(local_output)


def test_a_killed_run_resumes_with_every_note_exactly_once(
    notes_file: Path, local_output: Path, data_dir: Path, default_index: CodeIndex, tmp_path: Path
) -> None:
    output = tmp_path / "out"
    args = ["batch", str(notes_file), str(output), "--processes", "2", "--chunk-size", "1"]
    env = {**os.environ, "CODESUGGEST_DATA_DIR": str(data_dir)}
    command = [sys.executable, "-c", "from api.cli import main; main()", *args, "--quiet"]
    process = subprocess.Popen(command, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while not list(output.glob(f"{STATUS}/*/part-*.parquet")):
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.1)
    finally:
        os.killpg(process.pid, signal.SIGKILL)  # the command and its workers, mid-run
        process.wait()
    before = len(read_output(output)[1])
    assert 0 < before < len(read_output(local_output)[1])
    resumed = run_cli(*args, "--quiet", data_dir=data_dir)
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads(resumed.stdout)
    assert summary["already_done"] == before
    assert summary["coded"]["notes"] + before == len(read_output(local_output)[1])
    assert read_output(output) == read_output(local_output)


def test_csv_and_parquet_inputs_read_as_json_lines_do(
    codiesp_notes: dict[str, str], data_dir: Path, default_index: CodeIndex, tmp_path: Path
) -> None:
    notes = [{"id": i, "text": t, "patient_age": "70"} for i, t in list(codiesp_notes.items())[:3]]
    notes[0]["text"] = 'Said "chest pain",\nthen, on a new line, fever.'  # quoting, newlines
    jsonl, csv_file, parquet = tmp_path / "n.jsonl", tmp_path / "n.csv", tmp_path / "n.parquet"
    jsonl.write_text("".join(json.dumps(n) + "\n" for n in notes))
    with csv_file.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "text", "patient_age"])
        writer.writeheader()
        writer.writerows(notes)
    pq.write_table(pa.Table.from_pylist(notes), parquet)
    outputs = []
    for source in (jsonl, csv_file, parquet):
        output = tmp_path / f"out-{source.suffix[1:]}"
        run_batch(source, output, processes=1, data_dir=data_dir, progress=False)
        outputs.append(read_output(output))
    assert outputs[0] == outputs[1] == outputs[2]
    assert {r["code"] for r in outputs[0][0] if r["id"] == notes[0]["id"]} >= {"R07.9", "R50.9"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--engine", "hadoop"], "--engine must be one of local, spark"),
        (["--setting", "er"], "--setting must be outpatient or inpatient"),
    ],
)
def test_bad_arguments_end_with_one_sentence(
    notes_file: Path, data_dir: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    result = run_cli("batch", str(notes_file), str(tmp_path / "out"), *args, data_dir=data_dir)
    assert result.returncode == 2 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_input_without_a_text_column_is_refused(data_dir: Path, tmp_path: Path) -> None:
    source = tmp_path / "notes.csv"
    source.write_text("id,body\n1,fever\n")
    result = run_cli("batch", str(source), str(tmp_path / "out"), data_dir=data_dir)
    assert result.returncode == 2 and "has no text column" in result.stderr
    assert "Traceback" not in result.stderr
