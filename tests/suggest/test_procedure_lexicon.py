"""The curated procedure lexicon: it parses, and every code it names exists in the index."""

from __future__ import annotations

from importlib import resources

import pytest

from code_index.index import CodeIndex
from code_index.records import System

SYSTEMS = {"icd10pcs": System.ICD10PCS, "cpt": System.CPT, "hcpcs": System.HCPCS}


def _rows() -> list[tuple[str, str, str]]:
    text = resources.files("suggest.rules").joinpath("procedure_lexicon.tsv").read_text("utf-8")
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        assert len(fields) == 3, f"line {number}: expected phrase, system, code: {line!r}"
        rows.append((fields[0], fields[1], fields[2]))
    return rows


@pytest.fixture(scope="module")
def rows() -> list[tuple[str, str, str]]:
    return _rows()


def test_rows_are_well_formed(rows: list[tuple[str, str, str]]) -> None:
    for phrase, system, code in rows:
        assert phrase == phrase.strip().lower() and phrase, phrase
        assert "  " not in phrase, phrase
        assert system in SYSTEMS, (phrase, system)
        assert code == code.strip().upper() and code, (phrase, code)
        if system == "icd10pcs":
            assert len(code) == 7, (phrase, code)


def test_no_duplicate_rows(rows: list[tuple[str, str, str]]) -> None:
    assert len(rows) == len(set(rows))


def test_size(rows: list[tuple[str, str, str]]) -> None:
    assert len(rows) >= 300
    assert len({code for _, system, code in rows if system == "icd10pcs"}) >= 100


def test_every_code_exists_in_the_default_index(
    rows: list[tuple[str, str, str]], default_index: CodeIndex
) -> None:
    missing = []
    for phrase, system, code in rows:
        record = default_index.get(code, SYSTEMS[system])
        if record is None or not record.billable or not record.active:
            missing.append((phrase, system, code))
    assert not missing
