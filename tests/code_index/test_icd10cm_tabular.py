"""The CDC tabular loader: the real FY2026 (April 1, 2026) XML and small same-schema files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from code_index.loaders import LoadedCodeSet, SourceFileError
from code_index.loaders.icd10cm_tabular import default_tabular_xml, load_icd10cm_tabular
from code_index.records import CodeRecord, System

FY2026_BILLABLE = 74_719


@pytest.fixture(scope="module")
def fy2026() -> LoadedCodeSet:
    return load_icd10cm_tabular()


@pytest.fixture(scope="module")
def by_code(fy2026: LoadedCodeSet) -> dict[str, CodeRecord]:
    return {record.code: record for record in fy2026.records}


def test_default_xml_is_found_without_importing_the_package() -> None:
    script = (
        "import sys; from code_index.loaders.icd10cm_tabular import default_tabular_xml; "
        "path = default_tabular_xml(); "
        "assert 'simple_icd_10_cm' not in sys.modules, 'package was imported'; print(path)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    path = Path(result.stdout.strip())
    assert path == default_tabular_xml()
    assert path.name == "icd10c-tabular-April-1-2026.xml"
    assert path.is_file()


def test_fy2026_billable_count_matches_cdc(fy2026: LoadedCodeSet) -> None:
    assert sum(record.billable for record in fy2026.records) == FY2026_BILLABLE


def test_codes_are_unique_and_all_icd10cm(fy2026: LoadedCodeSet) -> None:
    codes = [record.code for record in fy2026.records]
    assert len(codes) == len(set(codes))
    assert {record.system for record in fy2026.records} == {System.ICD10CM}
    assert {record.source for record in fy2026.records} == {"cdc-tabular"}


def test_codes_match_the_packaged_cdc_code_list(fy2026: LoadedCodeSet) -> None:
    """The package's code list holds every code plus chapter and section ids, no dots
    (a one-category section such as "T07" shares its id with the category)."""
    listed = set((default_tabular_xml().parent / "code-list-April-2026.txt").read_text().split())
    ours = {record.key for record in fy2026.records}
    assert listed == ours | set(fy2026.groups)
    assert len(ours) == len(fy2026.records)


def test_categories_and_codes(by_code: dict[str, CodeRecord]) -> None:
    e11 = by_code["E11"]
    assert not e11.billable
    assert e11.title == "Type 2 diabetes mellitus"
    assert e11.parent is None
    assert e11.chapter == "4"
    assert e11.block == "E08-E13"
    assert "type 1 diabetes mellitus (E10.-)" in e11.excludes1
    assert "diabetes NOS" in e11.terms  # from <includes>

    e1122 = by_code["E11.22"]
    assert e1122.billable
    assert e1122.parent == "E11.2"
    assert e1122.use_additional == (
        "code to identify stage of chronic kidney disease (N18.1-N18.6)",
    )

    j690 = by_code["J69.0"]
    assert j690.billable
    assert j690.title == "Pneumonitis due to inhalation of food and vomit"
    assert "Aspiration pneumonia NOS" in j690.terms  # from <inclusionTerm>
    assert j690.code_also == ("any associated foreign body in respiratory tract (T17.-)",)


def test_seventh_character_expansion(by_code: dict[str, CodeRecord]) -> None:
    assert not by_code["S72.001"].billable
    s72001a = by_code["S72.001A"]
    assert s72001a.billable
    assert s72001a.parent == "S72.001"
    assert s72001a.title == (
        "Fracture of unspecified part of neck of right femur, initial encounter for closed fracture"
    )
    assert s72001a.block == "S70-S79"
    assert s72001a.chapter == "19"
    seventh = dict(by_code["S72"].seventh_characters)
    assert seventh["A"] == "initial encounter for closed fracture"
    assert seventh["S"] == "sequela"
    assert by_code["S72.001"].seventh_characters == ()  # stored where the tabular defines them

    # placeholder X pads short codes to six characters
    assert not by_code["T07"].billable
    assert by_code["T07.XXXA"].title == "Unspecified multiple injuries, initial encounter"
    assert by_code["T07.XXXA"].parent == "T07"
    # a sevenChrDef on a subcategory overrides nothing above it and applies below it
    assert by_code["H40.1131"].title == "Primary open-angle glaucoma, bilateral, mild stage"
    assert "H40.113" in by_code and not by_code["H40.113"].billable


def test_parent_chain_reaches_the_category(by_code: dict[str, CodeRecord]) -> None:
    chain = []
    code: str | None = "S72.001A"
    while code is not None:
        chain.append(code)
        code = by_code[code].parent
    assert chain == ["S72.001A", "S72.001", "S72.00", "S72.0", "S72"]


def test_s06_death_codes_take_no_subsequent_or_sequela(by_code: dict[str, CodeRecord]) -> None:
    """CDC states in a note that 7th characters D and S do not apply to S06 codes
    with 6th character 7 or 8; the expansion honours it."""
    assert "S06.1X7A" in by_code
    assert "S06.1X7D" not in by_code
    assert "S06.1X8S" not in by_code
    assert "S06.1X6D" in by_code
    assert "S06.0XAA" in by_code  # 6th character A is not excluded


def test_version_and_groups(fy2026: LoadedCodeSet) -> None:
    version = fy2026.version
    assert version.system is System.ICD10CM
    assert version.version == "FY2026 (April 1, 2026)"
    assert version.source == "cdc-tabular"
    assert version.effective == "2026-04-01"
    assert version.file == "icd10c-tabular-April-1-2026.xml"
    assert version.extra["xml_version"] == "2026"
    assert fy2026.groups["4"] == "Endocrine, nutritional and metabolic diseases"
    assert fy2026.groups["E08-E13"] == "Diabetes mellitus"
    assert fy2026.groups["T07"] == "Injuries involving multiple body regions"


NEWER_RELEASE = """\
<?xml version="1.0" encoding="utf-8"?>
<ICD10CM.tabular>
  <version>2027</version>
  <chapter>
    <name>19</name>
    <desc>Injury, poisoning and certain other consequences of external causes (S00-T88)</desc>
    <section id="S00-S09">
      <desc>Injuries to the head (S00-S09)</desc>
      <diag>
        <name>S01</name>
        <desc>Open wound of head</desc>
        <codeAlso><note>any associated wound infection</note></codeAlso>
        <sevenChrDef>
          <extension char="A">initial encounter</extension>
          <extension char="D">subsequent encounter</extension>
          <note>   any note CDC places here</note>
          <extension char="S">sequela</extension>
        </sevenChrDef>
        <notes>
          <note>7th character S does not apply to codes in category S01 with 5th character 9 -
            unspecified wound, or 8 - other wound.</note>
        </notes>
        <diag>
          <name>S01.0</name>
          <desc>Open wound of scalp</desc>
          <diag><name>S01.01</name><desc>Laceration of scalp</desc></diag>
          <diag placeholder="true"><name>S01.09</name><desc>Other open wound of scalp</desc></diag>
        </diag>
        <diag>
          <name>S01.1</name>
          <desc>Open wound of eyelid</desc>
          <sevenChrDef><extension char="Z">new in 2027</extension></sevenChrDef>
        </diag>
      </diag>
      <diag>
        <name>S09</name>
        <desc>Other and unspecified injuries of head</desc>
        <diag>
          <name>S09.9</name>
          <desc>Unspecified injury of head</desc>
          <inclusionTerm><note>Head injury NOS</note></inclusionTerm>
        </diag>
      </diag>
    </section>
  </chapter>
