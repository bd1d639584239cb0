"""US note wording that read as another condition or as none (issue 15): a word the one
beside it gives another sense ("weaned to RA", "MR enterography", "rapid ventricular
response"), "neg" after a test, the Index's terms for conditions US notes name their own
way (septic shock, influenza A, asymptomatic HIV, ESBL, seropositive RA, ATN, vaping,
focal epilepsy with impaired awareness), a fracture's healing as its 7th character, and a
sign integral to its diagnosis.
Sentences written for these tests, after the US-note benchmark's tuning notes."""

from __future__ import annotations

import pytest

from suggest.suggester import Suggester
from tests.suggest.listed_codes import anywhere, ranked


# ------------------------------------------------------------- another sense
@pytest.mark.parametrize(
    ("text", "wrong"),
    [
        ("Dx: Atrial fibrillation with rapid ventricular response.", "I49.01"),
        ("ECG: AF with slow ventricular response 40s, no acute ischemia.", "I49.01"),
        ("Acute hypoxic respiratory failure: weaned to RA day 4. SpO2 94% RA at rest.", "M06"),
        ("Plan: MR enterography to assess for stricture.", "I34"),
        ("Add adalimumab pending TB (QuantiFERON) and hep B/C screening.", "A15"),
    ],
)
def test_a_word_its_neighbour_gives_another_sense_reads_no_condition(
    suggester: Suggester, text: str, wrong: str
) -> None:
    assert not any(code.startswith(wrong) for code in anywhere(suggester.suggest(text)))


def test_the_abbreviations_still_read_their_condition_elsewhere(suggester: Suggester) -> None:
    result = suggester.suggest("Echo: moderate MR.\nDx: seropositive RA on methotrexate.")
    assert "I34.0" in ranked(result)
    # "seropositive" is with rheumatoid factor (Index: Arthritis, rheumatoid, seropositive)
    assert "M05.9" in ranked(result)
    assert not any(code.startswith("M06") for code in ranked(result))


def test_neg_after_a_test_denies_it(suggester: Suggester) -> None:
    result = suggester.suggest("Flu/COVID test neg at urgent care yesterday.")
    assert "U07.1" not in anywhere(result)


# -------------------------------------------------------- the Index's terms
@pytest.mark.parametrize(
    ("text", "code", "not_this"),
    [
        ("Principal dx: Influenza A pneumonia.", "J10.00", "J11.00"),
        ("Dx: influenza B, day 2.", "J10.1", "J11.1"),
        ("#Septic shock due to pneumococcal sepsis from pneumococcal pneumonia", "R65.21", "R57.9"),
        ("#Septic shock due to pneumococcal sepsis from pneumococcal pneumonia", "J13", "J18.9"),
        ("Urine culture: > 100K E. coli, ESBL-producing.", "Z16.12", "Z16.10"),
        ("2. Chemotherapy-induced peripheral neuropathy (oxaliplatin), grade 2", "G62.0", "G62.9"),
        ("#AKI (ATN from shock): Cr peaked 3.1, back to 1.0.", "N17.0", "N17.9"),
        ("4. Nicotine dependence, e-cigarette - counseled 5 min.", "F17.290", "F17.210"),
        (
            "1. Breakthrough seizure in focal epilepsy with impaired awareness.",
            "G40.209",
            "G40.909",
        ),
        ("Dx: Crohn's ileocolitis, in remission on infliximab.", "K50.80", "K50.90"),
    ],
)
def test_us_wording_reads_the_index_code(
    suggester: Suggester, text: str, code: str, not_this: str
) -> None:
    result = suggester.suggest(text, setting="inpatient")
    assert code in ranked(result)
    assert not_this not in ranked(result)


def test_influenza_alone_is_still_an_unidentified_virus(suggester: Suggester) -> None:
    assert ranked(suggester.suggest("Dx: influenza."))[:1] == ["J11.1"]


def test_asymptomatic_hiv_is_the_status_wherever_hiv_is_named(suggester: Suggester) -> None:
    # Z21 and B20 exclude each other: "asymptomatic" says which the patient has
    result = suggester.suggest(
        "ID CLINIC - HIV F/U\n45 yo M with HIV infection dx 2014, on ART, never an "
        "AIDS-defining illness.\nA/P:\n1. Asymptomatic HIV infection on ART, suppressed."
    )
    assert "Z21" in ranked(result)
    assert "B20" not in anywhere(result)


# ---------------------------------------------- the encounter of a fracture's healing
def test_delayed_healing_is_the_g_encounter_and_its_cause_follows(
    suggester: Suggester,
) -> None:
    result = suggester.suggest(
        "Ortho f/u, 7 wks after fall on ice on the sidewalk.\n"
        "A/P: Colles fracture of left distal radius, subsequent encounter with delayed healing."
    )
    codes = anywhere(result)
    assert "S52.532G" in ranked(result)
    # the initial encounter's code, and the place reported only with it, give way
    assert not {"S52.532A", "S52.532D", "Y92.480"} & set(codes)
    # an external cause takes the injury's encounter: D for delayed healing (I.C.20)
    assert "W00.0XXD" in codes
    assert "W00.0XXA" not in codes


def test_malunion_denied_is_no_malunion(suggester: Suggester) -> None:
    result = suggester.suggest(
        "XR: healed, alignment maintained, no malunion.\n"
        "A/P: Colles fracture of left radius, routine healing. Fall on ice."
    )
    assert "S52.532D" in ranked(result)
    assert "W00.0XXD" in anywhere(result)
    assert not any(code.endswith(("P", "A")) for code in ranked(result) if code[0] in "SW")


def test_hypercalcemia_is_integral_to_primary_hyperparathyroidism(suggester: Suggester) -> None:
    result = suggester.suggest(
        "Ca 11.2, PTH 98.\nA/P: 1. Primary hyperparathyroidism. 2. Hypercalcemia."
    )
    assert "E21.0" in ranked(result)
    assert "E83.52" not in ranked(result)  # a sign of the diagnosis (I.B.5)
