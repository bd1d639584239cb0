"""Shared fixtures: where the real reference data lives, skipping clearly when it does not."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from code_index.build import IndexSources, build_index, load_index
from code_index.index import CodeIndex
from suggest.suggester import Suggester

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("CODESUGGEST_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the checkout (real files for tests); skip when absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data not found at {SHARED_DATA} (set CODESUGGEST_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh ``CODESUGGEST_DATA_DIR`` for the whole test session, so tests never touch
    the user's data and the default index is built once."""
    folder = tmp_path_factory.mktemp("codesuggest-data")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CODESUGGEST_DATA_DIR", str(folder))
        yield folder


@pytest.fixture(scope="session")
def default_index(data_dir: Path) -> CodeIndex:
    """The embedded default index (FY2026 ICD-10-CM, packaged ICD-10-PCS, starter CPT/HCPCS)."""
    return load_index(data_dir)


@pytest.fixture(scope="session")
def full_index(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> CodeIndex:
    """An index built with the real user-supplied files: the CMS HCPCS file and the CDC
    index files (External Cause, Neoplasm, Drug) from ../shared/data."""
    index_files = sorted((shared_data / "icd10cm-index").glob("*.xml"))
    sources = IndexSources(
        hcpcs=shared_data / "hcpcs" / "HCPC2020_ANWEB_w_disclaimer.txt",
        icd10cm_index=index_files,
    )
    index = build_index(sources)
    index.save(tmp_path_factory.mktemp("full-index"))
    return index


@pytest.fixture(scope="session")
def suggester(default_index: CodeIndex, data_dir: Path) -> Suggester:
    """One suggester (default model) for the session: it loads once, as in the service."""
    return Suggester.load(data_dir, index=default_index)
