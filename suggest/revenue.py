"""The revenue-integrity review of a code list: the MS-DRG of an inpatient stay with
each secondary's CC/MCC, the CMS-HCCs the list captures, Medicare Code Editor edits,
units over a Medically Unlikely Edit, codes not valid on the date of service, and
(from the note) DRG query opportunities: a suggested code whose more specific sibling
the note nearly supports and that would change the DRG, with the words still missing.

Used on a note's suggestions (:func:`with_revenue`, from the suggester) and on the
coder's current list (:func:`review_codes`, from the review page)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from functools import lru_cache

from code_index.index import CodeIndex
from code_index.loaders.mue import ADJUDICATION
from code_index.records import MUE_SETTING_NAMES, SUPPLEMENT_SOURCES, System, format_icd10cm
from code_index.revenue.code_sets import MCE_CODE_MASTER, OutdatedCode, check_codes, in_force
from code_index.revenue.drg import group_stay
from code_index.revenue.encounter import Encounter
from code_index.revenue.hcc import hcc_capture
from code_index.revenue.mce import PATIENT_KINDS, CodeEdit, acceptable_principal, list_edits
from code_index.revenue.mue import MueExcess, mue_excesses
from code_index.revenue.versions import fiscal_year, release_fiscal_year
from suggest.results import (
    CodeSetUsed,
    QueryOpportunity,
    Revenue,
    Suggestion,
    SuggestionResult,
    SuggestionWarning,
)
from suggest.setting import Setting
from suggest.terms import says_unspecified

QUERY_SIBLINGS = 3  # more specific siblings tried per suggested code, best supported first
QUERY_REGROUPINGS = 8  # regroupings a note at most (each ~0.2-1 ms)
_SEVERITY_RANK = {"NONE": 0, "CC": 1, "MCC": 2}  # a query never proposes a lower severity
_WORD = re.compile(r"[a-z]+")
_NONESSENTIAL = re.compile(r"\([^)]*\)")  # "(congestive)": words a title does not need
# title words that tell nothing apart (or are the tabular's own wording)
_STOP_WORDS = frozenset(
    "and or with without due the for not other specified unspecified than from site "
    "type elsewhere classified".split()
)


def review_codes(
    index: CodeIndex,
    diagnoses: Sequence[str],
    encounter: Encounter,
    inpatient: bool,
    procedures: Sequence[str] = (),
    units: Mapping[str, int] | None = None,
    alternatives: Sequence[str] = (),
) -> Revenue:
    """The review of a code list as the coder holds it: ICD-10-CM ``diagnoses`` in
    reporting order, ICD-10-PCS ``procedures`` (grouped when ``inpatient``) and the units
    of each CPT/HCPCS code (checked against the MUEs). ``alternatives`` are diagnoses
    offered instead of listed ones: checked like them, never grouped."""
    checked, code_set = _dated(index, encounter)
    principal = _principal(diagnoses, checked) if inpatient else None
    every = [*diagnoses, *alternatives]
    warnings: dict[str, list[SuggestionWarning]] = {}
    for code, edits in list_edits(every, principal, checked).items():
        warnings.setdefault(code, []).extend(_mce_warning(edit, checked) for edit in edits)
    outdated = (
        check_codes(every, checked, index).outdated if encounter.date_of_service is not None else ()
    )
    for found in outdated:
        warnings.setdefault(found.code, []).append(_outdated_warning(found))
    for excess in mue_excesses(index, units or {}):
        warnings.setdefault(excess.code, []).append(_mue_warning(excess))
    conflicting = {code for code, found in warnings.items() if _conflicts(found)}
    # a code that conflicts with the patient is left out of what the stay groups to
    kept = [code for code in dict.fromkeys(diagnoses) if code not in conflicting]
    if principal is not None and principal not in kept:
        kept.insert(0, principal)
    drg = None
    if inpatient and principal is not None:
        equivalents = {o.code: o.equivalent for o in outdated if o.equivalent}
        grouped = [equivalents.get(code, code) for code in kept]
        drg = group_stay(
            equivalents.get(principal, principal),
            [code for code in grouped if code != equivalents.get(principal, principal)],
            checked,
            procedures,
        )
        code_set = replace(code_set, grouper=drg.version, note=drg.version_note or code_set.note)
    assumed = encounter.assumed()
    if encounter.date_of_service is None:
        assumed["date_of_service"] = f"{code_set.date_of_service} (the index's ICD-10-CM release)"
    return Revenue(
        code_set=code_set,
        assumed=assumed,
        principal=principal,
        drg=drg,
        hcc=hcc_capture(kept, checked) if kept else None,
        warnings=warnings,
    )


def with_revenue(
    result: SuggestionResult, index: CodeIndex, text: str, encounter: Encounter
) -> SuggestionResult:
    """A note's result with its revenue review: warnings on the suggestions they concern,
    codes that conflict with the patient's age or sex moved after the plausible ones, and
    DRG query opportunities from the note's words (inpatient)."""
    reported = [s for s in result.suggestions if not _is_alternative(s)]
    diagnoses = [s.code for s in reported if s.system == System.ICD10CM.value]
    alternatives = [
        s.code
        for s in result.ranking()  # alternatives have no probability: listed as possible
        if _is_alternative(s) and s.system == System.ICD10CM.value
    ]
    procedures = [s.code for s in reported if s.system == System.ICD10PCS.value]
    services = {
        s.code: s.units or 1  # the units the note states beside the service, else one
        for s in reported
        if s.system in (System.CPT.value, System.HCPCS.value)
    }
    inpatient = result.setting is Setting.INPATIENT
    revenue = review_codes(
        index, diagnoses, encounter, inpatient, procedures, services, alternatives
    )
    if revenue.drg is not None and revenue.drg.return_code == "OK":
        opportunities = _query_opportunities(index, text, result.suggestions, revenue, encounter)
        revenue = replace(revenue, query_opportunities=tuple(opportunities))
    suggestions = [_with_warnings(s, revenue) for s in result.suggestions]
    plausible = [s for s in suggestions if not _conflicts(s.warnings)]
    suggestions = plausible + [s for s in suggestions if _conflicts(s.warnings)]
    return replace(result, suggestions=suggestions, revenue=revenue)


