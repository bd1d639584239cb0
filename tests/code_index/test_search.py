"""Search quality on the real code sets: what a coder types finds the right code."""

from __future__ import annotations

import statistics
import time

import pytest

from code_index.index import CodeIndex
from code_index.records import System


def _top_codes(index: CodeIndex, query: str, n: int = 3, **kwargs: object) -> list[str]:
    return [hit.record.code for hit in index.search(query, top=n, **kwargs)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("aspiration pneumonia", "J69.0"),
        ("type 2 diabetes with ckd", "E11.22"),
        ("type 2 diabetes with diabetic chronic kidney disease", "E11.22"),
        ("essential hypertension", "I10"),
        ("HTN", "I10"),
        ("copd with acute exacerbation", "J44.1"),
        ("pnuemonia unspecified organism", "J18.9"),  # typo
        ("urinary tract infection", "N39.0"),
    ],
)
def test_diagnosis_phrases_rank_the_right_code_in_top_3(
    default_index: CodeIndex, query: str, code: str
) -> None:
    assert code in _top_codes(default_index, query, system=System.ICD10CM)


def test_colonoscopy_with_biopsy_finds_the_cpt_starter_code(default_index: CodeIndex) -> None:
    hits = default_index.search("colonoscopy with biopsy", system=System.CPT, top=3)
    assert "45380" in [h.record.code for h in hits]
    assert hits[0].record.source == "starter"


def test_dexamethasone_injection_finds_j1100_in_the_cms_hcpcs_file(full_index: CodeIndex) -> None:
    assert "J1100" in _top_codes(full_index, "dexamethasone injection", n=5, system=System.HCPCS)


def test_pcs_procedure_phrase(default_index: CodeIndex) -> None:
    codes = _top_codes(
        default_index,
        "resection of appendix, percutaneous endoscopic approach",
        n=3,
        system=System.ICD10PCS,
    )
    assert "0DTJ4ZZ" in codes


def test_code_prefix_query_lists_codes_in_order(default_index: CodeIndex) -> None:
    hits = default_index.search("e11.2", top=5)
    assert hits[0].record.code == "E11.2"
    assert all(h.record.key.startswith("E112") for h in hits)


def test_billable_filter_and_system_filter(default_index: CodeIndex) -> None:
    hits = default_index.search("diabetes", top=20, billable_only=True, system=System.ICD10CM)
    assert hits and all(h.record.billable for h in hits)
    assert all(h.record.system is System.ICD10CM for h in hits)


def test_scores_are_ordered_and_bounded(default_index: CodeIndex) -> None:
    hits = default_index.search("acute myocardial infarction", top=10)
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 < s <= 1.0 for s in scores)


def test_empty_and_nonsense_queries(default_index: CodeIndex) -> None:
    assert default_index.search("   ") == []
    assert default_index.search("qqqqzzzzxxxx") == []


def test_search_is_fast_on_a_warm_index(default_index: CodeIndex) -> None:
    """Sanity bound only (the real latency figure comes from bench/): a warm query
    must not be anywhere near a full scan."""
    queries = ["aspiration pneumonia", "type 2 diabetes with ckd", "fracture of femur", "HTN"]
    default_index.search(queries[0])
    timings = []
    for query in queries * 5:
        started = time.perf_counter()
        default_index.search(query)
        timings.append(time.perf_counter() - started)
    assert statistics.median(timings) < 0.1
