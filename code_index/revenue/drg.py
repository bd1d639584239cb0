"""MS-DRG grouping of an inpatient stay's codes with msdrg (CMS's grouper logic): the
DRG and MDC, and for each secondary diagnosis whether it is a CC or an MCC and whether
the principal excludes it as one (a CC/MCC exclusion)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from msdrg import create_claim

from code_index.records import normalize_code
from code_index.revenue.encounter import Encounter
from code_index.revenue.engines import code_shaped, engines
from code_index.revenue.versions import grouper_version

Severity = Literal["MCC", "CC", "NONE"]


@dataclass(frozen=True, slots=True)
class GroupedDiagnosis:
    """A diagnosis as the grouper read it."""

    code: str
    role: Literal["principal", "secondary"]
    severity: Severity | None  # a secondary's own CC/MCC level; None for the principal
    excluded: bool = False  # a CC/MCC the principal excludes: it counts as neither
    affects_drg: bool = False  # the grouper used it for the final DRG


@dataclass(frozen=True, slots=True)
class GroupedProcedure:
    """An ICD-10-PCS procedure as the grouper read it."""

    code: str
    operating_room: bool
    affects_drg: bool


@dataclass(frozen=True, slots=True)
class DrgGrouping:
    """The MS-DRG a stay groups to. ``drg`` is None when the grouper could not group
    it (``return_code`` says why, e.g. an invalid principal)."""

    drg: int | None
    title: str | None
    mdc: int | None
    mdc_title: str | None
    severity: Severity  # the highest CC/MCC level the final DRG counted
    return_code: str  # "OK", or the grouper's reason it could not group
    version: str  # e.g. "MS-DRG v43.1"
    diagnoses: tuple[GroupedDiagnosis, ...]
    procedures: tuple[GroupedProcedure, ...] = ()
    version_note: str = ""


def group_stay(
    principal: str,
    secondaries: Sequence[str],
    encounter: Encounter,
    procedures: Sequence[str] = (),
) -> DrgGrouping:
    """Group a stay: ``principal`` and ``secondaries`` are ICD-10-CM codes, ``procedures``
    ICD-10-PCS codes, in any written form (dots or not). The grouper version is the one
    in force on the encounter's date of service."""
    version = grouper_version(encounter.day())
    if not code_shaped(principal):
        return DrgGrouping(
            drg=None,
            title=None,
            mdc=None,
            mdc_title=None,
            severity="NONE",
            return_code="INVALID_PDX",
            version=version.name,
            diagnoses=(GroupedDiagnosis(principal, "principal", None),),
            version_note=version.note,
        )
    # codes no code can look like are left out: the Code Editor flags them as invalid
    secondaries = [code for code in secondaries if code_shaped(code)]
    procedures = [code for code in procedures if code_shaped(code)]
    given = {normalize_code(code): code for code in (principal, *secondaries, *procedures)}
    secondary_keys = [
        key
        for key in dict.fromkeys(map(normalize_code, secondaries))
        if key != normalize_code(principal)
    ]
    claim = create_claim(
        version=version.number,
        age=encounter.grouper_age,
        sex=encounter.grouper_sex,
        discharge_status=encounter.grouper_discharge_status,
        pdx=normalize_code(principal),
        sdx=secondary_keys,
        procedures=list(dict.fromkeys(map(normalize_code, procedures))),
    )
    # codes from a note or a coder's list carry no present-on-admission indicators, without
    # which CMS's HAC step calls a stay with a HAC-listed secondary ungroupable: grouped
    # as a hospital exempt from POA reporting (no HAC adjustment), as the response says
    claim["hospital_status"] = "EXEMPT"
    result = engines().grouper.group(claim)
    by_code = {out["code"]: out for out in result.get("sdx_output", [])}
    diagnoses = [GroupedDiagnosis(principal, "principal", None, affects_drg=True)]
    for key in secondary_keys:
        out = by_code.get(key, {})
        flags = out.get("flags", [])
        diagnoses.append(
            GroupedDiagnosis(
                given.get(key, key),
                "secondary",
                _severity(out.get("severity")),
                excluded="EXCLUDED" in flags,
                affects_drg="MARKED_FOR_FINAL" in flags,
            )
        )
    return DrgGrouping(
        drg=result.get("final_drg"),
        title=result.get("final_drg_description"),
        mdc=result.get("final_mdc"),
        mdc_title=result.get("final_mdc_description"),
        severity=_severity(result.get("final_severity")),
        return_code=result.get("return_code", ""),
        version=version.name,
        diagnoses=tuple(diagnoses),
        procedures=tuple(
            GroupedProcedure(
                given.get(out["code"], out["code"]),
                bool(out.get("is_or")),
                out.get("drg_impact", "NONE") != "NONE",
            )
            for out in result.get("proc_output", [])
            if "code" in out  # msdrg leaves out the code of a procedure it cannot read
        ),
        version_note=version.note,
    )


def _severity(value: str | None) -> Severity:
    return value if value in ("MCC", "CC") else "NONE"  # type: ignore[return-value]