# ----------------------------------------------------------------------- helpers
def _dated(index: CodeIndex, encounter: Encounter) -> tuple[Encounter, CodeSetUsed]:
    """The encounter with the date the review uses (the date of service, else the date
    the index's ICD-10-CM release took effect) and the code sets that date selects."""
    release = next(
        (
            v
            for v in index.manifest.versions
            if v.system is System.ICD10CM and v.source not in SUPPLEMENT_SOURCES
        ),
        None,
    )
    index_name = release.version if release is not None else "unknown"
    day = encounter.date_of_service
    note = ""
    if day is None:
        effective = release.effective if release is not None else None
        day = date.fromisoformat(effective) if effective else date.today()
        note = "no date of service given: reviewed as of the index's ICD-10-CM release"
    held = in_force(index, day)
    year = f"FY{fiscal_year(day)}"
    checked_against = ""  # no date of service: no validity check (the note says so)
    if encounter.date_of_service is not None:
        checked_against = f"{held.version}, held in the index" if held else MCE_CODE_MASTER
        if release_fiscal_year(index_name) != fiscal_year(day):
            note = (
                f"suggestions come from the index's {index_name} code set; codes not valid "
                f"on {day.isoformat()} are flagged with their {year} equivalent"
            )
    return replace(encounter, date_of_service=day), CodeSetUsed(
        day.isoformat(),
        year,
        index_name,
        checked_against=checked_against,
        note=note,
    )


