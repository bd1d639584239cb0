"""Building the index from code-set files, and getting the current one: the only place
that knows which loaders exist and how their outputs merge."""

from __future__ import annotations

import dataclasses
import hashlib
import pickle
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from code_index.data_dir import resolve_data_dir
from code_index.index import (
    FORMAT_VERSION,
    CodeIndex,
    IndexManifest,
    IndexNotFoundError,
    NcciEdits,
    rows_from_records,
)
from code_index.loaders import IndexTerm, LoadedCodeSet, SourceFileError
from code_index.loaders.cpt import load_cpt
from code_index.loaders.hcpcs import load_hcpcs
from code_index.loaders.icd10cm_alphabetic import load_icd10cm_alphabetic_index
from code_index.loaders.icd10cm_release import load_icd10cm_release
from code_index.loaders.icd10cm_tabular import load_icd10cm_tabular
from code_index.loaders.icd10pcs import load_icd10pcs
from code_index.loaders.mue import SOURCE as MUE_SOURCE
from code_index.loaders.mue import LoadedMue, load_mue
from code_index.loaders.ncci import SOURCE as NCCI_SOURCE
from code_index.loaders.ncci import LoadedPtpEdits, load_ncci_ptp
from code_index.loaders.starter import load_cpt_starter, load_hcpcs_starter
from code_index.records import (
    MUE_SETTING_NAMES,
    NCCI_SETTING_NAMES,
    CodeRecord,
    CodeSetVersion,
    Icd10cmRelease,
    MueLimit,
    System,
    normalize_code,
)
from code_index.search import LexicalModel, search_fields

INDEX_SUBDIR = "index"


@dataclass
class IndexSources:
    """The files an index is built from; None means the embedded default for that system."""

    icd10cm_xml: Path | None = None
    icd10cm_index: list[Path] = field(default_factory=list)
    # other fiscal years' ICD-10-CM releases (tabular XML or order file), held for dates of
    # service in their year
    icd10cm_releases: list[Path] = field(default_factory=list)
    hcpcs: Path | None = None
    cpt: Path | None = None
    pcs: Path | None = None
    # CMS NCCI PTP edit files (practitioner and/or outpatient hospital, every part);
    # none by default, since they carry AMA CPT content
    ncci: list[Path] = field(default_factory=list)
    ncci_as_of: date | None = None  # keep the edits in force on this day (default: today)
    # CMS Medically Unlikely Edit tables (practitioner, outpatient hospital, DME); none by
    # default, for the same reason
    mue: list[Path] = field(default_factory=list)


Step = Callable[[str], None]


def build_index(sources: IndexSources, step: Step | None = None) -> CodeIndex:
    """Load every source, merge Alphabetic Index terms into the codes they lead to,
    and fit the search model. ``step`` is told the name of each stage (progress bar)."""
    report = step or (lambda _name: None)
    code_sets: list[LoadedCodeSet] = []

    report("ICD-10-CM tabular")
    icd10cm = load_icd10cm_tabular(sources.icd10cm_xml)
    extra_versions: list[CodeSetVersion] = []
    for path in sources.icd10cm_index:
        report(f"ICD-10-CM index {path.name}")
        terms = load_icd10cm_alphabetic_index(path)
        icd10cm = _with_index_terms(icd10cm, terms)
        extra_versions.append(
            CodeSetVersion(
                System.ICD10CM,
                path.stem,
                "cdc-index",
                file=path.name,
                extra={"terms": str(len(terms))},
            )
        )
    code_sets.append(icd10cm)
    releases: dict[int, Icd10cmRelease] = {}
    own_year = icd10cm.version.extra.get("xml_version")
    for path in sources.icd10cm_releases:
        report(f"ICD-10-CM release {path.name}")
        release, version = load_icd10cm_release(path)
        if str(release.fiscal_year) == own_year or release.fiscal_year in releases:
            raise SourceFileError(
                f"{path}: the index already holds an FY{release.fiscal_year} ICD-10-CM "
                "release; give one release a fiscal year."
            )
        releases[release.fiscal_year] = release
        extra_versions.append(version)

    report("ICD-10-PCS")
    code_sets.append(load_icd10pcs(sources.pcs))
    report("CPT")
    code_sets.append(load_cpt(sources.cpt) if sources.cpt else load_cpt_starter())
    report("HCPCS Level II")
    code_sets.append(load_hcpcs(sources.hcpcs) if sources.hcpcs else load_hcpcs_starter())
    loaded_edits: list[LoadedPtpEdits] = []
    for path in sources.ncci:
        report(f"NCCI PTP edits {path.name}")
        loaded = load_ncci_ptp(path, sources.ncci_as_of)
        loaded_edits.append(loaded)
        extra_versions.append(_ncci_version(loaded))
    ncci = NcciEdits.from_edits(edit for loaded in loaded_edits for edit in loaded.edits)
    loaded_mue: list[LoadedMue] = []
    for path in sources.mue:
        report(f"MUE {path.name}")
        loaded_mue.append(load_mue(path))
        extra_versions.append(_mue_version(loaded_mue[-1]))
    mue: dict[str, tuple[MueLimit, ...]] = {}
    for table in loaded_mue:
        for limit in table.limits:
            mue[limit.code] = (*mue.get(limit.code, ()), limit)

    records = [record for code_set in code_sets for record in code_set.records]
    rows = rows_from_records(records)
    groups = {k: v for code_set in code_sets for k, v in code_set.groups.items()}
    modifiers = {k: v for code_set in code_sets for k, v in code_set.modifiers.items()}
    group_notes = {k: v for code_set in code_sets for k, v in code_set.group_notes.items()}

    report("search model")
    fields: list[str] = []
    field_rows: list[int] = []
    for row, record in enumerate(records):
        own = search_fields([record.title, *record.terms])
        fields.extend(own)
        field_rows.extend([row] * len(own))
    lexical = LexicalModel().fit(fields)

    digest = hashlib.sha256(
        pickle.dumps(
            (
                FORMAT_VERSION,
                rows,
                groups,
                group_notes,
                modifiers,
                ncci.pairs,
                ncci.terms,
                *([sorted(mue.items())] if mue else []),  # no MUEs: the version stays as it was
                *(
                    [sorted((y, sorted(r.titles.items())) for y, r in releases.items())]
                    if releases
                    else []
                ),
            ),
            protocol=5,
        )
    )
    manifest = IndexManifest(
        index_version=digest.hexdigest()[:12],
        format_version=FORMAT_VERSION,
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        versions=[code_set.version for code_set in code_sets] + extra_versions,
        counts=_counts(records),
        sources=[v.file for v in (cs.version for cs in code_sets) if v.file]
        + [loaded.file for loaded in loaded_edits]
        + [table.file for table in loaded_mue],
    )
    return CodeIndex(
        rows,
        manifest,
        groups,
        modifiers,
        lexical,
        field_rows,
        ncci=ncci,
        group_notes=group_notes,
        mue=mue,
        releases=releases,
    )


