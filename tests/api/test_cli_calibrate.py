"""``codesuggest calibrate``: a small run on real US notes, and every mistake a person can
make ending in one sentence with exit code 2."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from suggest.model import SuggestModel, models_root
from suggest.suggester import NotePipeline, Suggester
from tests.api.cli_refusals import refused

runner = CliRunner()
TUNING = Path(__file__).resolve().parents[2] / "bench" / "us_notes" / "tuning.jsonl"


@pytest.fixture
def notes(tmp_path: Path) -> str:
    """Ten US tuning notes (never the held-aside part) as a corpus spec."""
    path = tmp_path / "us.jsonl"
    path.write_text("".join(TUNING.read_text().splitlines(keepends=True)[:10]))
    return f"jsonl:{path}"


@pytest.fixture
def made(suggester: Suggester) -> Iterator[list[str]]:
    """Names of the models a test writes to the data directory, removed after it."""
    names: list[str] = []
    yield names
    for name in names:
        shutil.rmtree(models_root() / name, ignore_errors=True)


def test_calibrate_writes_a_model_that_says_on_what(
    suggester: Suggester, notes: str, made: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(NotePipeline, "load", lambda **_: suggester.pipeline)  # loaded once
    made.append("default-us")
    args = ["calibrate", "--model", "default", "--name", "default-us", "--corpus", notes]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    card = json.loads(result.stdout)["calibration"]
    assert card["corpora"] == {notes: 10} and card["slope"] > 0
    assert {row["group"] for row in card["cross_fitted"]} == {"diagnoses", "procedures"}
    shown = json.loads(runner.invoke(app, ["models", "show", "default-us", "--json"]).stdout)
    assert shown["name"] == "default-us" and shown["calibration"] == card
    refused(args, "already exists", "--overwrite")
    again = runner.invoke(app, [*args, "--overwrite", "--final-layer"])
    assert again.exit_code == 0 and "ECE" in again.stdout and "models promote" in again.stdout
    assert "final layer on" in again.stdout
    layered = json.loads(runner.invoke(app, ["models", "show", "default-us", "--json"]).stdout)
    assert "final_layer" in layered["calibration"] and "final_layer" not in card


def test_bad_calibrate_arguments(suggester: Suggester, notes: str, tmp_path: Path) -> None:
    refused(["calibrate", "--name", "x", "--corpus", "csv:notes.csv"], "codiesp:PATH")
    refused(["calibrate", "--name", "x", "--corpus", f"jsonl:{tmp_path / 'no'}"], "does not exist")
    refused(["calibrate", "--name", "default", "--corpus", notes], "not a usable model name")
    refused(["calibrate", "--name", "../x", "--corpus", notes], "not a usable model name")
    refused(["calibrate", "--model", "missing", "--name", "x", "--corpus", notes], "no model named")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    refused(["calibrate", "--name", "x", "--corpus", f"jsonl:{empty}"], "no usable labeled notes")
    one = tmp_path / "one.jsonl"
    one.write_text(TUNING.read_text().splitlines(keepends=True)[0])
    refused(["calibrate", "--name", "x", "--corpus", f"jsonl:{one}"], "at least two")


def test_a_corpus_the_model_learned_from_is_refused(
    default_model: SuggestModel, notes: str, made: list[str]
) -> None:
    card = {**default_model.card, "training_data": {"corpora": [notes]}}
    made.append("trained-here")
    replace(default_model, name="trained-here", card=card).save(models_root() / "trained-here")
    args = ["calibrate", "--model", "trained-here", "--name", "x", "--corpus", notes]
    refused(args, "was trained on", notes)
