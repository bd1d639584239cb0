"""Codes that depend on anatomy in US notes (issue 15): the site, several sites, the side,
and what a radiology or pathology report names. Each test is a class of wording the
default model misread on the US-note benchmark's tuning part, in sentences written for
these tests."""

from __future__ import annotations

from suggest.specificity import both_sides
from suggest.suggester import Suggester
from tests.suggest.listed_codes import DIAGNOSES, anywhere, ranked


# ----------------------------------------------------------- deep veins, by vein
def test_a_deep_vein_thrombosis_is_coded_by_its_vein_and_side(suggester: Suggester) -> None:
    # "DVT" lends "deep vein thrombosis" whole; the tabular's "Acute embolism and
    # thrombosis of popliteal vein" never met it (Index: Thrombosis, vein, deep, by vein)
    result = suggester.suggest(
        "A/P: Acute DVT of the left popliteal vein, start apixaban.", systems=DIAGNOSES
    )
    assert ranked(result)[0] == "I82.432"
    both = suggester.suggest("Impression: Bilateral DVT of the popliteal veins.", systems=DIAGNOSES)
    assert ranked(both)[0] == "I82.433"  # the tabular's bilateral code, not two sides


def test_two_veins_of_one_thrombosis_are_two_codes(suggester: Suggester) -> None:
    # no code holds both veins: each vein's code, the side of the sentence for both
    result = suggester.suggest(
        "A/P:\n1. Acute DVT L femoral and popliteal veins.", systems=DIAGNOSES
    )
    assert {"I82.412", "I82.432"} <= set(ranked(result))
    assert not {"I82.411", "I82.431", "I82.409"} & set(ranked(result))
    tibial = suggester.suggest(
        "Impression: 1. Acute DVT of the right popliteal and posterior tibial veins.",
        systems=DIAGNOSES,
    )
    assert {"I82.431", "I82.441"} <= set(ranked(tibial))


def test_a_dvt_without_its_vein_reads_no_vein(suggester: Suggester) -> None:
    # the rows by vein are read whole: "DVT" alone is I82.40-, the side from its sentence
    result = suggester.suggest("A/P: LLE DVT, on apixaban.", systems=DIAGNOSES)
    assert [code for code in anywhere(result) if code.startswith("I82.")] == ["I82.402"]


# ----------------------------------------------------- the colon by its segment
def test_a_pathology_line_names_the_colon_segment_alone(suggester: Suggester) -> None:
    # "transverse - tubular adenoma": the segment without "colon" (Polyp, colon,
    # adenomatous - see Neoplasm, benign, colon, transverse D12.3)
    result = suggester.suggest("Pathology: transverse - tubular adenoma.", systems=DIAGNOSES)
    assert ranked(result)[0] == "D12.3"
    cecum = suggester.suggest("Pathology: cecal - sessile serrated adenoma.", systems=DIAGNOSES)
    assert ranked(cecum)[0] == "D12.0"
    # the pathologists' "sessile serrated lesion" is the same benign neoplasm
    lesion = suggester.suggest(
        "Pathology:\nA. Cecum, polypectomy: sessile serrated lesion without dysplasia.",
        systems=DIAGNOSES,
    )
    assert ranked(lesion)[0] == "D12.0"
    alone = suggester.suggest("Pathology: sessile serrated lesion.", systems=DIAGNOSES)
    assert not [code for code in anywhere(alone) if code.startswith("D12.")]


def test_an_adenoma_without_its_segment_is_no_colon_segment(suggester: Suggester) -> None:
    # a segment's code needs the segment's word: the lexicon's "transverse adenoma" read
    # in part from "adenoma" alone was D12.3
    result = suggester.suggest("Pathology: tubular adenoma.", systems=DIAGNOSES)
    assert not [code for code in anywhere(result) if code.startswith("D12.")]


