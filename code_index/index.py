"""The code index: every code set in one versioned, searchable artifact.

Records are stored as plain tuples and turned into ``CodeRecord`` objects only when
asked for: unpickling 175,000 tuples takes a third of the time of as many dataclasses,
which is what keeps loading the artifact well under a second. What lookups read per
row (sorted codes, systems, billable flags) is derived at build time and stored too, and
so are the CMS NCCI procedure-to-procedure edits a user loaded (none by default).
"""

from __future__ import annotations

import bisect
import gc
import json
import pickle
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from code_index.records import (
    SUPPLEMENT_SOURCES,
    CodeRecord,
    CodeSetVersion,
    Icd10cmRelease,
    MueLimit,
    PtpEdit,
    System,
    normalize_code,
)
from code_index.search import (
    AbbreviationExpander,
    LexicalModel,
    field_match,
    fuzzy_similarity,
    load_abbreviations,
    tokenize,
)

FORMAT_VERSION = 5  # 4: NCCI procedure-to-procedure edits; 5: chapter and block instructions
ARTIFACT_FILE = "index.pkl"
MANIFEST_FILE = "manifest.json"
CURRENT_FILE = "current"
_RECORD_FIELDS = CodeRecord.__slots__
_TITLE_FIELD = _RECORD_FIELDS.index("title")
_SYSTEM_FIELD = _RECORD_FIELDS.index("system")
_BILLABLE_FIELD = _RECORD_FIELDS.index("billable")
_SYSTEMS = {system.value: system for system in System}
_CODE_LIKE = re.compile(r"^[A-Za-z0-9]{1,3}(\.?[A-Za-z0-9]{0,4})?-?$")


class IndexNotFoundError(FileNotFoundError):
    """No built index where one was expected."""


@contextmanager
def paused_gc() -> Iterator[None]:
    """Hold off the cyclic garbage collector while a large artifact is unpickled: every
    object it creates stays reachable, yet the collections its allocations trigger would
    walk them all again and again (over half the time of loading the term table)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@dataclass(frozen=True, slots=True)
class RowTables:
    """What lookups and search filters read per row, derived from the rows when the index
    is built and stored in the artifact: sorting 175,000 normalised codes on every load
    took longer than reading the rows."""

    sorted_keys: list[str]  # every row's normalised code, sorted
    sorted_rows: list[int]  # the row of each of ``sorted_keys``
    systems: np.ndarray  # each row's system value
    billable: np.ndarray  # each row's billable flag
    # each row's children: rows children[1][children[0][r]:children[0][r + 1]], in row
    # order (a process's first note read them all: a tenth of a second); None in
    # artifacts written before, derived on first use
    children: tuple[np.ndarray, np.ndarray] | None = None

    @classmethod
    def from_rows(cls, rows: Sequence[tuple[Any, ...]]) -> RowTables:
        """Derive the tables from the stored rows."""
        keyed = sorted((normalize_code(row[0]), i) for i, row in enumerate(rows))
        sorted_keys = [key for key, _ in keyed]
        sorted_rows = [i for _, i in keyed]
        return cls(
            sorted_keys=sorted_keys,
            sorted_rows=sorted_rows,
            systems=np.array([row[_SYSTEM_FIELD] for row in rows]),
            billable=np.array([row[_BILLABLE_FIELD] for row in rows]),
            children=children_table(rows, sorted_keys, sorted_rows),
        )


def children_table(
    rows: Sequence[tuple[Any, ...]], sorted_keys: list[str], sorted_rows: list[int]
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's children (the rows of its system that name it their parent) as
    ``RowTables.children`` holds them: offsets by row, then the child rows."""
    parent_field = _RECORD_FIELDS.index("parent")
    # ~100k rows name ~25k parents: each parent's rows are looked up once
    parent_rows: dict[str, list[int]] = {}
    pairs: list[tuple[int, int]] = []
    for row, values in enumerate(rows):
        parent_code = values[parent_field]
        if parent_code is None:
            continue
        found = parent_rows.get(parent_code)
        if found is None:
            key = normalize_code(parent_code)
            start = bisect.bisect_left(sorted_keys, key)
            end = bisect.bisect_right(sorted_keys, key, start)
            found = parent_rows[parent_code] = sorted_rows[start:end]
        pairs.extend(
            (parent_row, row)
            for parent_row in found
            if rows[parent_row][_SYSTEM_FIELD] == values[_SYSTEM_FIELD]
        )
    pairs.sort()  # by parent, each parent's children in row order
    counts = np.bincount([parent for parent, _ in pairs], minlength=len(rows))
    starts = np.zeros(len(rows) + 1, dtype=np.int32)
    np.cumsum(counts, out=starts[1:])
    return starts, np.array([child for _, child in pairs], dtype=np.int32)


