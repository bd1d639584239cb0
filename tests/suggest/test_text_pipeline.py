"""The assembled text pipeline: its order, the mention matcher's slot, and save/load."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from suggest.context import ConTextComponent
from suggest.extensions import CONTEXT_FLAGS, MENTIONS_KEY
from suggest.suggester import Suggester
from suggest.text_pipeline import build_text_pipeline

NOTE = """HPI: 61 yo M s/p CABG, h/o HTN/DM, presents with dyspnea. Denies chest pain.
FAMILY HISTORY: mother had breast cancer.
ASSESSMENT:
1.
Possible pneumonia vs. CHF; no fever.
"""
TERMS = ("CABG", "HTN", "dyspnea", "chest pain", "breast cancer", "pneumonia", "CHF", "fever")
PIPE_NAMES = [
    "codesuggest_budget",
    "codesuggest_sentences",
    "codesuggest_sections",
    "codesuggest_context",
]


@Language.component("codesuggest_test_mentions")
def _mark_terms(doc: Doc) -> Doc:
    """Stands in for the mention matcher: marks each of TERMS where it first occurs."""
    spans = []
    for term in TERMS:
        start = doc.text.index(term)
        span = doc.char_span(start, start + len(term))
        assert span is not None
        spans.append(span)
    doc.spans[MENTIONS_KEY] = spans
    return doc


def context_of(nlp: Language) -> ConTextComponent:
    component = nlp.get_pipe("codesuggest_context")
    assert isinstance(component, ConTextComponent)
    return component


def with_mentions(nlp: Language) -> Language:
    nlp.add_pipe("codesuggest_test_mentions", before="codesuggest_context")
    return nlp


def summary(doc: Doc) -> dict[str, Any]:
    return {
        "tokens": [t.text for t in doc],
        "sentences": [s.text for s in doc.sents],
        "sections": list(doc._.sections),
        "mentions": {
            s.text: sorted(f for f in CONTEXT_FLAGS if getattr(s._, f))
            for s in doc.spans[MENTIONS_KEY]
        },
    }


def test_components_in_order() -> None:
    nlp = build_text_pipeline()
    assert nlp.pipe_names == PIPE_NAMES
    assert nlp.config["nlp"]["tokenizer"]["@tokenizers"] == "codesuggest.clinical_tokenizer.v1"


def test_mention_matcher_slot_feeds_context() -> None:
    nlp = with_mentions(build_text_pipeline())
    assert nlp.pipe_names == [*PIPE_NAMES[:3], "codesuggest_test_mentions", PIPE_NAMES[3]]
    assert summary(nlp(NOTE))["mentions"] == {
        "CABG": ["historical"],
        "HTN": ["historical"],
        "dyspnea": [],
        "chest pain": ["negated"],
        "breast cancer": ["family"],
        "pneumonia": ["uncertain"],
        "CHF": ["uncertain"],
        "fever": ["negated"],
    }


def test_to_disk_from_disk_round_trip(tmp_path: Path) -> None:
    nlp = with_mentions(build_text_pipeline(context_config={"max_scope": 8}))
    nlp.to_disk(tmp_path)
    saved_rules = json.loads((tmp_path / "codesuggest_context" / "rules.json").read_text())
    assert saved_rules == context_of(nlp).rules

    loaded = spacy.load(tmp_path)
    assert loaded.pipe_names == nlp.pipe_names
    assert context_of(loaded).max_scope == 8
    assert summary(loaded(NOTE)) == summary(nlp(NOTE))

    again = with_mentions(build_text_pipeline()).from_disk(tmp_path)
    assert summary(again(NOTE)) == summary(nlp(NOTE))


def test_saved_pipeline_keeps_its_rules(tmp_path: Path) -> None:
    """Rules travel inside the saved pipeline: editing the file later changes nothing."""
    rules_file = tmp_path / "my_context.json"
    rules = {"rules": [{"category": "FAMILY", "direction": "forward", "phrases": ["61"]}]}
    rules_file.write_text(json.dumps(rules))
    nlp = with_mentions(build_text_pipeline(context_config={"rules_path": str(rules_file)}))
    nlp.to_disk(tmp_path / "pipeline")
    rules["rules"][0]["phrases"] = ["breast"]
    rules_file.write_text(json.dumps(rules))
    mentions = summary(spacy.load(tmp_path / "pipeline")(NOTE))["mentions"]
    assert mentions["CABG"] == ["family"]
    assert mentions["chest pain"] == []


FRESH_PROCESS_LOAD = """
import json, sys
import spacy
nlp = spacy.load(sys.argv[1])  # nothing of codesuggest imported: entry points find it
doc = nlp(sys.argv[2])
flags = sys.argv[3].split(",")
print(json.dumps([
    [span.start_char, span.end_char, [f for f in flags if getattr(span._, f)]]
    for span in doc.spans["mentions"]
]))
"""


def test_saved_suggest_pipeline_loads_with_spacy_load_in_a_fresh_process(
    suggester: Suggester, tmp_path: Path
) -> None:
    """The whole pipeline, matcher data included, saves with ``to_disk`` and loads with
    ``spacy.load`` alone in a new interpreter (the package's spaCy entry points)."""
    assert suggester.nlp.pipe_names == [
        "codesuggest_budget",
        "codesuggest_sentences",
        "codesuggest_sections",
        "codesuggest_mentions",
        "codesuggest_context",
    ]
    suggester.nlp.to_disk(tmp_path / "pipeline")
    assert (tmp_path / "pipeline" / "config.cfg").is_file()
    ran = subprocess.run(
        [
            sys.executable,
            "-c",
            FRESH_PROCESS_LOAD,
            str(tmp_path / "pipeline"),
            NOTE,
            ",".join(CONTEXT_FLAGS),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    doc = suggester.nlp(NOTE)
    expected = [
        [span.start_char, span.end_char, [f for f in CONTEXT_FLAGS if getattr(span._, f)]]
        for span in doc.spans[MENTIONS_KEY]
    ]
    assert expected and json.loads(ran.stdout) == expected