</ICD10CM.tabular>
"""


def test_reads_a_newer_release_in_the_same_schema(tmp_path: Path) -> None:
    xml = tmp_path / "icd10cm-tabular-October-1-2026.xml"
    xml.write_text(NEWER_RELEASE, encoding="utf-8")
    loaded = load_icd10cm_tabular(xml)
    by_code = {record.code: record for record in loaded.records}

    assert loaded.version.version == "FY2027 (October 1, 2026)"
    assert loaded.version.effective == "2026-10-01"
    assert loaded.groups == {
        "19": "Injury, poisoning and certain other consequences of external causes",
        "S00-S09": "Injuries to the head",
    }
    assert sorted(code for code, record in by_code.items() if record.billable) == [
        "S01.01XA",
        "S01.01XD",
        "S01.01XS",
        "S01.09XA",
        "S01.09XD",  # no S: the note bars it for 5th character 9
        "S01.1XXZ",  # the subcategory's own sevenChrDef replaces the category's
        "S09.9",  # no sevenChrDef above it: billable as it stands
    ]
    assert by_code["S01.01XD"].title == "Laceration of scalp, subsequent encounter"
    assert by_code["S01"].code_also == ("any associated wound infection",)
    assert by_code["S01"].seventh_characters == (
        ("A", "initial encounter"),
        ("D", "subsequent encounter"),
        ("S", "sequela"),
    )
    assert by_code["S09.9"].terms == ("Head injury NOS",)


def test_file_without_release_date_in_its_name(tmp_path: Path) -> None:
    xml = tmp_path / "tabular.xml"
    xml.write_text(NEWER_RELEASE, encoding="utf-8")
    version = load_icd10cm_tabular(xml).version
    assert version.version == "FY2027"
    assert version.effective is None
    assert version.file == "tabular.xml"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "Cannot read"),
        ("this is not xml", "not a readable ICD-10-CM tabular XML"),
        ("<ICD10CM.index><version>2026</version></ICD10CM.index>", "root element is <ICD10CM.i"),
        ("<ICD10CM.tabular><version>2026</version></ICD10CM.tabular>", "holds no codes"),
    ],
)
def test_bad_files_raise_source_file_error(
    tmp_path: Path, content: str | None, expected: str
) -> None:
    xml = tmp_path / "bad.xml"
    if content is not None:
        xml.write_text(content, encoding="utf-8")
    with pytest.raises(SourceFileError, match=expected) as caught:
        load_icd10cm_tabular(xml)
    assert str(xml) in str(caught.value)
