"""The CDC Alphabetic Index loader: a hand-made main-index file and the real April 1, 2026
External Cause Index, Neoplasm Table and Drug Table."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from code_index.loaders import IndexTerm, SourceFileError
from code_index.loaders.icd10cm_alphabetic import load_icd10cm_alphabetic_index
from code_index.loaders.icd10cm_tabular import load_icd10cm_tabular
from code_index.records import normalize_code

# The shape of the main Index (icd10cm-index-<release>-XML.xml), abridged by hand.
MAIN_INDEX = """\
<?xml version="1.0" encoding="utf-8"?>
<ICD10CM.index>
  <version>2026</version>
  <title>ICD-10-CM INDEX TO DISEASES and INJURIES</title>
  <letter>
    <title>P</title>
    <mainTerm>
      <title>Pneumonia<nemod>(acute) (double) (migratory) (purulent) (septic)</nemod></title>
      <code>J18.9</code>
      <term level="1">
        <title>with</title>
        <term level="2">
          <title>influenza</title>
          <see>Influenza, with, pneumonia</see>
        </term>
      </term>
      <term level="1">
        <title>aspiration</title>
        <code>J69.0</code>
        <term level="2">
          <title>due to</title>
          <term level="3">
            <title>food<nemod>(regurgitated)</nemod></title>
            <code>J69.0</code>
          </term>
          <term level="3">
            <title>oils, essences</title>
            <code>J69.1</code>
          </term>
        </term>
      </term>
      <term level="1">
        <title>Friedländer's bacillus</title>
        <seeAlso>Pneumonia, Klebsiella</seeAlso>
        <code>J15.0</code>
      </term>
      <term level="1">
        <title>in<nemod>(due to)</nemod></title>
        <term level="2">
          <title>measles</title>
          <code>B05.2</code>
        </term>
      </term>
      <term level="1">
        <title>ventilator associated</title>
        <code>J95.851</code>
      </term>
    </mainTerm>
    <mainTerm>
      <title>Pneumonitis<nemod>(acute) (primary)</nemod></title>
      <seeAlso>Pneumonia</seeAlso>
      <code>J18.9</code>
      <term level="1">
        <title>radiation</title>
        <code>J70.0</code>
      </term>
      <term level="1">
        <title>ventilator-associated</title>
        <subcat>J95.85</subcat>
      </term>
    </mainTerm>
    <mainTerm>
      <title>Poisoning<nemod>(acute)</nemod></title>
      <see>Table of Drugs and Chemicals</see>
    </mainTerm>
    <mainTerm>
      <title>Pyelitis<nemod>(congenital) (uremic)</nemod></title>
      <code>N12</code>
      <term level="1">
        <title>with calculus</title>
        <code>N20.9-</code>
      </term>
    </mainTerm>
  </letter>
</ICD10CM.index>
"""


@pytest.fixture(scope="module")
def main_index(tmp_path_factory: pytest.TempPathFactory) -> list[IndexTerm]:
    xml = tmp_path_factory.mktemp("index") / "icd10cm-index-April-1-2026-XML.xml"
    xml.write_text(MAIN_INDEX, encoding="utf-8")
    return load_icd10cm_alphabetic_index(xml)


def test_main_index_term_paths(main_index: list[IndexTerm]) -> None:
    assert IndexTerm("Pneumonia, aspiration", "J69.0") in main_index
    assert IndexTerm("Pneumonia, aspiration, due to, oils, essences", "J69.1") in main_index
    assert IndexTerm("Pneumonia, in, measles", "B05.2") in main_index
    assert IndexTerm("Pneumonia, ventilator associated", "J95.851") in main_index
    assert IndexTerm("Pneumonitis, radiation", "J70.0") in main_index
    assert main_index[0] == IndexTerm("Pneumonia", "J18.9")  # file order, main term first


def test_nonessential_modifiers(main_index: list[IndexTerm]) -> None:
    """The essential form always; a second form with the entry's own modifiers as printed."""
    assert IndexTerm("Pneumonia", "J18.9") in main_index
    assert IndexTerm("Pneumonia (acute) (double) (migratory) (purulent) (septic)", "J18.9") in (
        main_index
    )
    assert IndexTerm("Pneumonia, aspiration, due to, food", "J69.0") in main_index
    assert IndexTerm("Pneumonia, aspiration, due to, food (regurgitated)", "J69.0") in main_index
    # a main term's modifiers do not spill onto its subterms
    assert not [entry for entry in main_index if "(acute)" in entry.term and entry.code != "J18.9"]
    assert not [entry for entry in main_index if "Pneumonia, in (due to)," in entry.term]


def test_cross_references_give_no_terms(main_index: list[IndexTerm]) -> None:
    assert not [entry for entry in main_index if "influenza" in entry.term]
    assert not [entry for entry in main_index if entry.term.startswith("Poisoning")]
    # an entry with a seeAlso and a code still leads to its code
    assert IndexTerm("Pneumonia, Friedländer's bacillus", "J15.0") in main_index
    assert IndexTerm("Pneumonitis", "J18.9") in main_index