def _principal(diagnoses: Sequence[str], encounter: Encounter) -> str | None:
    """The coder's principal diagnosis, else the first listed code the Code Editor
    accepts as principal for this patient (else simply the first)."""
    if encounter.principal:
        return format_icd10cm(encounter.principal)
    for code in dict.fromkeys(diagnoses):
        if acceptable_principal(code, encounter):
            return code
    return diagnoses[0] if diagnoses else None


def _conflicts(warnings: Sequence[SuggestionWarning]) -> bool:
    return any(w.kind in PATIENT_KINDS for w in warnings)


def _is_alternative(suggestion: Suggestion) -> bool:
    return any(w.kind == "alternative" for w in suggestion.warnings)


def _with_warnings(suggestion: Suggestion, revenue: Revenue) -> Suggestion:
    found = list(revenue.warnings.get(suggestion.code, ()))
    found += [
        _query_warning(opportunity)
        for opportunity in revenue.query_opportunities
        if opportunity.code == suggestion.code
    ]
    if not found:
        return suggestion
    return replace(suggestion, warnings=(*suggestion.warnings, *found))


_MCE_MESSAGES = {
    "mce_age": "{code} conflicts with the patient's age ({age}) under the Medicare Code "
    "Editor: check the code and the patient's age.",
    "mce_sex": "{code} conflicts with the patient's sex ({sex}) under the Medicare Code "
    "Editor{as_of}: check the code and the patient's sex.",
    "mce_manifestation": "{code} is a manifestation code and cannot be the principal "
    "diagnosis (Medicare Code Editor): sequence the underlying condition first.",
    "mce_unacceptable_principal": "{code} is unacceptable as the principal diagnosis "
    "(Medicare Code Editor): choose the condition that occasioned the admission.",
    "mce_external_cause_principal": "{code} is an external cause code and cannot be the "
    "principal diagnosis (Medicare Code Editor).",
    "mce_questionable_admission": "{code} as principal diagnosis is a questionable admission "
    "under the Medicare Code Editor: check that it occasioned the stay.",
}


def _mce_warning(edit: CodeEdit, encounter: Encounter) -> SuggestionWarning:
    as_of = (
        f" as of {edit.as_of.isoformat()} (CMS removed the sex edit from the MCE from FY2025)"
        if edit.as_of
        else ""
    )
    message = _MCE_MESSAGES[edit.kind].format(
        code=edit.code, age=encounter.age, sex=encounter.sex, as_of=as_of
    )
    return SuggestionWarning(edit.kind, message, (edit.code,))


_EQUIVALENT_BASIS = {
    "conversion table": "CMS's FY conversion table",
    "hierarchy": "the nearest code of that release",
}


def _outdated_warning(found: OutdatedCode) -> SuggestionWarning:
    title = f" ({found.equivalent_title})" if found.equivalent_title else ""
    instead = (
        f"report {found.equivalent}{title} for that date ({_EQUIVALENT_BASIS[found.basis]})"
        if found.equivalent
        else "no equivalent is known: choose a code valid on that date"
    )
    return SuggestionWarning(
        "code_date",
        f"{found.code} is not a valid ICD-10-CM code on {found.day.isoformat()} "
        f"(FY{found.fiscal_year} code set); {instead}.",
        (found.code, *([found.equivalent] if found.equivalent else [])),
    )


def _mue_warning(excess: MueExcess) -> SuggestionWarning:
    rationale = f"; {excess.rationale}" if excess.rationale else ""
    return SuggestionWarning(
        "mue",
        f"MUE: {excess.units} units of {excess.code} exceed the "
        f"{MUE_SETTING_NAMES.get(excess.setting, excess.setting)} MUE of {excess.limit} "
        f"(adjudication indicator {excess.adjudication}: "
        f"{ADJUDICATION[excess.adjudication]}{rationale}).",
        (excess.code,),
    )


def _query_warning(opportunity: QueryOpportunity) -> SuggestionWarning:
    missing = ", ".join(opportunity.words_missing)
    return SuggestionWarning(
        "drg_query",
        f"Query opportunity: the note nearly supports {opportunity.specific_code} "
        f"({opportunity.specific_title}), which would group to DRG "
        f"{opportunity.drg_with_specific} instead of {opportunity.drg}; words missing: "
        f"{missing}.",
        (opportunity.code, opportunity.specific_code),
    )


