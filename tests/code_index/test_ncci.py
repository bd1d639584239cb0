"""The CMS NCCI procedure-to-procedure edit loader, the edits in the index artifact, and
``ncci_conflicts``: on small files laid out as CMS publishes them (tests/conftest.py)."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from code_index.build import index_root
from code_index.index import CodeIndex, NcciEdits
from code_index.loaders import SourceFileError
from code_index.loaders.ncci import load_ncci_ptp
from code_index.records import PtpEdit
from code_index.validity import NcciConflict, ncci_conflicts
from tests.conftest import NCCI_AS_OF, NCCI_HOSPITAL, NCCI_PRACTITIONER


def _pairs(edits: list[PtpEdit]) -> set[tuple[str, str]]:
    return {(edit.column1, edit.column2) for edit in edits}


def test_practitioner_file_keeps_edits_in_force_and_counts_the_rest() -> None:
    loaded = load_ncci_ptp(NCCI_PRACTITIONER, NCCI_AS_OF)
    assert loaded.setting == "practitioner"
    assert loaded.release == "version 32.1, revision 0"
    assert loaded.file == "ccipra-v321r0-f1.txt"
    assert loaded.as_of == "2026-01-15"
    assert loaded.rows == 9  # the six preamble and header lines are not rows
    assert loaded.left_out == {"deleted": 1, "not applicable (9)": 1, "not yet effective": 1}
    assert _pairs(loaded.edits) == {
        ("80053", "80048"),
        ("93000", "93010"),
        ("76700", "76705"),
        ("43239", "43235"),
        ("71046", "71045"),
        ("20611", "76942"),
    }
    by_pair = {(e.column1, e.column2): e for e in loaded.edits}
    panel = by_pair[("80053", "80048")]
    assert panel == PtpEdit(
        "80053", "80048", False, "Laboratory panel", "practitioner", "1996-01-01", None
    )
    assert by_pair[("76700", "76705")].modifier_allowed is True
    # deleted after the as-of date: in force, with the deletion still ahead
    assert by_pair[("20611", "76942")].deleted == "2099-01-01"


def test_hospital_file_setting_comes_from_cms_file_name() -> None:
    loaded = load_ncci_ptp(NCCI_HOSPITAL, NCCI_AS_OF)
    assert loaded.setting == "hospital"
    assert {edit.setting for edit in loaded.edits} == {"hospital"}
    assert ("36591", "36415") in _pairs(loaded.edits)


def test_as_of_date_decides_which_edits_are_in_force() -> None:
    before_deletion = load_ncci_ptp(NCCI_PRACTITIONER, date(2019, 12, 31))
    assert ("93000", "93005") in _pairs(before_deletion.edits)  # deleted 2020-01-01
    assert ("71046", "71045") in _pairs(before_deletion.edits)  # effective 2018-01-01
    on_deletion = load_ncci_ptp(NCCI_PRACTITIONER, date(2020, 1, 1))
    assert ("93000", "93005") not in _pairs(on_deletion.edits)  # the deletion day is out
    early = load_ncci_ptp(NCCI_PRACTITIONER, date(2017, 12, 31))
    assert ("71046", "71045") not in _pairs(early.edits)
    assert early.left_out["not yet effective"] == 2
    # an edit deleted retroactively (indicator 9) never applies, whatever the date
    for day in (date(2016, 1, 1), date(2030, 1, 1)):
        assert ("20611", "20610") not in _pairs(load_ncci_ptp(NCCI_PRACTITIONER, day).edits)
    assert ("11042", "97597") in _pairs(load_ncci_ptp(NCCI_PRACTITIONER, date(2099, 1, 1)).edits)


def test_default_as_of_is_today() -> None:
    loaded = load_ncci_ptp(NCCI_PRACTITIONER)
    assert loaded.as_of == date.today().isoformat()


def _fixture_lines() -> list[str]:
    return NCCI_PRACTITIONER.read_text(encoding="cp1252").splitlines()


@pytest.mark.parametrize(
    ("bad_row", "reason"),
    [
        ("45380\t4537\t\t20150101\t*\t1\tx", "'4537' is not a CPT or HCPCS code"),
        ("45380\t45378\t\t2015-01-01\t*\t1\tx", "effective date '2015-01-01' is not a YYYYMMDD"),
        ("45380\t45378\t\t20150101\t20151301\t1\tx", "deletion date '20151301'"),
        ("45380\t45378\t\t20150101\t*\t2\tx", "modifier indicator '2' is not 0, 1 or 9"),
        ("45380 45378 20150101 * 1", "expected 7 columns"),
    ],
)
def test_malformed_row_names_file_and_line(tmp_path: Path, bad_row: str, reason: str) -> None:
    lines = _fixture_lines()
    lines.insert(9, bad_row)  # after three good edits: line 10
    path = tmp_path / "ccipra-v321r0-f1.txt"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="cp1252")
    with pytest.raises(SourceFileError) as caught:
        load_ncci_ptp(path, NCCI_AS_OF)
    message = str(caught.value)
    assert message.startswith(f"{path}, line 10: ")
    assert reason in message


def test_other_files_are_refused_with_a_reason(tmp_path: Path) -> None:
    not_ncci = tmp_path / "ccipra-v321r0-f1.txt"
    not_ncci.write_text("99213\tOffice visit\n")
    with pytest.raises(SourceFileError, match="not a CMS NCCI PTP edit file"):
        load_ncci_ptp(not_ncci)
    header_only = tmp_path / "ccioph-v321r0-f2.txt"
    header_only.write_text("\n".join(_fixture_lines()[:6]) + "\n")
    with pytest.raises(SourceFileError, match="no edit rows"):
        load_ncci_ptp(header_only)
    renamed = tmp_path / "edits.txt"
    renamed.write_text(NCCI_PRACTITIONER.read_text(encoding="cp1252"))
    with pytest.raises(SourceFileError, match="practitioner from outpatient hospital"):
        load_ncci_ptp(renamed)
    assert load_ncci_ptp(renamed, NCCI_AS_OF, setting="hospital").setting == "hospital"
    with pytest.raises(SourceFileError, match="cannot read"):
        load_ncci_ptp(tmp_path / "ccipra-missing.txt")


def test_csv_variant_reads_the_same_edits(tmp_path: Path) -> None:
    rows = [line.split("\t") for line in _fixture_lines()]
    path = tmp_path / "ccipra-v321r0-f1.csv"
    path.write_text("\n".join(",".join(f'"{cell}"' for cell in row) for row in rows) + "\n")
    from_text = load_ncci_ptp(NCCI_PRACTITIONER, NCCI_AS_OF)
    assert load_ncci_ptp(path, NCCI_AS_OF).edits == from_text.edits


def _write_xlsx(path: Path, rows: list[list[str]]) -> None:
    """A minimal workbook as Excel writes one: codes and dates as numbers where they look
    like numbers (so 00100-style codes lose their zeros), text as inline strings."""
    xml_rows = []
    for number, row in enumerate(rows, start=1):
        cells = []
        for column, value in enumerate(row):
            ref = f"{chr(ord('A') + column)}{number}"
            if not value:
                continue
            if value.isdigit():
                cells.append(f'<c r="{ref}"><v>{int(value)}.0</v></c>')
            else:
                cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>')
        xml_rows.append(f'<row r="{number}">{"".join(cells)}</row>')
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{''.join(xml_rows)}</sheetData></worksheet>"
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/worksheets/sheet1.xml", sheet)


def test_xlsx_variant_reads_the_same_edits(tmp_path: Path) -> None:
    rows = [line.split("\t") for line in _fixture_lines()]
    rows.append(["00100", "00102", "", "20200101", "*", "0", "Mutually exclusive procedures"])
    path = tmp_path / "ccipra-v321r0-f1.xlsx"
    _write_xlsx(path, rows)
    loaded = load_ncci_ptp(path, NCCI_AS_OF)
    from_text = load_ncci_ptp(NCCI_PRACTITIONER, NCCI_AS_OF)
    assert loaded.edits[:-1] == from_text.edits
    assert loaded.edits[-1][:2] == ("00100", "00102")
    assert loaded.left_out == from_text.left_out
    broken = tmp_path / "ccipra-broken.xlsx"
    broken.write_bytes(b"not a zip")
    with pytest.raises(SourceFileError, match=r"not a readable \.xlsx workbook"):
        load_ncci_ptp(broken)


def test_edit_table_groups_by_pair_and_gives_back_every_edit() -> None:
    practitioner = load_ncci_ptp(NCCI_PRACTITIONER, NCCI_AS_OF).edits
    hospital = load_ncci_ptp(NCCI_HOSPITAL, NCCI_AS_OF).edits
    table = NcciEdits.from_edits([*practitioner, *hospital, *hospital])  # a part read twice
    assert len(table) == 7
    assert sorted(table) == sorted([*practitioner, *hospital])
    assert table.get("76700", "76705") == (
        practitioner[2],
        next(e for e in hospital if e.column1 == "76700"),
    )
    assert table.get("76705", "76700") == ()  # column order matters
    # edits with the same terms share one stored entry
    colonoscopy = practitioner[2]
    shared = NcciEdits.from_edits([colonoscopy, colonoscopy._replace(column1="45385")])
    assert len(shared) == 2 and len(shared.terms) == 1


def test_edits_survive_the_artifact_round_trip(ncci_index: CodeIndex, ncci_data_dir: Path) -> None:
    reloaded = CodeIndex.load(CodeIndex.current_folder(index_root(ncci_data_dir)))
    assert reloaded.version == ncci_index.version
    assert reloaded.ncci == ncci_index.ncci
    # a pair in both files keeps one edit per setting
    assert [e.setting for e in reloaded.ncci.get("80053", "80048")] == ["practitioner", "hospital"]
    assert reloaded.ncci.counts() == {"hospital": 3, "practitioner": 6, "pairs": 7}
    ncci_versions = [v for v in reloaded.manifest.versions if v.source == "cms-ncci-ptp"]
    assert [(v.file, v.extra["edits"], v.extra["as_of"]) for v in ncci_versions] == [
        ("ccipra-v321r0-f1.txt", "6", "2026-01-15"),
        ("ccioph-v321r0-f1.txt", "3", "2026-01-15"),
    ]
    assert ncci_versions[0].extra["left out: deleted"] == "1"
    assert "ccipra-v321r0-f1.txt" in reloaded.manifest.sources
    assert reloaded.stats()["ncci_edits"]["pairs"] == 7


def test_edits_change_the_index_version(ncci_index: CodeIndex, default_index: CodeIndex) -> None:
    assert ncci_index.version != default_index.version
    assert len(default_index.ncci) == 0 and default_index.stats()["ncci_edits"] == {}


def test_ncci_conflicts_finds_pairs_in_either_order(ncci_index: CodeIndex) -> None:
    conflicts = ncci_conflicts(ncci_index, ["76705", "99213", "76700", "80048", "80053", "E11.9"])
    assert conflicts == [
        # practitioner and hospital edits differ in the modifier indicator: one each
        NcciConflict(
            "76700", "76705", True, "Standards of medical / surgical practice", ("practitioner",)
        ),
        NcciConflict(
            "76700", "76705", False, "Standards of medical / surgical practice", ("hospital",)
        ),
        # the same edit in both settings: one conflict naming both
        NcciConflict("80053", "80048", False, "Laboratory panel", ("practitioner", "hospital")),
    ]
    assert ncci_conflicts(ncci_index, ["76700", "76700", "43235"]) == []
    assert ncci_conflicts(ncci_index, ["93005", "93000"]) == []  # deleted before the as-of date


def test_ncci_conflicts_without_edits_is_empty(default_index: CodeIndex) -> None:
    assert ncci_conflicts(default_index, ["76705", "76700"]) == []
