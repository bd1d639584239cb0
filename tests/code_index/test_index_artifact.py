"""The built artifact: versioned, reloadable, fast to load, and built on first use."""

from __future__ import annotations

import gc
import time
from pathlib import Path

import pytest

from code_index.build import index_root, load_index
from code_index.index import CodeIndex, IndexNotFoundError, paused_gc
from code_index.records import System
from code_index.search import SparseParts


def test_default_index_counts(default_index: CodeIndex) -> None:
    counts = default_index.manifest.counts
    assert counts["icd10cm"]["billable"] == 74719
    assert counts["icd10pcs"]["billable"] > 78000
    assert 250 <= counts["cpt"]["records"] <= 400
    assert 150 <= counts["hcpcs"]["records"] <= 300
    assert counts["cpt"]["source:starter"] == counts["cpt"]["records"]


def test_artifact_round_trip_is_identical(default_index: CodeIndex, data_dir: Path) -> None:
    folder = CodeIndex.current_folder(index_root(data_dir))
    assert folder.name == default_index.version
    started = time.perf_counter()
    reloaded = CodeIndex.load(folder)
    load_seconds = time.perf_counter() - started
    assert load_seconds < 5  # the benchmark reports the real figure; this only catches a regression
    assert len(reloaded) == len(default_index)
    assert reloaded.get("E11.22") == default_index.get("E11.22")
    # a misspelt word is read by the search model's vectorizer, stored pickled apart
    for query in ("aspiration pneumonia", "pnuemonia unspecified organism"):
        assert reloaded.search(query) == default_index.search(query)


def test_an_index_holding_scipy_matrices_still_searches(
    default_index: CodeIndex, data_dir: Path
) -> None:
    """Artifacts written before the search model held its matrices as arrays hold scipy's
    CSC postings and CSR n-gram vectors: they answer as the arrays do."""
    import scipy.sparse as sp

    reloaded = CodeIndex.load(CodeIndex.current_folder(index_root(data_dir)))
    lexical = reloaded._lexical
    assert isinstance(lexical.postings_, SparseParts)
    assert isinstance(lexical.word_vectors_, SparseParts)
    parts = lexical.postings_
    lexical.postings_ = sp.csc_matrix((parts.data, parts.indices, parts.indptr), parts.shape)
    lexical.word_vectors_ = lexical.word_vectors_.csr()
    for query in ("aspiration pneumonia", "pnuemonia unspecified organism", "diabetis"):
        assert reloaded.search(query) == default_index.search(query)


def test_stored_row_tables_answer_as_derived_ones(default_index: CodeIndex, data_dir: Path) -> None:
    """Lookups and filters read tables stored at build time; a reload answers alike."""
    reloaded = CodeIndex.load(CodeIndex.current_folder(index_root(data_dir)))
    for query in ("e1122", "E11.2", "99213", "0DTJ4ZZ", "J1100", "Z99.9"):
        assert reloaded.lookup(query) == default_index.lookup(query)
        assert reloaded.with_prefix(query) == default_index.with_prefix(query)
    for system in (System.ICD10CM, System.ICD10PCS, None):
        for billable_only in (True, False):
            assert reloaded.search("kidney", system, 20, billable_only) == default_index.search(
                "kidney", system, 20, billable_only
            )


def test_paused_gc_restores_the_collector_state() -> None:
    assert gc.isenabled()
    with paused_gc():
        assert not gc.isenabled()
        with paused_gc():
            assert not gc.isenabled()
        assert not gc.isenabled()  # an inner pause leaves the outer one in place
    assert gc.isenabled()
    with pytest.raises(RuntimeError), paused_gc():
        raise RuntimeError
    assert gc.isenabled()


def test_hierarchy(default_index: CodeIndex) -> None:
    record = default_index.get("E11.22")
    assert record is not None
    assert [a.code for a in default_index.ancestors(record)] == ["E11.2", "E11"]
    assert record.block == "E08-E13" and record.chapter == "4"
    assert "E11.22" in [c.code for c in default_index.children(default_index.get("E11.2"))]  # type: ignore[arg-type]


def test_children_are_stored_and_derived_alike(default_index: CodeIndex, data_dir: Path) -> None:
    """The artifact holds each row's children (a process's first note derived them all, a
    tenth of a second); one written before derives the same on first use."""
    reloaded = CodeIndex.load(CodeIndex.current_folder(index_root(data_dir)))
    assert reloaded._children is not None
    derived = CodeIndex.load(CodeIndex.current_folder(index_root(data_dir)))
    derived._children = None  # as an artifact written before holds it
    for code in ("E11", "E11.2", "E11.22", "R50", "I50", "S72.001", "0DT", "99213", "J1100"):
        for record in reloaded.lookup(code):
            assert reloaded.children(record) == derived.children(record)
    assert [c.code for c in reloaded.children(reloaded.get("E11.2"))] == [  # type: ignore[arg-type]
        "E11.21",
        "E11.22",
        "E11.29",
    ]


def test_missing_index_is_reported_not_built_when_asked(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFoundError):
        load_index(tmp_path, build_if_missing=False)


def test_full_index_has_user_files(full_index: CodeIndex) -> None:
    counts = full_index.manifest.counts
    assert counts["hcpcs"].get("source:cms-hcpcs", 0) > 5000
    assert "source:starter" not in counts["hcpcs"]  # the user's full file replaces the starter set
    assert full_index.modifiers.get("LT")
    assert full_index.get("LT", System.HCPCS) is None  # modifiers are kept apart from codes
    files = {v.file for v in full_index.manifest.versions}
    assert any(f and "neoplasm" in f for f in files)
