"""``codesuggest evaluate`` and ``codesuggest models``: a small run, and every error a
person can make ending in one sentence with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from suggest.suggester import NotePipeline, Suggester

runner = CliRunner()


def _jsonl(tmp_path: Path, setting: str = "inpatient") -> str:
    rows = [
        {
            "id": "n1",
            "text": "Type 2 diabetes mellitus. Appendectomy was performed.",
            "setting": setting,
            "codes": [
                {"system": "icd10cm", "code": "E11.9"},
                {"system": "icd10pcs", "code": "0DTJ"},
            ],
        },
        {
            "id": "n2",
            "text": "Acute appendicitis.",
            "codes": [{"system": "icd10cm", "code": "K35.80"}],
        },
    ]
    path = tmp_path / "notes.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    return f"jsonl:{path}"


def _fails(args: list[str], *words: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("codesuggest: ") and result.stderr.count("\n") == 1
    for word in words:
        assert word in result.stderr


def test_evaluate_json_and_report(
    suggester: Suggester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(NotePipeline, "load", lambda **_: suggester.pipeline)  # loaded once
    spec = _jsonl(tmp_path)
    result = runner.invoke(
        app, ["evaluate", "--corpus", spec, "--json", "--report", str(tmp_path / "r")]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["corpus"] == spec and data["diagnoses"]["gold_codes"] == 2
    assert data["settings"] == {"inpatient": 1, "outpatient": 1}  # n2 states no setting
    assert "report written" in result.stderr and (tmp_path / "r" / "report.md").is_file()
    table = runner.invoke(app, ["evaluate", "--corpus", spec])
    assert table.exit_code == 0 and "map" in table.stdout and "diagnoses" in table.stdout


def test_bad_corpus_specs(tmp_path: Path) -> None:
    _fails(["evaluate", "--corpus", "csv:notes.csv"], "codiesp:PATH")
    _fails(["evaluate", "--corpus", f"codiesp:{tmp_path / 'nope'}"], "does not exist")
    _fails(["evaluate", "--corpus", f"codiesp:{tmp_path}"], "CodiEsp split folder")
    _fails(["models", "promote", "default", "--corpus", "nope"], "cannot read corpus")


def test_bad_model_or_setting(suggester: Suggester, tmp_path: Path) -> None:
    _fails(["evaluate", "--corpus", _jsonl(tmp_path), "--model", "missing"], "no model named")
    _fails(["evaluate", "--corpus", _jsonl(tmp_path), "--setting", "er"], "--setting")
    # a row with an unknown setting is a bad row: reported and left out, like any other
    result = runner.invoke(app, ["evaluate", "--corpus", _jsonl(tmp_path, setting="er"), "--json"])
    problems = json.loads(result.stdout)["reading_problems"]
    assert result.exit_code == 0 and "note 'n1'" in problems[0] and "'er'" in problems[0]
    _fails(["models", "show", "missing"], "no model named 'missing'")
    _fails(["models", "promote", "missing", "--corpus", _jsonl(tmp_path)], "no model named")


def test_models_list_and_show(suggester: Suggester) -> None:
    listed = runner.invoke(app, ["models", "list"])
    assert listed.exit_code == 0 and "default" in listed.stdout
    card = json.loads(runner.invoke(app, ["models", "show", "default", "--json"]).stdout)
    assert card["name"] == "default" and card["features"]
