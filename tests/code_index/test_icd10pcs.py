"""The ICD-10-PCS loader: the list shipped in the drg package, and CMS's order and codes files
written here in their exact fixed-width layouts."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from code_index.loaders import LoadedCodeSet, SourceFileError
from code_index.loaders.icd10pcs import load_icd10pcs
from code_index.records import System


def order_line(order: int, code: str, billable: bool, short: str, long: str) -> str:
    """A line of CMS's icd10pcs_order file: order (5), code (7), flag, short (60), long."""
    return f"{order:05d} {code:<7} {int(billable)} {short:<60} {long}"


@pytest.fixture(scope="module")
def package_list() -> LoadedCodeSet:
    return load_icd10pcs()


def test_default_is_the_drg_package_list(package_list: LoadedCodeSet) -> None:
    assert len(package_list.records) == 78_638
    version = package_list.version
    assert version.system is System.ICD10PCS
    # FY2024's 78,603 codes + 41 added - 6 deleted on April 1, 2024 (not FY2026)
    assert version.version == "FY2024 (April 1, 2024 update)"
    assert version.effective == "2024-04-01"
    assert version.source == "drg-package"
    assert version.file == "icd_10_pcs.csv"
    assert version.extra == {"package": "drg 1.0.0"}
    assert all(len(r.code) == 7 and r.billable for r in package_list.records)
    by_code = {r.code: r for r in package_list.records}
    assert by_code["0DTJ4ZZ"].title == "Resection of Appendix, Percutaneous Endoscopic Approach"
    assert by_code["0DTJ4ZG"].source == "drg-package"  # hand-assisted, added April 1, 2024
    assert "GZB1ZZZ" not in by_code  # deleted April 1, 2024


def test_default_list_is_found_without_importing_drg() -> None:
    script = (
        "import sys; from code_index.loaders.icd10pcs import load_icd10pcs; load_icd10pcs(); "
        "assert 'drg' not in sys.modules, 'drg was imported'"
    )
    subprocess.run([sys.executable, "-c", script], check=True)


def test_cms_order_file(tmp_path: Path) -> None:
    path = tmp_path / "icd10pcs_order_2026.txt"
    lines = [
        order_line(
            1,
            "0DT",
            False,
            "Gastrointestinal System, Resection",
            "Gastrointestinal System, Resection",
        ),
        order_line(
            2,
            "0DTJ0ZZ",
            True,
            "Resection of Appendix, Open Approach",
            "Resection of Appendix, Open Approach",
        ),
        order_line(
            3,
            "0DTJ4ZZ",
            True,
            "Resection of Appendix, Perc Endo Approach",
            "Resection of Appendix, Percutaneous Endoscopic Approach",
        ),
        order_line(
            4,
            "0FT44ZZ",
            True,
            "Resection of Gallbladder, Perc Endo",
            "Resection of Gallbladder, Percutaneous Endoscopic Approach",
        ),
    ]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="ascii")
    loaded = load_icd10pcs(path)
    assert loaded.version.version == "FY2026"
    assert loaded.version.source == "cms-pcs"
    by_code = {r.code: r for r in loaded.records}
    assert list(by_code) == ["0DT", "0DTJ0ZZ", "0DTJ4ZZ", "0FT44ZZ"]
    table = by_code["0DT"]
    assert not table.billable and table.parent is None
    laparoscopic = by_code["0DTJ4ZZ"]
    assert laparoscopic.billable
    assert laparoscopic.title == "Resection of Appendix, Percutaneous Endoscopic Approach"
    assert laparoscopic.short_title == "Resection of Appendix, Perc Endo Approach"
    assert laparoscopic.parent == "0DT"
    assert by_code["0FT44ZZ"].parent is None  # its table is not in the file
    assert all(r.source == "cms-pcs" for r in loaded.records)


def test_cms_codes_file(tmp_path: Path) -> None:
    path = tmp_path / "icd10pcs_codes_2026.txt"
    path.write_text(
        "0DTJ0ZZ Resection of Appendix, Open Approach\n"
        "0DTJ4ZZ Resection of Appendix, Percutaneous Endoscopic Approach\n",
        encoding="ascii",
    )
    loaded = load_icd10pcs(path)
    assert [(r.code, r.billable, r.parent, r.short_title) for r in loaded.records] == [
        ("0DTJ0ZZ", True, None, None),
        ("0DTJ4ZZ", True, None, None),
    ]
    assert loaded.records[1].title == "Resection of Appendix, Percutaneous Endoscopic Approach"
    assert loaded.version.version == "FY2026"


def test_csv_with_a_header_row(tmp_path: Path) -> None:
    path = tmp_path / "pcs.csv"
    path.write_text(
        '"code","description"\n'
        '"0DTJ4ZZ","Resection of Appendix, Percutaneous Endoscopic Approach"\n',
        encoding="utf-8",
    )
    loaded = load_icd10pcs(path)
    assert [r.code for r in loaded.records] == ["0DTJ4ZZ"]
    assert loaded.version.version == "fiscal year not stated in the file name"


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("notes.txt", "Patient had an appendectomy.\n", "not an ICD-10-PCS list"),
        ("empty.txt", "\n\n", "no ICD-10-PCS codes found"),
        (
            "icd10pcs_codes_2026.txt",
            "0DTJ0ZZ Resection of Appendix, Open Approach\n0DTJ4Z short code\n",
            "line 2: not 'code description'",
        ),
        (
            "icd10pcs_order_2026.txt",
            order_line(1, "0DTJ0ZZ", True, "Resection", "Resection of Appendix") + "\nbroken\n",
            "line 2: not an order-file line",
        ),
        ("pcs.csv", '"0DTJ0ZZ","Resection"\n"0DTJ0Z","Bad"\n', "line 2: expected a 7-character"),
        (
            "icd10pcs_codes_2026.txt",
            "0DTJ0ZZ Resection of Appendix\n0DTJ0ZZ Again\n",
            "line 2: 0DTJ0ZZ already listed on line 1",
        ),
    ],
)
def test_bad_files_are_refused_with_the_line(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="ascii")
    with pytest.raises(SourceFileError, match=message):
        load_icd10pcs(path)
