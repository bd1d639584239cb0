"""``codesuggest evaluate`` and ``codesuggest models``: a small run, and every error a
person can make ending in one sentence with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from suggest.suggester import NotePipeline, Suggester
from tests.api.cli_refusals import refused

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
    refused(["evaluate", "--corpus", "csv:notes.csv"], "codiesp:PATH")
    refused(["evaluate", "--corpus", f"codiesp:{tmp_path / 'nope'}"], "does not exist")
    refused(["evaluate", "--corpus", f"codiesp:{tmp_path}"], "CodiEsp split folder")
    refused(["models", "promote", "default", "--corpus", "nope"], "cannot read corpus")


def test_bad_model_or_setting(suggester: Suggester, tmp_path: Path) -> None:
    refused(["evaluate", "--corpus", _jsonl(tmp_path), "--model", "missing"], "no model named")
    refused(["evaluate", "--corpus", _jsonl(tmp_path), "--setting", "er"], "--setting")
    # a row with an unknown setting is a bad row: reported and left out, like any other
    result = runner.invoke(app, ["evaluate", "--corpus", _jsonl(tmp_path, setting="er"), "--json"])
    problems = json.loads(result.stdout)["reading_problems"]
    assert result.exit_code == 0 and "note 'n1'" in problems[0] and "'er'" in problems[0]
    refused(["models", "show", "missing"], "no model named 'missing'")
    refused(["models", "promote", "missing", "--corpus", _jsonl(tmp_path)], "no model named")


def test_models_list_and_show(suggester: Suggester) -> None:
    listed = runner.invoke(app, ["models", "list"])
    assert listed.exit_code == 0 and "default" in listed.stdout
    card = json.loads(runner.invoke(app, ["models", "show", "default", "--json"]).stdout)
    assert card["name"] == "default" and card["features"]


def test_evaluate_reads_which_procedures_each_note_reports(
    suggester: Suggester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a US inpatient note's gold holds its operation, not its echo: scored under each
    # note's own option (significant: the TTE is never ranked) or the one --procedures names
    monkeypatch.setattr(NotePipeline, "load", lambda **_: suggester.pipeline)
    row = {
        "id": "dc",
        "text": "DISCHARGE SUMMARY\nHospital course: TTE: EF 60%. Laparoscopic "
        "cholecystectomy for acute calculous cholecystitis.",
        "setting": "inpatient",
        "codes": [{"system": "icd10pcs", "code": "0FT44ZZ"}],
        "must_not": [{"system": "icd10pcs", "code": "B246ZZZ"}],
    }
    path = tmp_path / "dc.jsonl"
    path.write_text(json.dumps(row) + "\n")

    def must_not_hits(*option: str) -> int:
        result = runner.invoke(app, ["evaluate", "--corpus", f"jsonl:{path}", "--json", *option])
        assert result.exit_code == 0, result.output
        return int(json.loads(result.stdout)["procedures"]["must_not_hits"])

    assert must_not_hits() == 0
    assert must_not_hits("--procedures", "all") == 1
    refused(["evaluate", "--corpus", f"jsonl:{path}", "--procedures", "most"], "--procedures")