# what an NCCI edit says besides its codes: (modifier allowed, rationale, setting,
# effective, deleted)
_EditTerms = tuple[bool, str, str, str, str | None]


@dataclass(frozen=True, slots=True)
class NcciEdits:
    """The CMS NCCI procedure-to-procedure edits in force, by code pair. A full CMS
    release holds about a million pairs, so each is stored as its two five-character
    codes joined ("4538045378") pointing to one of the few thousand distinct sets of edit
    terms: that unpickles in a third of the time of as many tuples of edits."""

    pairs: dict[str, int] = field(default_factory=dict)
    terms: list[tuple[_EditTerms, ...]] = field(default_factory=list)

    @classmethod
    def from_edits(cls, edits: Iterable[PtpEdit]) -> NcciEdits:
        """Group edits by code pair (a pair edited in both settings keeps one edit for
        each; the same edit read twice is kept once)."""
        by_pair: dict[str, list[_EditTerms]] = {}
        for edit in edits:
            own = by_pair.setdefault(edit.column1 + edit.column2, [])
            terms = (edit.modifier_allowed, edit.rationale, edit.setting, edit.effective)
            if (*terms, edit.deleted) not in own:
                own.append((*terms, edit.deleted))
        numbers: dict[tuple[_EditTerms, ...], int] = {}
        pairs = {
            pair: numbers.setdefault(tuple(terms), len(numbers)) for pair, terms in by_pair.items()
        }
        return cls(pairs, list(numbers))

    def __len__(self) -> int:
        return len(self.pairs)

    def get(self, column1: str, column2: str) -> tuple[PtpEdit, ...]:
        """The edits (one per setting) that bundle ``column2`` into ``column1``; codes
        normalised. One dict lookup."""
        number = self.pairs.get(column1 + column2)
        if number is None:
            return ()
        return tuple(PtpEdit(column1, column2, *terms) for terms in self.terms[number])

    def __iter__(self) -> Iterator[PtpEdit]:
        for pair, number in self.pairs.items():
            for terms in self.terms[number]:
                yield PtpEdit(pair[:5], pair[5:], *terms)

    def counts(self) -> dict[str, int]:
        """Edits per setting and the code pairs they cover (empty without edits)."""
        per_group = [Counter(terms[2] for terms in group) for group in self.terms]
        settings: Counter[str] = Counter()
        for number in self.pairs.values():
            settings.update(per_group[number])
        return {**dict(sorted(settings.items())), "pairs": len(self.pairs)} if settings else {}


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A search result: the record and its relevance in [0, 1]."""

    record: CodeRecord
    score: float


@dataclass
class IndexManifest:
    """What an artifact holds, readable without loading it (``manifest.json``)."""

    index_version: str
    format_version: int
    built_at: str
    versions: list[CodeSetVersion]
    counts: dict[str, dict[str, int]]  # system -> {"records", "billable", per source}
    sources: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """Plain JSON form, systems spelled as strings."""
        data = asdict(self)
        for version in data["versions"]:
            version["system"] = System(version["system"]).value
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> IndexManifest:
        """Inverse of :meth:`to_json`."""
        versions = [
            CodeSetVersion(**{**v, "system": System(v["system"])}) for v in data["versions"]
        ]
        return cls(**{**data, "versions": versions})


class CodeIndex:
    """All codes of all loaded code sets, with lookup, hierarchy and ranked search."""

    def __init__(
        self,
        rows: list[tuple[Any, ...]],
        manifest: IndexManifest,
        groups: dict[str, str],
        modifiers: dict[str, str],
        lexical: LexicalModel,
        field_rows: Sequence[int],
        tables: RowTables | None = None,
        ncci: NcciEdits | None = None,
        group_notes: dict[str, dict[str, tuple[str, ...]]] | None = None,
        mue: dict[str, tuple[MueLimit, ...]] | None = None,
        releases: dict[int, Icd10cmRelease] | None = None,
    ) -> None:
        """``tables`` are derived from ``rows`` when not given (a freshly built index);
        ``ncci`` holds the NCCI PTP edits in force (none unless the user loaded them);
        ``group_notes`` the instructions stated for whole chapters and blocks; ``mue`` the
        Medically Unlikely Edits by code (none unless the user loaded them); ``releases``
        other fiscal years' ICD-10-CM releases by year (none unless the user loaded them)."""
        self._rows = rows
        # search fields are stored record by record: field_starts[r] is row r's first field
        self._field_rows = np.asarray(field_rows, dtype=np.int32)
        self._field_starts = np.searchsorted(self._field_rows, np.arange(len(rows)))
        self.manifest = manifest
        self.groups = groups
        self.modifiers = modifiers
        self._lexical = lexical
        tables = tables or RowTables.from_rows(rows)
        self._systems = tables.systems
        self._billable = tables.billable
        self._sorted_keys = tables.sorted_keys
        self._sorted_rows = tables.sorted_rows
        self._children = tables.children
        self._abbreviations = AbbreviationExpander(load_abbreviations())
        self.ncci = ncci or NcciEdits()
        self.group_notes = group_notes or {}
        self.mue = mue or {}
        self.releases = releases or {}
        self._own_release: Icd10cmRelease | None = None

    # ------------------------------------------------------------------ records
    def __len__(self) -> int:
        return len(self._rows)

    def _record(self, row: int) -> CodeRecord:
        values = list(self._rows[row])
        values[_SYSTEM_FIELD] = _SYSTEMS[values[_SYSTEM_FIELD]]  # Enum(value) is slow
        return CodeRecord(*values)

    def records(self, system: System | None = None) -> Iterator[CodeRecord]:
        """Every record, optionally of one system, in code-set order."""
        for row, values in enumerate(self._rows):
            if system is None or values[_SYSTEM_FIELD] == system.value:
                yield self._record(row)

    def _rows_for_key(self, key: str) -> list[int]:
        start = bisect.bisect_left(self._sorted_keys, key)
        found: list[int] = []
        while start < len(self._sorted_keys) and self._sorted_keys[start] == key:
            found.append(self._sorted_rows[start])
            start += 1
        return found

    def lookup(self, code: str, system: System | None = None) -> list[CodeRecord]:
        """Records whose code is ``code`` written any way (``e1122``, ``E11.22``), in every
        system unless one is given."""
        records = [self._record(row) for row in self._rows_for_key(normalize_code(code))]
        return [r for r in records if system is None or r.system is system]

    def get(self, code: str, system: System | None = None) -> CodeRecord | None:
        """The one record for a code, or None (first system in index order when ambiguous)."""
        found = self.lookup(code, system)
        return found[0] if found else None

    def with_prefix(self, prefix: str, system: System | None = None) -> list[CodeRecord]:
        """Records whose normalised code starts with ``prefix``, in code order."""
        key = normalize_code(prefix)
        start = bisect.bisect_left(self._sorted_keys, key)
        found: list[CodeRecord] = []
        for position in range(start, len(self._sorted_keys)):
            if not self._sorted_keys[position].startswith(key):
                break
            record = self._record(self._sorted_rows[position])
            if system is None or record.system is system:
                found.append(record)
        return found

    def parent(self, record: CodeRecord) -> CodeRecord | None:
        """The record one level up in the same system."""
        return self.get(record.parent, record.system) if record.parent else None

    def ancestors(self, record: CodeRecord) -> list[CodeRecord]:
        """Parents from the nearest up to the category (or table)."""
        chain: list[CodeRecord] = []
        current = self.parent(record)
        while current is not None:
            chain.append(current)
            current = self.parent(current)
        return chain

    def group_instructions(
        self, record: CodeRecord, attribute: str, chapter: bool = True
    ) -> tuple[str, ...]:
        """Instructions (``attribute`` as on a record: "excludes1", "code_first", ...) that
        the tabular states for the record's whole block, then (``chapter``) its chapter."""
        found: tuple[str, ...] = ()
        for group in (record.block, record.chapter if chapter else None):
            if group is not None:
                found += self.group_notes.get(group, {}).get(attribute, ())
        return found

    def children(self, record: CodeRecord) -> list[CodeRecord]:
        """Records directly under ``record``."""
        if self._children is None:  # an artifact written before the table was stored
            self._children = children_table(self._rows, self._sorted_keys, self._sorted_rows)
        starts, children = self._children
        rows = self._rows_for_key(record.key)
        own = [r for r in rows if self._rows[r][_SYSTEM_FIELD] == record.system.value]
        return [
            self._record(child)
            for row in own
            for child in children[starts[row] : starts[row + 1]].tolist()
        ]

    # ------------------------------------------------------------------- search
    def search(
        self,
        query: str,
        system: System | None = None,
        top: int = 10,
        billable_only: bool = False,
    ) -> list[SearchHit]:
        """Codes ranked for a phrase or a (partial) code a coder types."""
        query = query.strip()
        if not query or top <= 0:
            return []
        hits = self._code_hits(query, system, billable_only, top)
        if hits:  # a code typed (even partly) means "codes under it", not words
            return hits
        text = self._abbreviations.expand(query)
        resolved = self._lexical.resolve(tokenize(text))
        query_words = {word for word, _ in resolved}
        weights = self._lexical.query_weights(resolved)
        scores, coverage = self._lexical.score(weights, len(self._field_rows))
        per_field = scores * (0.5 + 0.5 * coverage)
        combined = np.zeros(len(self._rows), dtype=np.float32)
        has_fields = self._field_starts < len(self._field_rows)
        combined[has_fields] = np.maximum.reduceat(per_field, self._field_starts[has_fields])
        if system is not None:
            combined = np.where(self._systems == system.value, combined, 0)
        if billable_only:
            combined = np.where(self._billable, combined, 0)
        pool = min(len(combined), max(top * 5, 50))
        best = np.argpartition(-combined, pool - 1)[:pool]
        best = best[combined[best] > 0]
        reranked: list[SearchHit] = []
        for row in best:
            record = self._record(int(row))
            fields = (record.title, *record.terms)
            score = (
                0.35 * float(combined[row])
                + 0.5 * field_match(query_words, fields)
                + 0.15 * fuzzy_similarity(text, fields)
            )
            reranked.append(SearchHit(record, round(min(score, 1.0), 4)))
        reranked.sort(key=lambda hit: (-hit.score, len(hit.record.code), hit.record.code))
        return reranked[:top]

    def _code_hits(
        self, query: str, system: System | None, billable_only: bool, top: int
    ) -> list[SearchHit]:
        """A query that looks like a code (``E11.2``, ``99213``) lists the codes it starts."""
        if not (_CODE_LIKE.match(query) and any(ch.isdigit() for ch in query)):
            return []
        found = [r for r in self.with_prefix(query, system) if r.billable or not billable_only]
        key = normalize_code(query)
        found.sort(key=lambda r: (r.key != key, len(r.key), r.key))
        return [SearchHit(r, 1.0 if r.key == key else 0.99) for r in found[:top]]

    # ----------------------------------------------------------------- releases
    def icd10cm_release(self, fiscal_year: int) -> Icd10cmRelease | None:
        """The ICD-10-CM release of ``fiscal_year`` the index holds: its own (the one
        suggestions come from) or one loaded beside it; None when it holds none."""
        own = self.own_icd10cm_release()
        if own is not None and own.fiscal_year == fiscal_year:
            return own
        return self.releases.get(fiscal_year)

    def own_icd10cm_release(self) -> Icd10cmRelease | None:
        """The index's own ICD-10-CM release as a table of billable codes (built from the
        records on first use), None when its fiscal year is not known."""
        if self._own_release is None:
            version = next(
                (
                    v
                    for v in self.manifest.versions
                    if v.system is System.ICD10CM and v.source not in SUPPLEMENT_SOURCES
                ),
                None,
            )
            year = version.extra.get("xml_version", "") if version is not None else ""
            if version is None or not year.isdigit():
                return None
            # each row's normalised code is already in the sorted tables: reading them
            # takes a seventh of the time of normalising 175,000 codes again (on a process's
            # first note)
            chosen = ((self._systems == System.ICD10CM.value) & self._billable).tolist()
            titles = {
                key: self._rows[row][_TITLE_FIELD]
                for key, row in zip(self._sorted_keys, self._sorted_rows, strict=True)
                if chosen[row]
            }
            self._own_release = Icd10cmRelease(int(year), version.version, titles, version.file)
        return self._own_release

    # ------------------------------------------------------------ persistence
    @property
    def version(self) -> str:
        """Content hash of the artifact: the same sources always give the same version."""
        return self.manifest.index_version

    def save(self, root: Path) -> Path:
        """Write the artifact under ``root/<version>/`` and mark it current; returns its folder."""
        folder = root / self.version
        folder.mkdir(parents=True, exist_ok=True)
        payload = {
            "format_version": FORMAT_VERSION,
            "rows": self._rows,
            "groups": self.groups,
            "modifiers": self.modifiers,
            "lexical": self._lexical,
            "field_rows": self._field_rows,
            "sorted_keys": self._sorted_keys,
            "sorted_rows": self._sorted_rows,
            "systems": self._systems,
            "billable": self._billable,
            "children": self._children,
            "ncci": self.ncci,
            "group_notes": self.group_notes,
            "mue": self.mue,
            "releases": self.releases,
        }
        tmp = folder / (ARTIFACT_FILE + ".tmp")
        with tmp.open("wb") as handle:
            pickle.dump(payload, handle, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(folder / ARTIFACT_FILE)
        (folder / MANIFEST_FILE).write_text(json.dumps(self.manifest.to_json(), indent=2))
        pointer = root / (CURRENT_FILE + ".tmp")
        pointer.write_text(self.version + "\n")
        pointer.replace(root / CURRENT_FILE)
        return folder

    @classmethod
    def load(cls, folder: Path) -> CodeIndex:
        """Load one artifact folder (``root/<version>/``)."""
        artifact = folder / ARTIFACT_FILE
        if not artifact.is_file():
            raise IndexNotFoundError(f"no code index at {folder}")
        manifest = IndexManifest.from_json(json.loads((folder / MANIFEST_FILE).read_text()))
        with paused_gc(), artifact.open("rb") as handle:
            payload = pickle.load(handle)
        if payload.get("format_version") != FORMAT_VERSION:
            raise IndexNotFoundError(
                f"the code index at {folder} was written by another codesuggest version; "
                "rebuild it with `codesuggest index build`"
            )
        tables = RowTables(
            payload["sorted_keys"],
            payload["sorted_rows"],
            payload["systems"],
            payload["billable"],
            payload.get("children"),  # absent from artifacts written before it was stored
        )
        return cls(
            payload["rows"],
            manifest,
            payload["groups"],
            payload["modifiers"],
            payload["lexical"],
            payload["field_rows"],
            tables,
            payload["ncci"],
            payload["group_notes"],
            payload.get("mue"),  # absent from artifacts built before MUEs were loaded
            payload.get("releases"),  # absent from those built before releases were held
        )

    @staticmethod
    def current_folder(root: Path) -> Path:
        """The folder of the artifact marked current under ``root``."""
        pointer = root / CURRENT_FILE
        if not pointer.is_file():
            raise IndexNotFoundError(f"no code index has been built in {root}")
        return root / pointer.read_text().strip()

    def stats(self) -> dict[str, Any]:
        """Counts per system and source, and the code-set versions, for ``index stats``."""
        return {
            "index_version": self.version,
            "built_at": self.manifest.built_at,
            "counts": self.manifest.counts,
            "versions": self.manifest.to_json()["versions"],
            "modifiers": len(self.modifiers),
            "ncci_edits": self.ncci.counts(),
            "icd10cm_releases": {
                str(year): release.version for year, release in sorted(self.releases.items())
            },
            "mue_limits": dict(
                sorted(
                    Counter(
                        limit.setting for limits in self.mue.values() for limit in limits
                    ).items()
                )
            ),
        }


def rows_from_records(records: Sequence[CodeRecord]) -> list[tuple[Any, ...]]:
    """The tuple form records are stored in (systems as their string values)."""
    system_field = _SYSTEM_FIELD
    rows: list[tuple[Any, ...]] = []
    for record in records:
        values = [getattr(record, name) for name in _RECORD_FIELDS]
        values[system_field] = record.system.value
        rows.append(tuple(values))
    return rows
