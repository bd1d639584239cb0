"""Shared fixtures: where the real reference data lives, skipping clearly when it does not."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from code_index.build import IndexSources, build_index, index_root, load_index
from code_index.index import CodeIndex
from suggest.model import DEFAULT_MODEL, SuggestModel, load_model
from suggest.suggester import Suggester

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("CODESUGGEST_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))
# Small NCCI PTP edit files in CMS's exact layout (no real NCCI files are in ../shared/data):
# real bundling pairs (76700 complete over 76705 limited abdominal ultrasound, ...),
# with dates, modifier indicators and rationales chosen to exercise the loader, not quoted
# from a CMS release.
NCCI_DATA = Path(__file__).resolve().parent / "code_index" / "data"
NCCI_PRACTITIONER = NCCI_DATA / "ccipra-v321r0-f1.txt"
NCCI_HOSPITAL = NCCI_DATA / "ccioph-v321r0-f1.txt"
NCCI_AS_OF = date(2026, 1, 15)
# Small MUE tables in CMS's layout (practitioner .csv, outpatient hospital .txt, DME .csv),
# values made up to exercise the loader and marked in the files as not from a CMS release.
MUE_PRACTITIONER = NCCI_DATA / "MCR_MUE_PractitionerServices_Eff_10-01-2026.csv"
MUE_HOSPITAL = NCCI_DATA / "MCR_MUE_OutpatientHospitalServices_Eff_10-01-2026.txt"
MUE_DME = NCCI_DATA / "MCR_MUE_DMESupplierServices_Eff_10-01-2026.csv"
FY2025_TABULAR = "icd10cm-tabular-April-2025.xml"
FY2021_ORDER = "icd10cm-order-Jan-2021.txt"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the checkout (real files for tests); skip when absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"reference data not found at {SHARED_DATA} (set CODESUGGEST_SHARED_DATA)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def icd10cm_releases() -> Path:
    """Two earlier ICD-10-CM releases, real CDC files: the FY2025 tabular XML and the
    FY2021 order file (``.ci/icd10cm_releases.sh`` fetches them); skip when absent."""
    folder = Path(os.environ.get("CODESUGGEST_TEST_ICD10CM_RELEASES", "/nonexistent"))
    if not (folder / FY2025_TABULAR).is_file() or not (folder / FY2021_ORDER).is_file():
        pytest.skip(
            "earlier ICD-10-CM releases not found: "
            'export CODESUGGEST_TEST_ICD10CM_RELEASES="$(bash .ci/icd10cm_releases.sh)"'
        )
    return folder


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


@pytest.fixture(scope="session")
def default_model(data_dir: Path) -> SuggestModel:
    """The default model's fitted estimators, as training reads them (a suggester scores
    with their numbers alone: ``load_model(served=True)``)."""
    return load_model(DEFAULT_MODEL, data_dir)


@pytest.fixture(scope="session")
def ncci_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data directory of its own for the index with NCCI edits (its term table cache
    stays apart from the default index's)."""
    return tmp_path_factory.mktemp("ncci-data")


@pytest.fixture(scope="session")
def ncci_index(ncci_data_dir: Path) -> CodeIndex:
    """The default code sets plus the practitioner and hospital NCCI fixture files, with
    the edits in force on ``NCCI_AS_OF``, and the three MUE fixture tables (one build for
    both kinds of CMS edit keeps the suite short)."""
    sources = IndexSources(
        ncci=[NCCI_PRACTITIONER, NCCI_HOSPITAL],
        ncci_as_of=NCCI_AS_OF,
        mue=[MUE_PRACTITIONER, MUE_HOSPITAL, MUE_DME],
    )
    index = build_index(sources)
    index.save(index_root(ncci_data_dir))
    return index


@pytest.fixture(scope="session")
def dated_index(icd10cm_releases: Path, tmp_path_factory: pytest.TempPathFactory) -> CodeIndex:
    """The default code sets plus the FY2025 (tabular XML) and FY2021 (order file)
    ICD-10-CM releases, saved and loaded back as the service would load it."""
    sources = IndexSources(
        icd10cm_releases=[icd10cm_releases / FY2025_TABULAR, icd10cm_releases / FY2021_ORDER]
    )
    root = tmp_path_factory.mktemp("dated-data") / "index"
    build_index(sources).save(root)
    return CodeIndex.load(CodeIndex.current_folder(root))


@pytest.fixture(scope="session")
def ncci_suggester(ncci_index: CodeIndex, ncci_data_dir: Path) -> Suggester:
    """A suggester over the index with the NCCI and MUE fixture tables."""
    return Suggester.load(ncci_data_dir, index=ncci_index)
