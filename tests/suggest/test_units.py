"""Units read from a note beside the service's own phrase, and the MUE check they feed:
known answers on note sentences as providers write them."""

from __future__ import annotations

import pytest

from suggest.results import Evidence
from suggest.suggester import Suggester
from suggest.units import stated_units

INJECTION = "Injection of a drug under the skin or into a muscle"


def _units(text: str, phrase: str, title: str = INJECTION) -> tuple[int, str] | None:
    start = text.index(phrase)
    found = stated_units(text, [Evidence(start, start + len(phrase), phrase, None)], title)
    return None if found is None else (found[0], found[1].text)


@pytest.mark.parametrize(
    ("text", "phrase", "expected"),
    [
        (
            "Procedure: trigger point injection x3 to the trapezius.",
            "trigger point injection",
            (3, "x3"),
        ),
        ("Procedure: trigger point injection (x 2).", "trigger point injection", (2, "x 2")),
        (
            "Performed 3 trigger point injections today.",
            "trigger point injections",
            (3, "3 trigger point"),
        ),
        ("Botox 100 units injected into the bladder wall.", "Botox", (100, "100 units")),
        ("Destruction of warts, three lesions.", "Destruction of warts", (3, "three lesions")),
        ("Excision of 2 lesions of the back.", "Excision of 2 lesions", (2, "2 lesions")),
        ("Venipuncture \u00d7 2 for cultures.", "Venipuncture", (2, "\u00d7 2")),
    ],
)
def test_a_count_beside_the_service_is_its_units(
    text: str, phrase: str, expected: tuple[int, str]
) -> None:
    assert _units(text, phrase) == expected


@pytest.mark.parametrize(
    ("text", "phrase"),
    [
        ("1. Trigger point injection. Lidocaine 5 mg.", "Trigger point injection"),  # list, dose
        ("Knee injection. Return in 3 weeks.", "Knee injection"),  # another sentence's number
        ("Vitals: HR 88. Arthrocentesis of the knee.", "Arthrocentesis"),  # a vital sign
        ("Knee injection with 40 mg triamcinolone.", "Knee injection"),  # a dose
        ("Venipuncture.\n3 tubes sent.", "Venipuncture"),  # the next line
        # found on the US tuning notes: a date, a name, a duration, what the code counts
        ("Procedures: 04/13 CT-guided drainage.", "CT-guided drainage"),
        ("COVID-19 PCR positive.", "PCR"),
        ("Purulent drainage x 3 days. I&D performed.", "Purulent drainage"),
        ("X-ray R knee 3 views today.", "X-ray R knee"),
        ("Laceration repaired with 6 sutures.", "sutures"),
    ],
)
def test_a_number_that_is_not_a_count_of_the_service_is_not_read(text: str, phrase: str) -> None:
    assert _units(text, phrase) is None


def test_a_code_whose_title_fixes_its_units_reads_no_count() -> None:
    # 45380 is one unit for any number of biopsies
    text = "Colonoscopy with biopsy of two polyps."
    assert _units(text, "biopsy", "Colonoscopy with biopsy, single or multiple") is None
    assert _units(text, "biopsy") == (2, "two polyps")
    # a drug per dose counts milligrams, not treatments
    nebs = "Albuterol nebulizer x 3 back-to-back."
    assert _units(nebs, "Albuterol nebulizer", "Albuterol inhalation solution, per 1 mg") is None


def test_units_reach_the_suggestion_and_its_mue_warning(ncci_suggester: Suggester) -> None:
    note = "Procedure: venipuncture x3 for blood cultures."
    result = ncci_suggester.suggest(note)
    (draw,) = [s for s in result.suggestions if s.code == "36415"]
    assert draw.units == 3
    assert draw.units_evidence is not None
    assert note[draw.units_evidence.start : draw.units_evidence.end] == "x3"
    mue = [w.message for w in draw.warnings if w.kind == "mue"]
    assert len(mue) == 2  # the practitioner and the outpatient hospital tables
    assert "3 units of 36415 exceed the practitioner MUE of 2" in mue[0]
    # a diagnosis has no units; a service with no count stated is one unit
    assert all(s.units is None for s in result.suggestions if s.system == "icd10cm")
    once = ncci_suggester.suggest("Procedure: venipuncture for blood cultures.")
    (single,) = [s for s in once.suggestions if s.code == "36415"]
    assert (single.units, single.units_evidence) == (1, None)
    assert not [w for w in single.warnings if w.kind == "mue"]
