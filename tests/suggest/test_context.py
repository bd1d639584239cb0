"""ConText on the phrasings coders meet; mentions are made by hand (the matcher lives elsewhere)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from spacy.language import Language
from spacy.tokens import Doc

from suggest.context import ConTextComponent
from suggest.extensions import CONTEXT_FLAGS, MENTIONS_KEY
from suggest.text_pipeline import build_text_pipeline


@pytest.fixture(scope="module")
def nlp() -> Language:
    return build_text_pipeline()


def annotate(nlp: Language, text: str, *mentions: str) -> Doc:
    """Run the pipeline with ``mentions`` (first occurrence of each) put where the mention
    matcher will put them: into ``doc.spans["mentions"]`` just before ConText."""
    doc = nlp.make_doc(text)
    for name, component in nlp.pipeline:
        if name == "codesuggest_context":
            spans = []
            for mention in mentions:
                start = text.index(mention)
                span = doc.char_span(start, start + len(mention))
                assert span is not None, mention
                spans.append(span)
            doc.spans[MENTIONS_KEY] = spans
        doc = component(doc)
    return doc


def flags(nlp: Language, text: str, *mentions: str) -> list[set[str]]:
    doc = annotate(nlp, text, *mentions)
    return [{f for f in CONTEXT_FLAGS if getattr(s._, f)} for s in doc.spans[MENTIONS_KEY]]


@pytest.mark.parametrize(
    ("text", "mention", "expected"),
    [
        ("Patient denies chest pain.", "chest pain", {"negated"}),
        ("No evidence of pneumonia on CXR.", "pneumonia", {"negated"}),
        ("He was ruled out for MI.", "MI", {"negated"}),
        ("MI was ruled out.", "MI", {"negated"}),
        ("Pathology negative for malignancy.", "malignancy", {"negated"}),
        ("Presented without fever.", "fever", {"negated"}),
        ("Admitted to rule out pneumonia.", "pneumonia", {"uncertain"}),
        ("Possible UTI.", "UTI", {"uncertain"}),
        ("Probable appendicitis.", "appendicitis", {"uncertain"}),
        ("Suspected sepsis, cultures drawn.", "sepsis", {"uncertain"}),
        ("We cannot rule out PE.", "PE", {"uncertain"}),
        ("Return to clinic if symptoms recur.", "symptoms", {"hypothetical"}),
        ("Return if chest pain recurs.", "chest pain", {"hypothetical"}),
        ("Should she develop fever, she will call.", "fever", {"hypothetical"}),
        ("Woman with a history of duodenal ulcer.", "duodenal ulcer", {"historical"}),
        ("S/p appendectomy.", "appendectomy", {"historical"}),
        ("Previous myocardial infarction.", "myocardial infarction", {"historical"}),
        ("Pneumonia, now resolved.", "Pneumonia", {"historical"}),
        ("Her mother had breast cancer.", "breast cancer", {"family"}),
        ("Father with MI at 60.", "MI", {"family"}),
        ("Family history of colon cancer.", "colon cancer", {"family"}),
        ("Diabetes in her mother.", "Diabetes", {"family"}),
        ("A relative with breast cancer.", "breast cancer", {"family"}),
        # "relative" describing a finding, parents telling the child's story
        ("Leukocytes 7,700 with relative lymphopenia.", "lymphopenia", set()),
        ("The parents relate it to a traumatic brain injury.", "brain injury", set()),
        ("According to the parents, he had weight loss.", "weight loss", set()),
        ("Acute appendicitis.", "appendicitis", set()),
        # a template's "finding: none" line, a screen (what it looks for, not found),
        # advice to avoid a condition
        ("Falls: none in past year.", "Falls", {"negated"}),
        ("Tobacco: denies.", "Tobacco", {"negated"}),
        ("PHQ-2 = 0 (negative depression screen).", "depression", {"uncertain"}),
        ("Depression screening negative.", "Depression", {"negated", "uncertain"}),
        ("Avoid pregnancy for 1 month.", "pregnancy", {"hypothetical"}),
        # a decision rule's or risk statement's verdict: considered and judged unlikely
        # (guideline IV.H: the symptom is coded), not a risk group of a diagnosed disease
        ("MDM: PE low risk, PERC neg.", "PE", {"negated"}),
        ("Chest pain, low risk for ACS, HEART score 2.", "ACS", {"negated"}),
        ("Low pretest probability of PE (Wells 1).", "PE", {"negated"}),
        ("Dyspnea. PE not suspected.", "PE", {"negated"}),
        ("MDS, low risk (IPSS-R 2.5).", "MDS", set()),
        ("Prostate cancer low risk, Gleason 3+3.", "Prostate cancer", set()),
        # a decision rule's low verdict rules out what it is made for, not the symptom
        ("MDM: Wells low for PE.", "PE", {"negated"}),
        ("PE - Wells 0, PERC negative; no imaging.", "PE", {"negated"}),
        ("HEART score 2 for ACS, discharged.", "ACS", {"negated"}),
        ("Dyspnea - Wells 0, PERC negative.", "Dyspnea", set()),
        ("Chest pain, HEART score 2, home.", "Chest pain", set()),
        ("Acute PE on apixaban, Wells 1 on arrival.", "PE", set()),
        # an eradicated cancer's cue, not the adjective of today's margins
        ("Breast cancer s/p lumpectomy 2015, NED.", "Breast cancer", {"historical"}),
        ("Breast cancer, lumpectomy with disease-free margins.", "Breast cancer", set()),
    ],
)
def test_context_examples(nlp: Language, text: str, mention: str, expected: set[str]) -> None:
    assert flags(nlp, text, mention) == [expected]


def test_every_item_of_a_negated_list(nlp: Language) -> None:
    text = "No history of nephrolithiasis, hematuria or urinary tract infections."
    mentions = ("nephrolithiasis", "hematuria", "urinary tract infections")
    assert flags(nlp, text, *mentions) == [{"negated"}] * 3


def test_termination_term_ends_the_scope(nlp: Language) -> None:
    assert flags(nlp, "No fever but has cough.", "fever", "cough") == [{"negated"}, set()]
    text = "No pneumothorax; small effusion."
    assert flags(nlp, text, "pneumothorax", "effusion") == [{"negated"}, set()]
    text = "History of asthma, presents with wheezing."
    assert flags(nlp, text, "asthma", "wheezing") == [{"historical"}, set()]


@pytest.mark.parametrize(
    ("text", "mentions", "expected"),
    [
        # what a negated opening clause says ends where the positive history begins
        (
            "Man without known drug allergies, with a history of hypertension and diabetes.",
            ("drug allergies", "hypertension", "diabetes"),
            [{"negated"}, {"historical"}, {"historical"}],
        ),
        (
            "No known allergies, hypertension treated with enalapril.",
            ("allergies", "hypertension"),
            [{"negated"}, set()],
        ),
        (
            "No relevant medical history, ex-smoker, obesity.",
            ("ex-smoker", "obesity"),
            [set(), set()],
        ),
        ("No fever, with productive cough.", ("fever", "cough"), [{"negated"}, set()]),
        (
            "Woman with no history of interest who after 6 months of dermatitis consulted.",
            ("dermatitis",),
            [set()],
        ),
        # the reason for the referral or admission is the note's subject, not negated
        (
            "A man with no significant past medical history was referred to our service for "
            "a choroid melanoma.",
            ("melanoma",),
            [set()],
        ),
        (
            "Woman with no relevant past medical history was admitted for stroke.",
            ("stroke",),
            [set()],
        ),
        (
            "He consulted again without improvement, reporting increased pain and swelling.",
            ("pain", "swelling"),
            [set(), set()],
        ),
        (
            "Renal colic without voiding syndrome and accompanied by hematuria.",
            ("voiding syndrome", "hematuria"),
            [{"negated"}, set()],
        ),
        (
            "A CT to look for other foci of infection with the following findings: "
            "subarachnoid hemorrhage.",
            ("infection", "subarachnoid hemorrhage"),
            [{"hypothetical"}, set()],
        ),
        (
            "The levels are not high, and lead us to think that it is a macular coloboma.",
            ("coloboma",),
            [set()],
        ),
    ],
)
def test_a_negated_clause_does_not_reach_the_history_after_it(
    nlp: Language, text: str, mentions: tuple[str, ...], expected: list[set[str]]
) -> None:
    assert flags(nlp, text, *mentions) == expected


@pytest.mark.parametrize(
    ("text", "mentions", "expected"),
    [
        # a diagnosis stated after a negated finding is the note's conclusion, not negated
        (
            "The CT did not show metastases and, clinically, he was diagnosed with prostatic "
            "hyperplasia.",
            ("metastases", "prostatic hyperplasia"),
            [{"negated"}, set()],
        ),
        (
            "Biopsy without atypia, concluding benign prostatic hyperplasia.",
            ("atypia", "benign prostatic hyperplasia"),
            [{"negated"}, set()],
        ),
        (
            "No epithelium was seen and a postsurgical diagnosis of seroma was made.",
            ("epithelium", "seroma"),
            [{"negated"}, set()],
        ),
        # ... while "not diagnosed with" still negates what follows
        ("He was never diagnosed with diabetes.", ("diabetes",), [{"negated"}]),
        ("She was not diagnosed with asthma.", ("asthma",), [{"negated"}]),
    ],
)
def test_a_stated_diagnosis_ends_a_negation(
    nlp: Language, text: str, mentions: tuple[str, ...], expected: list[set[str]]
) -> None:
    assert flags(nlp, text, *mentions) == expected


def test_scope_stays_in_its_sentence(nlp: Language) -> None:
    assert flags(nlp, "No fever.\nCough for 3 days", "fever", "Cough") == [{"negated"}, set()]


def test_heading_words_are_not_triggers(nlp: Language) -> None:
    text = "HISTORY OF PRESENT ILLNESS: chest pain for two days."
    assert flags(nlp, text, "chest pain") == [set()]


def test_short_reach_triggers(nlp: Language) -> None:
    """Some backward triggers modify only the word or two before them."""
    assert flags(nlp, "HIV negative.", "HIV") == [{"negated"}]
    assert flags(nlp, "Started DVT prophylaxis.", "DVT") == [{"negated"}]
    text = "Pyelography showed stenosis of the right ureter and a negative cytology."
    assert flags(nlp, text, "stenosis") == [set()]
    # followed by a word, such a trigger is that word's adjective: nothing before is denied
    text = "Urinalysis showed glycosuria, microhematuria and negative nitrites."
    assert flags(nlp, text, "glycosuria", "microhematuria") == [set(), set()]
    assert flags(nlp, "Serology for hepatitis C and HIV negative, TSH normal.", "HIV") == [
        {"negated"}
    ]


def test_bidirectional_versus(nlp: Language) -> None:
    text = "Pneumonia versus bronchitis."
    assert flags(nlp, text, "Pneumonia", "bronchitis") == [{"uncertain"}, {"uncertain"}]


@pytest.mark.parametrize(
    ("text", "mention"),
    [
        ("Gram negative bacteremia.", "bacteremia"),
        ("No increase in the pleural effusion.", "pleural effusion"),
        ("Not only hypertension but also diabetes.", "hypertension"),
        ("Graft-versus-host disease.", "Graft-versus-host disease"),
        ("CT without intravenous contrast to follow up her bladder neoplasm.", "bladder neoplasm"),
        ("Fever without apparent focus, dry cough and abdominal pain.", "abdominal pain"),
        ("Pregnancy without incidents, ultrasound showed a pelvic kidney.", "pelvic kidney"),
    ],
)
def test_pseudo_triggers_block(nlp: Language, text: str, mention: str) -> None:
    assert flags(nlp, text, mention) == [set()]


def test_trigger_inside_a_mention_does_not_modify_it(nlp: Language) -> None:
    assert flags(nlp, "History of falls.", "History of falls") == [set()]


def test_family_history_section(nlp: Language) -> None:
    text = "FAMILY HISTORY:\nColon cancer at 50.\nHPI: abdominal pain"
    doc = annotate(nlp, text, "Colon cancer", "abdominal pain")
    cancer, pain = doc.spans[MENTIONS_KEY]
    assert cancer._.family and cancer._.context_cues == ("FAMILY HISTORY",)
    assert not pain._.family


def test_cues_explain_the_flags(nlp: Language) -> None:
    doc = annotate(nlp, "No history of possible MI.", "MI")
    (mention,) = doc.spans[MENTIONS_KEY]
    assert (mention._.negated, mention._.uncertain) == (True, True)
    assert mention._.context_cues == ("No history of", "possible")


def test_max_scope_is_configurable(nlp: Language) -> None:
    text = "Denies fever, chills, night sweats, nausea or abdominal pain."
    assert flags(nlp, text, "abdominal pain") == [{"negated"}]
    short = build_text_pipeline(context_config={"max_scope": 3})
    assert flags(short, text, "chills", "abdominal pain") == [{"negated"}, set()]


def test_doc_without_mentions_passes_through(nlp: Language) -> None:
    doc = nlp("No fever.")
    assert MENTIONS_KEY not in doc.spans


def test_rules_are_checked(nlp: Language, tmp_path: Path) -> None:
    bad = [
        [{"category": "NEGATED", "direction": "forward", "phrases": ["no"]}],
        [{"category": "NEGATED_EXISTENCE", "phrases": ["no"]}],
        [
            {"category": "NEGATED_EXISTENCE", "direction": "forward", "phrases": ["no"]},
            {"category": "PSEUDO", "phrases": ["No"]},
        ],
    ]
    for number, rules in enumerate(bad):
        path = tmp_path / f"bad{number}.json"
        path.write_text(json.dumps({"rules": rules}))
        with pytest.raises(ValueError):
            ConTextComponent(nlp, "context", str(path), MENTIONS_KEY, 15, [], [])
