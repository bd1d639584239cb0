"""What costs a US coder's trust in the list (issue 15): a "must not" code in the top 10
or a confident wrong code. The eleventh session's classes, on sentences written for these
tests after the benchmark's tuning notes: the unspecified code of a category offered beside
the specific code the note documents."""

from __future__ import annotations

import pytest

from suggest.suggester import Suggester
from tests.suggest.listed_codes import anywhere, ranked


# ------------------------------------------------ unspecified alternatives
@pytest.mark.parametrize(
    ("text", "sure", "unspecified"),
    [
        (
            "Assessment:\n1. Chronic diastolic heart failure, stable on furosemide.",
            "I50.32",
            "I50.9",
        ),
        ("Assessment: Persistent atrial fibrillation, rate controlled.", "I48.19", "I48.91"),
        ("Impression: Centrilobular emphysema.", "J43.2", "J43.9"),
    ],
)
def test_no_unspecified_alternative_beside_a_specific_code_the_model_is_sure_of(
    suggester: Suggester, text: str, sure: str, unspecified: str
) -> None:
    """A specific code read surely is documented: its category's unspecified code is no
    alternative a coder could report beside it (I.B.18), so it is not listed at all."""
    result = suggester.suggest(text, setting="outpatient")
    assert sure in [s.code for s in result.suggestions]
    assert unspecified not in anywhere(result)


# ------------------------------------ abbreviations of an eye or ear exam
EYE_EXAM = (
    "VA cc: OD 20/40, OS 20/25. IOP: OD 15, OS 17.\n"
    "SLE: 2+ nuclear sclerosis OU.\n"
    "VF 24-2: full OU.\n"
    "A/P: Age-related nuclear cataract OU - discussed surgery."
)
EAR_EXAM = (
    "Exam: AD: canal clear, TM intact. AS: impacted cerumen.\n"
    "Audiogram: normal hearing AU.\n"
    "A/P: Impacted cerumen AS - removed with curette."
)


@pytest.mark.parametrize(
    ("text", "never"),
    [
        (EYE_EXAM, ("M32.9", "M32.10", "M32.11", "I49.01")),  # lupus, ventricular fibrillation
        (EAR_EXAM, ("I35.0", "Q23.0")),  # aortic stenosis
        ("Plan: recheck in 6 weeks, PE tubes if the effusion persists.", ("I26.99", "I27.82")),
    ],
)
def test_an_eye_or_ear_exam_reads_its_own_abbreviations(
    suggester: Suggester, text: str, never: tuple[str, ...]
) -> None:
    """In a note that speaks of the eyes or the ears as only their examination does
    ("IOP", "OU"; "AU", "cerumen"), "SLE" is the slit-lamp exam, "VF" the visual field
    and "AS" the left ear: no lupus, ventricular fibrillation or aortic stenosis."""
    found = anywhere(suggester.suggest(text, setting="outpatient"))
    assert not set(never) & set(found)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Echo: severe AS, AVA 0.8 cm2. Referred for TAVR.", "I35.0"),
        ("A/P: SLE - continue hydroxychloroquine, annual eye exam.", "M32.9"),
        ("Cardiac arrest, VF on arrival, defibrillated x2.", "I49.01"),
    ],
)
def test_the_same_abbreviations_keep_their_sense_elsewhere(
    suggester: Suggester, text: str, code: str
) -> None:
    assert code in [s.code for s in suggester.suggest(text, setting="outpatient").suggestions]


# ------------------------------------------------ uncertain diagnoses (IV.H)
@pytest.mark.parametrize(
    ("text", "symptom", "doubted"),
    [
        ("Assessment: Dizziness - BPPV vs vestibular neuritis.", "R42", ("H81.10", "H81.20")),
        ("A/P: Cough, viral URI versus early sinusitis.", "R05.9", ("J06.9", "J01.90")),
    ],
)
def test_versus_doubts_the_diagnoses_it_weighs_not_the_symptom_before_them(
    suggester: Suggester, text: str, symptom: str, doubted: tuple[str, ...]
) -> None:
    """Outpatient, the symptom is coded and the diagnoses "vs" weighs are not (IV.H): the
    doubt stays in the clause that a dash or comma sets apart."""
    result = suggester.suggest(text, setting="outpatient")
    assert symptom in anywhere(result)
    assert not set(doubted) & {s.code for s in result.suggestions}


