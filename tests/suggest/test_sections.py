"""Section headings on a realistic note, and the rules that decide what is a heading."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import pytest
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from suggest.tokenizer import TOKENIZER

NOTE = """Patient seen in the ED with her daughter.
CHIEF COMPLAINT: chest pain
HISTORY OF PRESENT ILLNESS: 58 yo F with h/o HTN/DM presents with chest pain x 2 days.
PMH: HTN, DM2. PSH: appendectomy 2010.
FAMILY HISTORY
Mother had breast cancer. Father with MI at 60.
SH: former smoker
Meds: lisinopril 10mg daily, metformin 500mg b.i.d.
Allergies: NKDA
ROS: negative for fever.
PE
Vitals: BP 130/80, HR 88, T 38.2C, SpO2 94%
Exam: lungs clear.
Labs: troponin 0.02
IMAGING: CXR without infiltrate
  Assessment/Plan:
1. Chest pain, r/o MI - serial troponins.
A/P: see above. The plan was discussed with the patient.
Discharge Diagnoses: unstable angina
"""

EXPECTED = [
    ("chief_complaint", "CHIEF COMPLAINT"),
    ("history_of_present_illness", "HISTORY OF PRESENT ILLNESS"),
    ("past_medical_history", "PMH"),
    ("past_surgical_history", "PSH"),
    ("family_history", "FAMILY HISTORY"),
    ("social_history", "SH"),
    ("medications", "Meds"),
    ("allergies", "Allergies"),
    ("review_of_systems", "ROS"),
    ("vital_signs", "Vitals"),
    ("physical_exam", "Exam"),
    ("labs", "Labs"),
    ("imaging", "IMAGING"),
    ("assessment_and_plan", "Assessment/Plan"),
    ("assessment_and_plan", "A/P"),
    ("diagnoses", "Discharge Diagnoses"),
]


@pytest.fixture(scope="module")
def nlp() -> Language:
    nlp = spacy.blank("en", config={"nlp": {"tokenizer": {"@tokenizers": TOKENIZER}}})
    nlp.add_pipe("codesuggest_sentences")
    nlp.add_pipe("codesuggest_sections")
    return nlp


def section_of(doc: Doc, phrase: str) -> str | None:
    start = doc.text.index(phrase)
    span = doc.char_span(start, start + len(phrase))
    assert span is not None
    keys = {token._.section for token in span}
    assert len(keys) == 1, keys
    return keys.pop()


def test_headings_found_in_order(nlp: Language) -> None:
    doc = nlp(NOTE)
    assert [(s.key, s.heading) for s in doc._.sections] == EXPECTED


def test_sections_tile_the_note_from_the_first_heading(nlp: Language) -> None:
    doc = nlp(NOTE)
    sections = doc._.sections
    assert sections[0].start_char == NOTE.index("CHIEF COMPLAINT")
    assert all(a.end_char == b.start_char for a, b in pairwise(sections))
    assert sections[-1].end_char == len(NOTE)
    assert all(NOTE[s.start_char :].startswith(s.heading) for s in sections)


def test_tokens_carry_their_section(nlp: Language) -> None:
    doc = nlp(NOTE)
    assert section_of(doc, "her daughter") is None  # before the first heading
    assert section_of(doc, "CHIEF COMPLAINT") == "chief_complaint"  # the heading itself
    assert section_of(doc, "58 yo F") == "history_of_present_illness"
    assert section_of(doc, "DM2") == "past_medical_history"
    assert section_of(doc, "appendectomy") == "past_surgical_history"
    assert section_of(doc, "breast cancer") == "family_history"
    assert section_of(doc, "Father with MI") == "family_history"
    assert section_of(doc, "metformin") == "medications"
    assert section_of(doc, "negative for fever") == "review_of_systems"
    assert section_of(doc, "SpO2") == "vital_signs"
    assert section_of(doc, "serial troponins") == "assessment_and_plan"
    assert section_of(doc, "unstable angina") == "diagnoses"


@pytest.mark.parametrize(
    ("heading", "key"),
    [
        ("Medical hx", "past_medical_history"),
        ("Psychiatric hx", "past_medical_history"),
        ("Psych hx", "past_medical_history"),
        ("Interval hx", "history_of_present_illness"),
    ],
)
def test_short_history_headings(nlp: Language, heading: str, key: str) -> None:
    """Written "hx" as often as "history": "Medical hx: asthma, IBS." at a dermatology
    visit was no section, so its conditions were listed as if the visit addressed them."""
    doc = nlp(f"DERMATOLOGY CLINIC\nCC: rash\n{heading}: asthma, IBS.\nA/P: Contact dermatitis.\n")
    assert section_of(doc, "asthma, IBS") == key


def test_a_soap_note_s_one_letter_headings(nlp: Language) -> None:
    """'A: Acute suppurative otitis media, left ear.' after an 'Exam:' line was read as
    the exam's: the diagnosis as a finding, a chief complaint's rhinorrhea ranked first.
    A letter alone on its line, or inside a sentence, is no heading."""
    doc = nlp(
        "PEDS SICK VISIT\nS: pulling L ear x 2 days, +rhinorrhea.\nO: L TM bulging.\n"
        "A: Acute suppurative otitis media, left ear.\nP: amoxicillin x 10 days.\n"
    )
    assert section_of(doc, "pulling L ear") == "history_of_present_illness"
    assert section_of(doc, "L TM bulging") == "physical_exam"
    assert section_of(doc, "Acute suppurative otitis media") == "assessment"
    assert section_of(doc, "amoxicillin") == "plan"
    assert nlp("Vitamin A\nGrade A: mild.")._.sections == ()


def test_a_family_history_heading_run_into_its_text_holds_its_line_only(
    nlp: Language,
) -> None:
    """Narrative notes name the family history on one line and go on with the patient."""
    text = (
        "A 59-year-old man with weakness of the legs.\n"
        "Family history: deceased uncle with amyotrophic lateral sclerosis.\n"
        "Lingual fasciculations.\n"
        "HPI: pain in the legs.\n"
        "Family history: mother with asthma.\n"
        "He has diabetes.\n"
    )
    doc = nlp(text)
    assert section_of(doc, "deceased uncle") == "family_history"
    assert section_of(doc, "Lingual fasciculations") is None
    assert section_of(doc, "mother with asthma") == "family_history"
    assert section_of(doc, "He has diabetes") == "history_of_present_illness"  # resumes
    # a heading alone on its line still holds the lines below it (NOTE: "Father with MI")
    assert section_of(nlp(NOTE), "Father with MI") == "family_history"


def test_not_headings(nlp: Language) -> None:
    """PE alone on a line needs a colon (it may be pulmonary embolism); "plan" and
    "family history" inside a sentence are words, not headings."""
    doc = nlp(NOTE)
    assert "PE" not in [s.heading for s in doc._.sections]
    assert section_of(doc, "The plan was discussed") == "assessment_and_plan"
    doc = nlp("Her family history: unknown. She has a plan.\nplan to discharge")
    assert doc._.sections == ()


@pytest.mark.parametrize(
    "title",
    [
        "CTA CHEST (PULMONARY EMBOLISM PROTOCOL)",
        "HOME HEALTH WOUND NOTE (SNF transfer follow-up)",
        "ENDO - thyroid cancer surveillance",  # the specialty in capitals before a dash
    ],
)
def test_a_title_line_in_capitals_is_the_title(nlp: Language, title: str) -> None:
    doc = nlp(f"{title}\nIndication: chest pain.\nImpression: No pulmonary embolism.")
    assert doc._.sections[0] == (0, len(title), "title", "")
    assert section_of(doc, "chest pain") == "indication"


@pytest.mark.parametrize(
    "note",
    [
        "Patient seen in the ED with her daughter.\nHPI: chest pain.",  # a sentence
        "EXAM: CT HEAD\nImpression: normal.",  # a heading's line
        "Pneumonia.",
        "BP - 132/78 at home, HPI: headache.",  # a colon: no title
        "CT scan - no acute findings.\nImpression: normal.",  # a sentence after the dash
    ],
)
def test_a_first_line_that_is_no_title(nlp: Language, note: str) -> None:
    assert "title" not in [s.key for s in nlp(note)._.sections]


def test_inline_headings_can_be_switched_off() -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("codesuggest_sections", config={"inline_headings": False})
    doc = nlp("PMH: HTN. PSH: appendectomy.")
    assert [s.key for s in doc._.sections] == ["past_medical_history"]


def test_rules_come_from_a_file(tmp_path: Path) -> None:
    rules = tmp_path / "sections.json"
    rules.write_text(
        json.dumps({"needs_colon": [], "sections": [{"key": "wound", "headings": ["wound care"]}]})
    )
    nlp = spacy.blank("en")
    nlp.add_pipe("codesuggest_sections", config={"rules_path": str(rules)})
    doc = nlp("WOUND CARE\nDaily dressing.\nPMH: HTN")
    assert [(s.key, s.heading) for s in doc._.sections] == [("wound", "WOUND CARE")]