def test_a_polyp_the_pathology_calls_an_adenoma_is_the_adenoma(suggester: Suggester) -> None:
    # "Ascending colon polyp: tubular adenoma" is D12.2, not K63.5 beside it; the
    # hyperplastic rectal polyp of another sentence stays a polyp (K62.1)
    result = suggester.suggest(
        "Pathology: A. Ascending colon polyp: tubular adenoma. B. Rectal polyp: hyperplastic.",
        systems=DIAGNOSES,
    )
    assert {"D12.2", "K62.1"} <= set(ranked(result))
    assert "K63.5" not in ranked(result)
    pending = suggester.suggest(
        "Impression: Transverse colon polyp, removed. Pathology pending.", systems=DIAGNOSES
    )
    assert ranked(pending)[0] == "K63.5"
    assert not [code for code in anywhere(pending) if code.startswith("D12.")]


def test_the_findings_say_where_a_later_statement_diagnosis_is(suggester: Suggester) -> None:
    # the impression lists the adenoma first and "Diverticulosis" after it: the findings'
    # "sigmoid diverticulosis" (K57.30) is that diagnosis said precisely, not a finding
    # set apart beside the adenoma
    result = suggester.suggest(
        "COLONOSCOPY\n"
        "Findings:\n"
        "1. Descending colon: 10 mm sessile polyp removed with cold snare.\n"
        "2. Moderate sigmoid diverticulosis.\n"
        "Impression: Descending colon polyp: tubular adenoma. Diverticulosis.\n",
        systems=DIAGNOSES,
    )
    assert {"D12.4", "K57.30"} <= set(ranked(result))


# ---------------------------------------------------------------- bites
def test_the_puncture_wounds_of_a_bite_are_the_open_bite(suggester: Suggester) -> None:
    # "Bite, by site, open bite": the wound a dog's teeth made is S61.452A, not also the
    # puncture wound of the same hand and side
    result = suggester.suggest(
        "Exam: L dorsal hand: two puncture wounds over the 4th metacarpal.\n"
        "Dx: Dog bite of L hand (puncture wounds), initial.",
        systems=DIAGNOSES,
    )
    assert ranked(result)[0] == "S61.452A"
    assert "S61.432A" not in ranked(result)
    apart = {s.code: [w.kind for w in s.warnings] for s in result.not_coded}
    assert "bite" in apart["S61.432A"]


def test_a_wound_of_another_site_beside_a_bite_is_coded(suggester: Suggester) -> None:
    result = suggester.suggest(
        "Dx:\n1. Dog bite of L hand, initial.\n2. Laceration of R forearm, initial.",
        systems=DIAGNOSES,
    )
    assert {"S61.452A", "S51.811A"} <= set(ranked(result))


# ------------------------------------------------------------ radiology reports
def test_a_parapneumonic_effusion_is_an_effusion_of_the_pneumonia(suggester: Suggester) -> None:
    # "Effusion, pleura, in conditions classified elsewhere" J91.8, after the pneumonia;
    # not J90 "Pleural effusion, not elsewhere classified", nor a malignant one (J91.0)
    result = suggester.suggest(
        "XR CHEST\nIMPRESSION:\n1. Right lower lobe pneumonia with small right parapneumonic "
        "pleural effusion.",
        systems=DIAGNOSES,
    )
    assert {"J18.9", "J91.8"} <= set(ranked(result))
    assert not {"J90", "J91.0"} & set(anywhere(result))


def test_an_effusion_is_a_joints_only_where_the_joint_is_named(suggester: Suggester) -> None:
    # the side alone chose among the joints: "right pleural effusion" was M25.411-M25.471
    result = suggester.suggest(
        "Impression: Small RLL consolidation with small right effusion.", systems=DIAGNOSES
    )
    assert not [code for code in anywhere(result) if code.startswith("M25.4")]
    knee = suggester.suggest("Impression: Moderate right knee joint effusion.", systems=DIAGNOSES)
    assert ranked(knee)[0] == "M25.461"


