"""``codesuggest index build --ncci --mue``: CMS NCCI PTP edit files and MUE tables into
the index through the command line, shown by ``index stats``, and a damaged file refused
in one sentence."""

from __future__ import annotations

import json
from pathlib import Path

from code_index.build import index_root
from code_index.index import CodeIndex
from tests.api.cli_process import run_cli
from tests.conftest import MUE_DME, MUE_HOSPITAL, MUE_PRACTITIONER, NCCI_HOSPITAL, NCCI_PRACTITIONER


def test_build_with_ncci_files_round_trips(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    result = run_cli(
        "index",
        "build",
        "--ncci",
        str(NCCI_PRACTITIONER),
        "--ncci",
        str(NCCI_HOSPITAL),
        "--ncci-as-of",
        "2019-12-31",
        *("--mue", str(MUE_PRACTITIONER), "--mue", str(MUE_HOSPITAL), "--mue", str(MUE_DME)),
        data_dir=data_dir,
    )
    assert result.returncode == 0, result.stderr
    assert (
        "NCCI PTP edits in force: 8 code pairs (practitioner 7, outpatient hospital 3)"
        in result.stdout
    )
    mue_line = "MUEs: DME supplier 2, outpatient hospital 2, practitioner 5"
    assert mue_line in result.stdout

    index = CodeIndex.load(CodeIndex.current_folder(index_root(data_dir)))
    assert index.ncci.get("93000", "93005")  # deleted 2020-01-01, in force on 2019-12-31
    assert not index.ncci.get("11042", "97597")  # not yet effective
    assert index.ncci.counts() == {"hospital": 3, "practitioner": 7, "pairs": 8}
    edit = index.ncci.get("76700", "76705")[0]
    assert (edit.setting, edit.modifier_allowed, edit.effective) == (
        "practitioner",
        True,
        "2015-01-01",
    )

    stats = run_cli("index", "stats", data_dir=data_dir)
    assert stats.returncode == 0, stats.stderr
    assert "NCCI PTP practitioner edits, version 32.1, revision 0" in stats.stdout
    assert "NCCI PTP edits: 8 code pairs" in stats.stdout
    assert mue_line in stats.stdout
    assert "mue       MUE practitioner table [cms-mue], effective 2026-10-01" in stats.stdout
    as_json = json.loads(run_cli("index", "stats", "--json", data_dir=data_dir).stdout)
    assert as_json["ncci_edits"]["pairs"] == 8
    practitioner = next(v for v in as_json["versions"] if v["file"] == NCCI_PRACTITIONER.name)
    assert practitioner["source"] == "cms-ncci-ptp"
    assert practitioner["extra"]["as_of"] == "2019-12-31"


def test_malformed_ncci_file_exits_2_with_one_sentence(tmp_path: Path) -> None:
    lines = NCCI_PRACTITIONER.read_text(encoding="cp1252").splitlines()
    lines.insert(8, "45380\t45378\t\t20150101\t*\tyes\tStandards of medical / surgical practice")
    damaged = tmp_path / "ccipra-v321r0-f2.txt"
    damaged.write_text("\n".join(lines) + "\n")
    out = tmp_path / "index"
    result = run_cli("index", "build", "--ncci", str(damaged), "--out", str(out), data_dir=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"{damaged}, line 9: modifier indicator 'yes' is not 0, 1 or 9" in result.stderr
    assert not out.exists() or not any(out.iterdir())  # nothing half-built is made current


def test_bad_as_of_date_exits_2(tmp_path: Path) -> None:
    result = run_cli(
        "index",
        "build",
        "--ncci",
        str(NCCI_PRACTITIONER),
        "--ncci-as-of",
        "15/01/2026",
        data_dir=tmp_path,
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "--ncci-as-of" in result.stderr
