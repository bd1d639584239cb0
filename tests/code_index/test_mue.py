"""The CMS Medically Unlikely Edit loader, the MUEs in the index artifact and
``mue_excesses``: on small tables laid out as CMS publishes them (tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from code_index.build import index_root
from code_index.index import CodeIndex
from code_index.loaders import SourceFileError
from code_index.loaders.mue import load_mue
from code_index.records import MueLimit
from code_index.revenue.mue import MueExcess, mue_excesses
from tests.conftest import MUE_DME, MUE_HOSPITAL, MUE_PRACTITIONER


def test_practitioner_table_after_the_copyright_lines() -> None:
    loaded = load_mue(MUE_PRACTITIONER)
    assert loaded.setting == "practitioner"
    assert loaded.effective == "2026-10-01"
    assert len(loaded.limits) == 5
    assert loaded.limits[1] == MueLimit("20610", "practitioner", 2, "3", "Anatomic Consideration")


def test_hospital_and_dme_settings_come_from_the_values_column() -> None:
    hospital = load_mue(MUE_HOSPITAL)  # tab-delimited .txt
    assert hospital.setting == "hospital"
    assert hospital.limits[0] == MueLimit("20610", "hospital", 4, "1", "Anatomic Consideration")
    dme = load_mue(MUE_DME)
    assert dme.setting == "dme"
    assert [limit.code for limit in dme.limits] == ["E0114", "A4253"]


@pytest.mark.parametrize(
    ("bad_row", "reason"),
    [
        ("2061,1,2 Date of Service Edit: Policy,CMS Policy", "is not a CPT or HCPCS code"),
        ("20610,one,2 Date of Service Edit: Policy,CMS Policy", "is not a whole number"),
        ("20610,1,4 Something else,CMS Policy", "does not start with"),
        ("20610,1", "expected code, MUE value and adjudication indicator"),
    ],
)
def test_malformed_row_names_file_and_line(tmp_path: Path, bad_row: str, reason: str) -> None:
    lines = MUE_PRACTITIONER.read_text().splitlines()
    path = tmp_path / MUE_PRACTITIONER.name
    path.write_text("\n".join([*lines, bad_row]) + "\n")
    with pytest.raises(SourceFileError, match=rf"line {len(lines) + 1}: .*{reason}"):
        load_mue(path)


def test_other_files_are_refused_with_a_reason(tmp_path: Path) -> None:
    other = tmp_path / "codes.csv"
    other.write_text("code,units\n20610,1\n")
    with pytest.raises(SourceFileError, match="not a CMS MUE table"):
        load_mue(other)
    header_only = tmp_path / "MCR_MUE_PractitionerServices.csv"
    header_only.write_text(MUE_PRACTITIONER.read_text().splitlines()[2] + "\n")
    with pytest.raises(SourceFileError, match="no edit rows follow"):
        load_mue(header_only)
    no_setting = tmp_path / "MCR_MUE_Other.csv"
    no_setting.write_text(
        "HCPCS/CPT Code,Other MUE Values,MUE Adjudication Indicator,MUE Rationale\n"
    )
    with pytest.raises(SourceFileError, match="names no setting"):
        load_mue(no_setting)


def test_limits_survive_the_artifact_round_trip(ncci_index: CodeIndex, ncci_data_dir: Path) -> None:
    reloaded = CodeIndex.load(CodeIndex.current_folder(index_root(ncci_data_dir)))
    assert reloaded.mue == ncci_index.mue
    assert {limit.setting for limit in reloaded.mue["20610"]} == {"practitioner", "hospital"}
    assert reloaded.stats()["mue_limits"] == {"dme": 2, "hospital": 2, "practitioner": 5}


def test_units_over_the_mue_with_the_adjudication_indicator(ncci_index: CodeIndex) -> None:
    found = mue_excesses(ncci_index, {"20610": 3, "99213": 1, "E0114": 2})
    assert found == [
        MueExcess("20610", 3, 2, "practitioner", "3", "Anatomic Consideration"),
        MueExcess("E0114", 2, 1, "dme", "2", "Nature of Equipment"),
    ]
    assert mue_excesses(ncci_index, {"20610": 2}) == []


def test_no_excess_without_loaded_tables(default_index: CodeIndex) -> None:
    assert default_index.mue == {}
    assert mue_excesses(default_index, {"20610": 99}) == []
