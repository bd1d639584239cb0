"""codesuggest's own starter sets of common CPT and HCPCS Level II codes."""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import pytest

from code_index.loaders import LoadedCodeSet
from code_index.loaders.hcpcs import load_hcpcs
from code_index.loaders.starter import load_cpt_starter, load_hcpcs_starter
from code_index.records import System

CPT_FORMAT = re.compile(r"\d{5}|\d{4}[FTU]")
HCPCS_FORMAT = re.compile(r"[A-Z]\d{4}")
# starter HCPCS codes created after the 2020 CMS file used in tests
ADDED_SINCE_2020 = {"J2506", "G2211", "G2212", "G2252", "E2103", "A4239"}


@pytest.fixture(scope="module")
def cpt() -> LoadedCodeSet:
    return load_cpt_starter()


@pytest.fixture(scope="module")
def hcpcs() -> LoadedCodeSet:
    return load_hcpcs_starter()


def raw_codes(name: str) -> list[str]:
    text = resources.files("code_index.data").joinpath(name).read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert rows[0] == "code\tdescription\tterms"
    return [row.split("\t")[0] for row in rows[1:]]


def test_cpt_starter(cpt: LoadedCodeSet) -> None:
    assert 280 <= len(cpt.records) <= 340
    assert cpt.version.system is System.CPT
    assert cpt.version.version == "codesuggest starter set 2026"
    assert cpt.version.source == "starter"
    codes = [r.code for r in cpt.records]
    assert all(CPT_FORMAT.fullmatch(code) for code in codes)
    assert all(r.system is System.CPT and r.source == "starter" for r in cpt.records)
    by_code = {r.code: r for r in cpt.records}
    assert "biopsy" in by_code["45380"].title.lower()
    assert "colonoscopy with biopsy" in by_code["45380"].terms
    for code in ("99213", "99285", "80053", "85025", "83036", "71046", "47562", "27447", "59514"):
        assert code in by_code, code


def test_hcpcs_starter(hcpcs: LoadedCodeSet) -> None:
    assert 170 <= len(hcpcs.records) <= 230
    assert hcpcs.version.system is System.HCPCS
    assert hcpcs.version.source == "starter"
    assert all(HCPCS_FORMAT.fullmatch(r.code) for r in hcpcs.records)
    by_code = {r.code: r for r in hcpcs.records}
    assert "dexamethasone" in by_code["J1100"].title.lower()
    for code in ("J3301", "J1885", "J0696", "J2550", "J7030", "E0601", "A4253", "G0438", "A0427"):
        assert code in by_code, code


@pytest.mark.parametrize("name", ["cpt_starter.tsv", "hcpcs_starter.tsv"])
def test_files_have_unique_codes_and_a_header(name: str) -> None:
    codes = raw_codes(name)
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize("loader", [load_cpt_starter, load_hcpcs_starter])
def test_every_code_has_a_description_and_terms(loader: Callable[[], LoadedCodeSet]) -> None:
    for record in loader().records:
        assert record.title.strip(), record.code
        assert record.terms, record.code
        assert all(term and term == term.strip() for term in record.terms), record.code


def test_starter_hcpcs_codes_are_real_cms_codes(hcpcs: LoadedCodeSet, shared_data: Path) -> None:
    """Each starter code is an active code in CMS's 2020 file, or one created since."""
    cms = {
        r.code: r
        for r in load_hcpcs(shared_data / "hcpcs" / "HCPC2020_ANWEB_w_disclaimer.txt").records
    }
    missing = {r.code for r in hcpcs.records if r.code not in cms}
    assert missing == ADDED_SINCE_2020
    assert all(cms[r.code].active for r in hcpcs.records if r.code in cms)
