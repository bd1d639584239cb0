"""One record type for every code system, so search, validity checks and the
suggest pipeline never branch on where a code came from."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple


class System(StrEnum):
    """The code systems codesuggest indexes (values are the CLI/API spellings)."""

    ICD10CM = "icd10cm"
    ICD10PCS = "icd10pcs"
    CPT = "cpt"
    HCPCS = "hcpcs"


@dataclass(frozen=True, slots=True)
class CodeRecord:
    """A code as a coder sees it: title, synonyms, place in the hierarchy and,
    for ICD-10-CM, the tabular instructions that govern how it may be reported.

    Instruction fields hold the note text as the source writes it, e.g.
    ``"type 1 diabetes mellitus (E10.-)"``; ``code_index.validity`` reads the
    code references out of them. Instructions are stored where the tabular list
    states them (often the category); validity checks walk the ancestors.
    """

    code: str  # as written in the code set: "E11.22", "0DTJ4ZZ", "99213", "J1100"
    system: System
    title: str
    source: str  # e.g. "cdc-tabular", "cms-hcpcs", "ama-cpt", "cms-pcs", "starter"
    short_title: str | None = None
    terms: tuple[str, ...] = ()  # inclusion terms, index terms, synonyms
    billable: bool = True
    parent: str | None = None  # code of the parent record in the same system
    chapter: str | None = None  # e.g. "4"; titles in CodeIndex.groups
    block: str | None = None  # e.g. "E08-E13"; titles in CodeIndex.groups
    excludes1: tuple[str, ...] = ()
    excludes2: tuple[str, ...] = ()
    code_first: tuple[str, ...] = ()
    use_additional: tuple[str, ...] = ()
    code_also: tuple[str, ...] = ()
    # 7th characters a code needs, char -> meaning; set where the tabular defines them
    seventh_characters: tuple[tuple[str, str], ...] = ()
    active: bool = True  # False for terminated HCPCS/CPT codes
    terminated_on: str | None = None  # ISO date when the source gives one

    @property
    def key(self) -> str:
        """The code with no dot and in upper case: how lookups match codes."""
        return normalize_code(self.code)

    @property
    def category(self) -> str | None:
        """The 3-character ICD-10-CM category (``E11`` for ``E11.22``)."""
        if self.system is System.ICD10CM:
            return self.key[:3]
        return None


@dataclass(frozen=True, slots=True)
class CodeSetVersion:
    """Which release of a code set the index holds, so every suggestion can say
    which code set it was made against."""

    system: System
    version: str  # e.g. "FY2026 (April 1, 2026)"
    source: str  # e.g. "cdc-tabular", "starter"
    effective: str | None = None  # ISO date the release takes effect
    file: str | None = None  # where it was read from (file name only)
    extra: dict[str, str] = field(default_factory=dict)


# how each setting of the NCCI PTP edits is named to a coder
NCCI_SETTING_NAMES: dict[str, str] = {
    "practitioner": "practitioner",
    "hospital": "outpatient hospital",
}


class PtpEdit(NamedTuple):
    """A CMS NCCI procedure-to-procedure edit in force: ``column2`` reported with
    ``column1`` for one patient and date is denied unless ``modifier_allowed`` and a
    PTP-associated modifier shows a distinct service. Codes are normalised (no dots,
    upper case); dates are ISO."""

    column1: str
    column2: str
    modifier_allowed: bool
    rationale: str  # CMS's PTP edit rationale, e.g. "Mutually exclusive procedures"
    setting: str  # "practitioner" or "hospital" (outpatient hospital)
    effective: str
    deleted: str | None = None  # a deletion date still ahead of the as-of date


# how each setting of CMS's Medically Unlikely Edits is named to a coder
MUE_SETTING_NAMES: dict[str, str] = {
    "practitioner": "practitioner",
    "hospital": "outpatient hospital",
    "dme": "DME supplier",
}


class MueLimit(NamedTuple):
    """A CMS Medically Unlikely Edit: the most units of ``code`` one provider reports for
    one patient on one date of service (or one claim line) in ``setting``."""

    code: str  # normalised
    setting: str  # "practitioner", "hospital" (outpatient hospital) or "dme"
    limit: int
    adjudication: str  # "1" line edit, "2" date of service (policy), "3" date of service (clinical)
    rationale: str  # CMS's MUE rationale, e.g. "Anatomic Consideration"


@dataclass(frozen=True, slots=True)
class Icd10cmRelease:
    """One fiscal year's ICD-10-CM billable codes and their titles: what a date of
    service in that year (October 1 to September 30) is checked against. The index's own
    release is one; others are held beside it (``index build --icd10cm-release``)."""

    fiscal_year: int
    version: str  # e.g. "FY2025", "FY2026 (April 1, 2026)"
    titles: dict[str, str]  # normalised billable code -> title
    file: str | None = None

    def valid(self, code: str) -> bool:
        """Whether ``code`` (any written form) is a billable code of this release."""
        return normalize_code(code) in self.titles

    def title(self, code: str) -> str | None:
        """The release's title for ``code``, None when it is not a code of the release."""
        return self.titles.get(normalize_code(code))

    def nearest(self, code: str) -> str | None:
        """The release's code nearest ``code`` in the hierarchy: the first code that
        extends it (a code that was expanded: B88.0 -> B88.01), else the longest code it
        extends (a new, more specific code: B88.01 -> B88.0); normalised, or None."""
        key = normalize_code(code)
        longer = min((k for k in self.titles if k.startswith(key) and k != key), default=None)
        if longer is not None:
            return longer
        return next(
            (key[:end] for end in range(len(key) - 1, 2, -1) if key[:end] in self.titles), None
        )


# Sources that add to a code set rather than being one (Alphabetic Index terms, NCCI and
# MUE edits, other years' ICD-10-CM releases): listed among an index's versions, left out
# of "which code set" answers.
SUPPLEMENT_SOURCES = frozenset({"cdc-index", "cms-ncci-ptp", "cms-mue", "icd10cm-release"})

_NOT_CODE_CHARS = re.compile(r"[\s.\-]")


@lru_cache(maxsize=1 << 16)
def normalize_code(code: str) -> str:
    """Lookup key for a code typed any way a coder might: ``e11.22`` → ``E1122``. Kept
    once worked out: a note's validity checks, revenue review and look-ups ask it of the
    same few hundred codes ~300 times a note."""
    return _NOT_CODE_CHARS.sub("", code).upper()


def format_icd10cm(key: str) -> str:
    """ICD-10-CM display form: a dot after the category (``E1122`` → ``E11.22``)."""
    key = normalize_code(key)
    return key if len(key) <= 3 else f"{key[:3]}.{key[3:]}"