def _title_words(title: str) -> list[str]:
    words = _WORD.findall(_NONESSENTIAL.sub(" ", title.lower()))
    return [w for w in dict.fromkeys(words) if len(w) > 2 and w not in _STOP_WORDS]


@lru_cache(maxsize=8192)
def _siblings(index: CodeIndex, code: str) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """The billable codes under ``code``'s parent (I50.21, I50.23... for I50.9), each with
    its title and the title words that set it apart from ``code`` (cached: a code's
    siblings are read for every note that suggests it)."""
    record = index.get(code, System.ICD10CM)
    parent = index.parent(record) if record is not None else None
    if record is None or parent is None:
        return ()
    own = set(_title_words(record.title))
    return tuple(
        (sibling.code, sibling.title, distinct)
        for sibling in index.with_prefix(parent.key, System.ICD10CM)
        if sibling.billable
        and sibling.key[:6] != record.key[:6]  # not a 7th character: the encounter, not detail
        and (distinct := tuple(w for w in _title_words(sibling.title) if w not in own))
    )


def _query_opportunities(
    index: CodeIndex,
    text: str,
    suggestions: Sequence[Suggestion],
    revenue: Revenue,
    encounter: Encounter,
) -> list[QueryOpportunity]:
    """For each grouped ICD-10-CM code the note leaves unspecified, the sibling under its
    parent whose distinguishing title words the note partly has (the most first) and
    that would change the DRG, without lowering its severity, if reported instead. Once
    the stay has an MCC no secondary can raise it, so only the principal is tried then;
    at most ``QUERY_REGROUPINGS`` regroupings a note, the best supported first."""
    drg = revenue.drg
    assert drg is not None and revenue.principal is not None
    grouped = [d.code for d in drg.diagnoses]
    vague = {s.code for s in suggestions if any(w.kind == "specificity" for w in s.warnings)}
    note_words = set(_WORD.findall(text.lower()))
    tried = grouped[:1] if drg.severity == "MCC" else grouped
    candidates: list[tuple[float, str, str, str, list[str], list[str]]] = []
    for code in tried:
        record = index.get(code, System.ICD10CM)
        if record is None or not (code in vague or says_unspecified(record)):
            continue
        scored = []
        for sibling, title, distinct in _siblings(index, code):
            if sibling in grouped:
                continue
            present = [w for w in distinct if w in note_words]
            missing = [w for w in distinct if w not in note_words]
            if present and missing:  # nearly supported: some of its words, not all
                scored.append(
                    (len(present) / len(distinct), code, sibling, title, present, missing)
                )
        scored.sort(key=lambda item: (-item[0], item[2]))
        candidates += scored[:QUERY_SIBLINGS]
    candidates.sort(key=lambda item: -item[0])  # stable: codes keep their list order on ties
    dated = replace(encounter, date_of_service=date.fromisoformat(revenue.code_set.date_of_service))
    procedures = [p.code for p in drg.procedures]
    found: list[QueryOpportunity] = []
    for _share, code, specific, title, present, missing in candidates[:QUERY_REGROUPINGS]:
        if any(o.code == code for o in found):
            continue  # one query a code: the best supported sibling that changes the DRG
        swapped = [specific if c == code else c for c in grouped]
        regrouped = group_stay(swapped[0], swapped[1:], dated, procedures)
        if (
            regrouped.drg is not None
            and regrouped.drg != drg.drg
            and _SEVERITY_RANK[regrouped.severity] >= _SEVERITY_RANK[drg.severity]
        ):
            found.append(
                QueryOpportunity(
                    code,
                    specific,
                    title,
                    drg.drg,
                    regrouped.drg,
                    regrouped.title,
                    tuple(present),
                    tuple(missing),
                )
            )
    return found
