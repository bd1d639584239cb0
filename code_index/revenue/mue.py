"""Units over a Medically Unlikely Edit: which codes of a list, at the units given,
exceed the MUE loaded for them (none unless MUE tables were loaded into the index)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from code_index.index import CodeIndex
from code_index.records import normalize_code


@dataclass(frozen=True, slots=True)
class MueExcess:
    """``units`` of ``code`` are more than the ``limit`` CMS allows in ``setting``."""

    code: str
    units: int
    limit: int
    setting: str  # "practitioner", "hospital" or "dme"
    adjudication: str  # "1", "2" or "3" (see code_index.loaders.mue.ADJUDICATION)
    rationale: str


def mue_excesses(index: CodeIndex, units: Mapping[str, int]) -> list[MueExcess]:
    """Each code of ``units`` (code -> units reported) over one of its MUEs, once per
    setting whose MUE it exceeds."""
    found: list[MueExcess] = []
    for code, count in units.items():
        for limit in index.mue.get(normalize_code(code), ()):
            if count > limit.limit:
                found.append(
                    MueExcess(
                        code, count, limit.limit, limit.setting, limit.adjudication, limit.rationale
                    )
                )
    return found
