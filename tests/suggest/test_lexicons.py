"""The curated lexicons: they parse, every code they name is a billable code of the index,
and short two-condition terms split into each condition."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from code_index.index import CodeIndex
from code_index.records import System
from suggest.terms import LEXICON_FILES, conjunct_variants

SYSTEMS = {
    "icd10cm": System.ICD10CM,
    "icd10pcs": System.ICD10PCS,
    "cpt": System.CPT,
    "hcpcs": System.HCPCS,
}
SYSTEMS_OF_FILE = {
    "diagnosis_lexicon.tsv": {"icd10cm"},
    "procedure_lexicon.tsv": {"icd10pcs", "cpt", "hcpcs"},
}
MIN_ROWS = {"diagnosis_lexicon.tsv": 400, "procedure_lexicon.tsv": 300}


def _rows(name: str) -> list[tuple[str, str, str]]:
    text = resources.files("suggest.rules").joinpath(name).read_text("utf-8")
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        assert len(fields) == 3, f"line {number}: expected phrase, system, code: {line!r}"
        rows.append((fields[0], fields[1], fields[2]))
    return rows


@pytest.fixture(scope="module", params=LEXICON_FILES)
def lexicon(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def rows(lexicon: str) -> list[tuple[str, str, str]]:
    return _rows(lexicon)


def test_rows_are_well_formed(lexicon: str, rows: list[tuple[str, str, str]]) -> None:
    for phrase, system, code in rows:
        # lower case, but a type letter A after a word is written as notes write it, so
        # that it reads as the letter, not the article ("influenza A": terms.LETTER_A)
        assert re.sub(r"(?<=[a-z] )A\b", "a", phrase) == phrase.strip().lower(), phrase
        assert phrase, phrase
        assert "  " not in phrase, phrase
        assert system in SYSTEMS_OF_FILE[lexicon], (phrase, system)
        assert code == code.strip().upper() and code, (phrase, code)
        if system == "icd10pcs":
            assert len(code) == 7, (phrase, code)


def test_no_duplicate_rows(rows: list[tuple[str, str, str]]) -> None:
    assert len(rows) == len(set(rows))


def test_size(lexicon: str, rows: list[tuple[str, str, str]]) -> None:
    assert len(rows) >= MIN_ROWS[lexicon]
    assert len({code for _, _, code in rows}) >= 100


def test_every_code_exists_in_the_default_index(
    rows: list[tuple[str, str, str]], default_index: CodeIndex
) -> None:
    missing = []
    for phrase, system, code in rows:
        record = default_index.get(code, SYSTEMS[system])
        if record is None or not record.billable or not record.active:
            missing.append((phrase, system, code))
    assert not missing


@pytest.mark.parametrize(
    ("term", "variants"),
    [
        ("Syncope and collapse", ["Syncope", "collapse"]),
        (
            "Disorder of kidney and ureter, unspecified",
            ["Disorder of kidney, unspecified", "Disorder of ureter, unspecified"],
        ),
        ("Hypertensive heart and chronic kidney disease", []),  # both needed: kept whole
        ("Fever, unspecified", []),
    ],
)
def test_short_two_condition_terms_split(term: str, variants: list[str]) -> None:
    assert conjunct_variants(term) == variants
