"""The ``codesuggest`` command line: index and codes commands, and their error paths."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from api.cli import app
from code_index.index import CodeIndex
from tests.api.cli_process import run_cli

runner = CliRunner()


def test_codes_show_json_any_spelling(default_index: CodeIndex) -> None:
    result = runner.invoke(app, ["codes", "show", "e1122", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["code"] == "E11.22"
    assert data["status"]["billable"] is True
    assert [p["code"] for p in data["parents"]] == ["E11.2", "E11"]
    assert any("N18.1-N18.6" in note for note in data["use_additional"]) or data["parents"]


def test_codes_show_text_lists_instructions(default_index: CodeIndex) -> None:
    result = runner.invoke(app, ["codes", "show", "E11"])
    assert result.exit_code == 0
    assert "Excludes1" in result.stdout and "E10.-" in result.stdout
    assert "E11.9" in result.stdout  # children


def test_codes_search_json(default_index: CodeIndex) -> None:
    result = runner.invoke(
        app,
        ["codes", "search", "aspiration pneumonia", "--system", "icd10cm", "--top", "3", "--json"],
    )
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert "J69.0" in [h["code"] for h in hits] and len(hits) == 3


def test_index_stats_json(default_index: CodeIndex) -> None:
    result = runner.invoke(app, ["index", "stats", "--json"])
    assert result.exit_code == 0
    stats = json.loads(result.stdout)
    assert stats["counts"]["icd10cm"]["billable"] == 74719


def test_unknown_code_exits_2_with_one_sentence(default_index: CodeIndex, data_dir: Path) -> None:
    result = run_cli("codes", "show", "ZZZ.99", data_dir=data_dir)
    assert result.returncode == 2
    assert "ZZZ.99 is not a code" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_arguments_exit_2(default_index: CodeIndex, data_dir: Path) -> None:
    result = run_cli("codes", "search", "x", "--system", "icd11", data_dir=data_dir)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    result = run_cli("codes", "search", "x", "--top", "0", data_dir=data_dir)
    assert result.returncode == 2


def test_unreadable_source_file_exits_2(tmp_path: Path, data_dir: Path) -> None:
    missing = tmp_path / "nope.xml"
    result = run_cli("index", "build", "--icd10cm-xml", str(missing), data_dir=data_dir)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    garbage = tmp_path / "garbage.xml"
    garbage.write_text("this is not xml")
    result = run_cli(
        "index",
        "build",
        "--icd10cm-xml",
        str(garbage),
        "--out",
        str(tmp_path / "o"),
        data_dir=data_dir,
    )
    assert result.returncode == 2
    assert "garbage.xml" in result.stderr and "Traceback" not in result.stderr


def test_help_on_every_command() -> None:
    for args in (
        ["--help"],
        ["index", "--help"],
        ["index", "build", "--help"],
        ["codes", "show", "--help"],
        ["codes", "search", "--help"],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 0 and "Usage" in result.stdout
