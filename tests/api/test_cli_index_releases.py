"""``codesuggest index build --icd10cm-release``: a release that cannot be put in force
is refused in one sentence, exit code 2, and no index is written."""

from __future__ import annotations

from pathlib import Path

from code_index.build import index_root
from tests.api.cli_process import run_cli

# a real line of CDC's FY2021 order file
ORDER_LINE = "01224 B880    1 Other acariasis" + " " * 47 + "Other acariasis\n"


def test_a_release_with_no_fiscal_year_is_refused(tmp_path: Path) -> None:
    unnamed = tmp_path / "icd10cm_order.txt"
    unnamed.write_text(ORDER_LINE)
    data_dir = tmp_path / "data"
    result = run_cli("index", "build", "--icd10cm-release", str(unnamed), data_dir=data_dir)
    assert result.returncode == 2
    assert "name the fiscal year in the file name" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (index_root(data_dir) / "current").exists()