def test_a_pleural_effusion_is_malignant_only_where_said(suggester: Suggester) -> None:
    result = suggester.suggest("Impression: Small right pleural effusion.", systems=DIAGNOSES)
    assert ranked(result)[0] == "J90"
    assert "J91.0" not in anywhere(result)
    malignant = suggester.suggest(
        "Impression: Large malignant pleural effusion, metastatic breast cancer.",
        systems=DIAGNOSES,
    )
    assert "J91.0" in ranked(malignant)


def test_one_pulmonary_nodule_is_a_solitary_nodule(suggester: Suggester) -> None:
    # the lexicon's "pulmonary nodules" R91.8 folds to the singular: one nodule is R91.1
    result = suggester.suggest(
        "IMPRESSION:\n1. Stable 6 mm right lower lobe solid pulmonary nodule.", systems=DIAGNOSES
    )
    assert ranked(result)[0] == "R91.1"
    assert "R91.8" not in anywhere(result)
    several = suggester.suggest(
        "IMPRESSION: Multiple bilateral pulmonary nodules, largest 7 mm.", systems=DIAGNOSES
    )
    assert "R91.8" in ranked(several)


def test_copd_with_emphysema_is_the_emphysema(suggester: Suggester) -> None:
    # J44's Excludes1 "emphysema without chronic bronchitis (J43.-)"
    result = suggester.suggest(
        "Clinical indication: cough. Hx COPD.\n"
        "Findings: Lungs hyperinflated, consistent with known COPD/emphysema.\n"
        "IMPRESSION:\n1. Emphysema.",
        systems=DIAGNOSES,
    )
    assert ranked(result)[0] == "J43.9"
    assert "J44.9" not in ranked(result)


def test_calcified_aorta_and_coronary_arteries_are_atherosclerosis(suggester: Suggester) -> None:
    result = suggester.suggest(
        "IMPRESSION:\n1. Aortic atherosclerosis.\n2. Coronary artery calcifications.",
        systems=DIAGNOSES,
    )
    assert {"I70.0", "I25.10", "I25.84"} <= set(ranked(result))
    assert "I70.90" not in ranked(result)


# ------------------------------------------------------------------- sides
def test_a_sentence_naming_both_sides_does_not_decide_the_side() -> None:
    # "gout (first flare R 1st MTP), c/o L ankle pain" names two things on two sides:
    # the sentence that names one side decides
    history = frozenset({"gout", "right", "mtp", "left", "ankle"})
    plan = frozenset({"gout", "flare", "left", "ankle"})
    assert "right" not in both_sides([history, plan])
    assert "left" in both_sides([history, plan])
    # one sentence of each side is both sides (guideline I.B.13)
    assert "bilateral" in both_sides([frozenset({"right", "ica"}), frozenset({"left", "ica"})])


def test_the_plans_side_is_the_conditions_side(suggester: Suggester) -> None:
    result = suggester.suggest(
        "HPI: 66 yo M w/ hx of gout (first flare 2022, R 1st MTP), c/o L ankle pain x 2 days.\n"
        "A/P:\n1. Acute gout flare, L ankle - idiopathic (primary) gout.",
        systems=DIAGNOSES,
    )
    assert "M10.072" in ranked(result)
    assert not {"M10.071", "M10.079"} & set(ranked(result))


def test_both_eyes_and_both_ears_are_the_bilateral_code(suggester: Suggester) -> None:
    # "OU" is both eyes and "AU" both ears: the bilateral code, though the sentence does
    # not repeat the site every sibling's title names ("... of bilateral lacrimal glands")
    eyes = suggester.suggest(
        "A/P: 3. Dry eye syndrome OU - artificial tears QID.", systems=DIAGNOSES
    )
    assert ranked(eyes)[0] == "H04.123"
    ears = suggester.suggest("A/P: 1. Impacted cerumen AU - removed.", systems=DIAGNOSES)
    assert ranked(ears)[0] == "H61.23"
    assert not {"H61.20", "H61.21", "H61.22"} & set(ranked(ears))
