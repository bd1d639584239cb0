"""The licensed-CPT-file loader, on small files in AMA's layouts written here in our own words
(no AMA descriptor text is reproduced)."""

from __future__ import annotations

from pathlib import Path

import pytest

from code_index.loaders import SourceFileError
from code_index.loaders.cpt import load_cpt
from code_index.records import System


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def test_tab_separated_file_with_header_and_terms(tmp_path: Path) -> None:
    path = write(
        tmp_path / "CPT 2026" / "LONGULT.txt",
        "Code\tDescriptor\tTerms\r\n"
        "99213\tClinic follow-up visit, low complexity\tfollow up, level 3\r\n"
        "45380\tScope of the colon with tissue sampling\t"
        "colonoscopy with biopsy,  colon biopsy ,\r\n"
        "\r\n"
        "0001A\tFirst dose of a vaccine product\r\n"
        "3074F\tSystolic pressure below 130\r\n"
        "0042T\tPerfusion imaging study\r\n",
    )
    loaded = load_cpt(path)
    assert [r.code for r in loaded.records] == ["99213", "45380", "0001A", "3074F", "0042T"]
    colonoscopy = loaded.records[1]
    assert colonoscopy.title == "Scope of the colon with tissue sampling"
    assert colonoscopy.terms == ("colonoscopy with biopsy", "colon biopsy")
    assert loaded.records[2].terms == ()
    assert all(r.system is System.CPT and r.source == "ama-cpt" for r in loaded.records)
    assert loaded.version.version == "CPT 2026"  # from the folder AMA names by year
    assert loaded.version.source == "ama-cpt"
    assert loaded.version.file == "LONGULT.txt"


def test_space_separated_lines_and_explicit_version(tmp_path: Path) -> None:
    path = write(
        tmp_path / "MEDU.txt",
        "99213 CLINIC FOLLOW-UP VISIT, LOW COMPLEXITY\n12001  SIMPLE WOUND CLOSURE, SMALL\n",
        encoding="cp1252",
    )
    loaded = load_cpt(path, version="CPT 2026 (January)")
    assert [(r.code, r.title) for r in loaded.records] == [
        ("99213", "CLINIC FOLLOW-UP VISIT, LOW COMPLEXITY"),
        ("12001", "SIMPLE WOUND CLOSURE, SMALL"),
    ]
    assert loaded.version.version == "CPT 2026 (January)"


def test_file_name_without_a_year_says_so(tmp_path: Path) -> None:
    path = write(tmp_path / "codes" / "cpt.txt", "99213\tClinic follow-up visit\n")
    assert "not stated" in load_cpt(path).version.version


def test_bad_line_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "cpt.txt", "code\tdescription\n99213\tVisit\nJ1100\tA drug\n")
    with pytest.raises(SourceFileError, match=r"cpt\.txt, line 3: 'J1100' is not a valid cpt code"):
        load_cpt(path)


def test_only_one_header_line_is_allowed(tmp_path: Path) -> None:
    path = write(tmp_path / "cpt.txt", "Code\tDescriptor\nsecond header\tagain\n99213\tVisit\n")
    with pytest.raises(SourceFileError, match="line 2"):
        load_cpt(path)


def test_missing_description_duplicate_and_extra_columns_are_errors(tmp_path: Path) -> None:
    cases = {
        "99213\n": "line 1: 99213 has no description",
        "99213\tVisit\n99213\tAgain\n": "line 2: 99213 already listed on line 1",
        "99213\tVisit\tterms\textra\n": "line 1: expected code, description and optional terms",
    }
    for text, message in cases.items():
        with pytest.raises(SourceFileError, match=message):
            load_cpt(write(tmp_path / "cpt.txt", text))


def test_empty_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SourceFileError, match="no cpt codes found"):
        load_cpt(write(tmp_path / "cpt.txt", "# nothing here\n\n"))