@pytest.mark.parametrize(
    ("text", "doubted", "kept"),
    [
        ("A/P: ? pneumonia - CXR ordered.", "J18.9", None),
        ("A/P: ?PNA - CXR ordered.", "J18.9", None),
        ("Dx: Cough ?pneumonia, CXR ordered.", "J18.9", "R05.9"),
        ("Assessment: Cough, c/f pneumonia.", "J18.9", "R05.9"),
        ("A/P: 1. Cough with fever - ? pneumonia. CXR ordered today.", "J18.9", "R50.9"),
    ],
)
def test_a_question_mark_or_concern_before_a_diagnosis_doubts_it(
    suggester: Suggester, text: str, doubted: str, kept: str | None
) -> None:
    """A "?" written before a diagnosis, or "c/f" (concern for), doubts it as "CHF?"
    does: outpatient it is not coded, and the symptom beside it is (IV.H)."""
    result = suggester.suggest(text, setting="outpatient")
    assert doubted not in anywhere(result)
    if kept is not None:
        assert kept in anywhere(result)


# ------------------------------------------- malignancies of no named site
@pytest.mark.parametrize(
    "text",
    [
        "Pathology: basal cell carcinoma, nodular type, R nasal ala. Plan Mohs.",
        "Preop dx: R breast cancer, upper outer quadrant, invasive ductal carcinoma, ER+.",
    ],
)
def test_a_bare_carcinoma_is_no_malignancy_of_unknown_site_beside_a_named_one(
    suggester: Suggester, text: str
) -> None:
    """C80.0 / C80.1 are for a record that names no site (guideline I.C.2.s): beside the
    malignancy of its named site they are set apart, not ranked."""
    result = suggester.suggest(text, setting="outpatient")
    assert not {"C80.0", "C80.1"} & set(anywhere(result))
    assert {"C80.0", "C80.1"} <= {s.code for s in result.not_coded}


def test_a_skin_malignancy_of_a_named_site_is_no_ill_defined_site(suggester: Suggester) -> None:
    """C76 (ill-defined sites: C76.0 "nose NOS") excludes the skin (C44.-): a basal cell
    carcinoma of the nasal ala is C44.311, read without the title's "skin", and C76.0
    is set apart beside it."""
    result = suggester.suggest(
        "Pathology: basal cell carcinoma, nodular type, R nasal ala. Plan Mohs.",
        setting="outpatient",
    )
    assert "C44.311" in [s.code for s in result.suggestions]
    assert "C76.0" not in anywhere(result)
    assert "C76.0" in {s.code for s in result.not_coded}


def test_a_pressure_ulcer_of_no_site_gives_way_to_the_sited_one(suggester: Suggester) -> None:
    # L89.9- "Pressure ulcer of unspecified site" is for a record that names none (I.B.18)
    result = suggester.suggest(
        "Assessment: 1. Unstageable pressure injury of sacrum. 2. Stage 2 pressure injury, R hip."
    )
    assert "L89.150" in [s.code for s in result.suggestions]
    assert "L89.95" not in anywhere(result)
    assert "L89.95" in {s.code for s in result.not_coded}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Assessment: SCC of skin, R forearm, well differentiated. Excision planned.", "C44.622"),
        ("Assessment: Malignant melanoma of L thigh, Breslow 0.6 mm.", "C43.72"),
    ],
)
def test_a_skin_neoplasm_of_a_limb_part_is_the_limb_s_code(
    suggester: Suggester, text: str, code: str
) -> None:
    # the titles name the limb ("... of right upper limb, including shoulder"), notes the part
    assert code in [s.code for s in suggester.suggest(text).suggestions]


def test_anemia_of_chronic_blood_loss_is_no_acute_posthemorrhagic_anemia(
    suggester: Suggester,
) -> None:
    """The Index's "Anemia, blood loss (chronic) D50.0; acute D62"."""
    text = "A/P: Iron deficiency anemia due to chronic GI blood loss - start ferrous sulfate."
    found = anywhere(suggester.suggest(text, setting="outpatient"))
    assert "D50.0" in found and "D62" not in found
    acute = suggester.suggest("Acute blood loss anemia after GI bleed, transfused 2 units.")
    assert "D62" in [s.code for s in acute.suggestions]