def test_incomplete_codes_lose_their_dash(main_index: list[IndexTerm]) -> None:
    assert IndexTerm("Pyelitis, with calculus", "N20.9") in main_index
    assert IndexTerm("Pneumonitis, ventilator-associated", "J95.85") in main_index  # <subcat>
    assert not [entry for entry in main_index if entry.code.endswith(("-", "."))]


def test_terms_are_unique(main_index: list[IndexTerm]) -> None:
    assert len(main_index) == len(set(main_index))
    assert main_index.count(IndexTerm("Pneumonia, aspiration", "J69.0")) == 1


@pytest.fixture(scope="module")
def index_files(shared_data: Path) -> dict[str, Path]:
    folder = shared_data / "icd10cm-index"
    return {
        "eindex": folder / "icd10cm-eindex-April-1-2026-XML.xml",
        "neoplasm": folder / "icd10cm-neoplasm-April-1-2026-XML.xml",
        "drug": folder / "icd10cm-drug-April-1-2026-XML.xml",
    }


def test_external_cause_index(index_files: dict[str, Path]) -> None:
    terms = load_icd10cm_alphabetic_index(index_files["eindex"])
    assert len(terms) > 7_000
    assert IndexTerm("Accident, boat, boating, striking swimmer, powered", "V94.11") in terms
    assert IndexTerm("Abandonment NEC", "X58") in terms
    printed = "Abandonment (causing exposure to weather conditions) (with intent to injure or kill)"
    assert IndexTerm(f"{printed} NEC", "X58") in terms
    assert IndexTerm("Environmental pollution related condition", "Z77") in terms  # <seecat>
    # "see" entries such as "Accident, animal-drawn vehicle" lead nowhere
    assert not [entry for entry in terms if entry.term == "Accident, animal-drawn vehicle"]


def test_neoplasm_table(index_files: dict[str, Path]) -> None:
    terms = load_icd10cm_alphabetic_index(index_files["neoplasm"])
    assert IndexTerm("Neoplasm, lung, malignant primary", "C34.9") in terms  # "C34.9-" in the file
    assert IndexTerm("Neoplasm, lung, malignant secondary", "C78.0") in terms
    assert IndexTerm("Neoplasm, lung, carcinoma in situ", "D02.2") in terms
    assert IndexTerm("Neoplasm, lung, uncertain behavior", "D38.1") in terms
    assert IndexTerm("Neoplasm, malignant primary", "C80.1") in terms
    assert IndexTerm("Neoplasm, adenoid (pharynx) (tissue), benign", "D10.6") in terms
    # "-" cells (no code in that column) give nothing
    basal = [entry for entry in terms if "skin, basal cell carcinoma" in entry.term]
    assert basal and {entry.term.rsplit(", ", 1)[1] for entry in basal} == {"malignant primary"}


def test_drug_table(index_files: dict[str, Path]) -> None:
    terms = load_icd10cm_alphabetic_index(index_files["drug"])
    assert IndexTerm("Poisoning by Aspirin, accidental (unintentional)", "T39.011") in terms
    assert IndexTerm("Poisoning by Aspirin, intentional self-harm", "T39.012") in terms
    assert IndexTerm("Poisoning by Aspirin, assault", "T39.013") in terms
    assert IndexTerm("Poisoning by Aspirin, undetermined", "T39.014") in terms
    assert IndexTerm("Adverse effect of Aspirin", "T39.015") in terms
    assert IndexTerm("Underdosing of Aspirin", "T39.016") in terms
    assert IndexTerm("Poisoning by Air contaminant(s), source/type NOS, assault", "T65.93") in terms
    # "--" cells give nothing: 1-propanol has no adverse-effect code
    assert not [entry for entry in terms if entry.term == "Adverse effect of 1-propanol"]


def test_every_index_code_is_a_tabular_code_or_its_stem(index_files: dict[str, Path]) -> None:
    """Index codes are written as in the file: a real code, or the stem of real codes
    when the index leaves characters to the Tabular (trailing "-", 7th characters)."""
    keys = sorted(record.key for record in load_icd10cm_tabular().records)
    known = set(keys)
    for path in index_files.values():
        for entry in load_icd10cm_alphabetic_index(path):
            assert re.fullmatch(r"[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?", entry.code), entry
            assert normalize_code(entry.code) in known, entry


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "Cannot read"),
        ("<ICD10CM.index><mainTerm>", "not a readable ICD-10-CM index XML"),
        ("<ICD10CM.tabular><version>2026</version></ICD10CM.tabular>", "root element"),
        (
            "<ICD10CM.index><letter><mainTerm><title>Neoplasm</title>"
            '<cell col="2">C80.1</cell></mainTerm></letter></ICD10CM.index>',
            "no <head> for that column",
        ),
    ],
)
def test_bad_files_raise_source_file_error(
    tmp_path: Path, content: str | None, expected: str
) -> None:
    xml = tmp_path / "bad-index.xml"
    if content is not None:
        xml.write_text(content, encoding="utf-8")
    with pytest.raises(SourceFileError, match=expected) as caught:
        load_icd10cm_alphabetic_index(xml)
    assert str(xml) in str(caught.value)