def _mue_version(table: LoadedMue) -> CodeSetVersion:
    """How an MUE table is listed among the index's versions."""
    return CodeSetVersion(
        System.CPT,  # the edits are on CPT and HCPCS codes; listed once, beside CPT
        f"MUE {MUE_SETTING_NAMES[table.setting]} table",
        MUE_SOURCE,
        effective=table.effective,
        file=table.file,
        extra={"setting": table.setting, "codes": str(len(table.limits))},
    )


def _ncci_version(loaded: LoadedPtpEdits) -> CodeSetVersion:
    """How an NCCI file is listed among the index's versions, with its counts."""
    left_out = {f"left out: {reason}": str(n) for reason, n in loaded.left_out.items()}
    return CodeSetVersion(
        System.CPT,  # the edits pair CPT and HCPCS codes; listed once, beside CPT
        f"NCCI PTP {NCCI_SETTING_NAMES[loaded.setting]} edits, {loaded.release}, "
        f"in force on {loaded.as_of}",
        NCCI_SOURCE,
        file=loaded.file,
        extra={
            "setting": loaded.setting,
            "as_of": loaded.as_of,
            "rows": str(loaded.rows),
            "edits": str(len(loaded.edits)),
            **left_out,
        },
    )


def _with_index_terms(code_set: LoadedCodeSet, terms: Sequence[IndexTerm]) -> LoadedCodeSet:
    """Attach Alphabetic Index terms to the records they point to (by code, any level)."""
    by_key: dict[str, list[str]] = {}
    for entry in terms:
        by_key.setdefault(normalize_code(entry.code), []).append(entry.term)
    merged: list[CodeRecord] = []
    for record in code_set.records:
        extra = by_key.get(record.key)
        if extra:
            known = {t.lower() for t in (record.title, *record.terms)}
            new = [t for t in dict.fromkeys(extra) if t.lower() not in known]
            record = dataclasses.replace(record, terms=(*record.terms, *new))
        merged.append(record)
    return dataclasses.replace(code_set, records=merged)


def _counts(records: Sequence[CodeRecord]) -> dict[str, dict[str, int]]:
    counts: dict[str, Counter[str]] = {}
    for record in records:
        bucket = counts.setdefault(record.system.value, Counter())
        bucket["records"] += 1
        bucket["billable"] += int(record.billable and record.active)
        bucket[f"source:{record.source}"] += 1
    return {system: dict(counter) for system, counter in counts.items()}


def index_root(data_dir: Path | str | None = None) -> Path:
    """Where index artifacts live inside the data directory."""
    return resolve_data_dir(data_dir) / INDEX_SUBDIR


def load_index(
    data_dir: Path | str | None = None, build_if_missing: bool = True, step: Step | None = None
) -> CodeIndex:
    """The current index of the data directory, building the embedded default on first use."""
    root = index_root(data_dir)
    try:
        return CodeIndex.load(CodeIndex.current_folder(root))
    except IndexNotFoundError:
        if not build_if_missing:
            raise
    index = build_index(IndexSources(), step)
    index.save(root)
    return index