def test_the_cell_carcinoma_of_a_skin_cancer_is_no_kidney_cancer(suggester: Suggester) -> None:
    """The Index's "Carcinoma, renal cell" needs the kidney: "basal cell carcinoma" of
    the shoulder is no C64.9."""
    text = "Pathology: basal cell carcinoma, superficial type, L posterior shoulder."
    assert not [c for c in anywhere(suggester.suggest(text)) if c.startswith(("C64", "C65"))]
    kidney = suggester.suggest("Assessment: Renal cell carcinoma of the left kidney.")
    assert any(s.code.startswith("C64") for s in kidney.suggestions)


def test_an_unknown_primary_beside_its_metastasis_stays(suggester: Suggester) -> None:
    result = suggester.suggest(
        "Assessment: Liver metastases, unknown primary; metastatic carcinoma."
    )
    assert "C80.1" in anywhere(result)


@pytest.mark.parametrize(
    "text",
    [
        "Osteopenia - continue alendronate, Ca/vit D.",
        "Drug-induced osteoporosis - continue alendronate, Ca/D.",
        "Ca carbonate 600 mg BID.",
    ],
)
def test_ca_before_a_supplement_is_calcium(suggester: Suggester, text: str) -> None:
    assert not [c for c in anywhere(suggester.suggest(text)) if c.startswith("C")]


# ------------------------------------------ codes the reading cannot tell apart
def test_sides_the_note_does_not_name_are_not_listed_as_if_read(suggester: Suggester) -> None:
    """A stroke "with residual hemiplegia" reads each dominant side's I69.35- from the
    same words at the same ranker score; before the final layer read such ties
    (``tied_readings``), each was listed at 0.59 though at most one can be right. The
    note names no side: the unspecified side's code is what it documents (I.B.13)."""
    result = suggester.suggest(
        "82 yo F, stroke 2023 with residual hemiplegia, here for wound care of the sacrum.",
        setting="outpatient",
    )
    listed = ranked(result)
    assert "I69.359" in listed
    assert not {"I69.351", "I69.352", "I69.353", "I69.354"} & set(listed)
    # set apart by the coding rule, not only scored low: a refitted layer lifted them again
    assert {
        code.code for code in result.not_coded if [w for w in code.warnings if w.kind == "side"]
    } == {"I69.351", "I69.352", "I69.353", "I69.354"}
    named = suggester.suggest(
        "A/P: Right hemiplegia following cerebral infarction; patient is right handed."
    )
    assert ranked(named)[0] == "I69.351" and not named.not_coded


def test_a_statement_reading_of_several_sites_keeps_none_listed(suggester: Suggester) -> None:
    """A diagnosis of "puncture wounds" names no site: read as the hip's, thigh's, knee's,
    lower leg's, ankle's and foot's codes at one score, each was held listed at the floor
    as a statement code, six codes of which none is documented. They stay possible."""
    result = suggester.suggest(
        "CC: dog bite\nDx: Puncture wounds, initial encounter.", setting="outpatient"
    )
    assert not [code for code in ranked(result) if code.startswith("S")]
    assert [code for code in anywhere(result) if code.startswith(("S71", "S81", "S91"))]


def test_cva_tenderness_is_a_kidney_exam(suggester: Suggester) -> None:
    """ "CVA tenderness" is the costovertebral angle of a pyelonephritis, no stroke."""
    text = (
        "DISCHARGE SUMMARY\nPrincipal Dx: Acute pyelonephritis, right.\n"
        "HPI: 39F p/w 2 d fever, R flank pain and dysuria. CVA tenderness R.\n"
        "Hospital course: ceftriaxone, afebrile by day 2."
    )
    result = suggester.suggest(text, setting="inpatient")
    assert ranked(result)[0] == "N10"
    assert not [c for c in anywhere(result) if c.startswith("I63")]
    stroke = suggester.suggest("A/P: Acute CVA, L MCA territory - tPA given.")
    assert any(s.code.startswith("I63") for s in stroke.suggestions)
