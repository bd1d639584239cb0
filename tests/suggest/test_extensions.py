"""The custom attributes: declared once, safe to declare again, with harmless defaults."""

from __future__ import annotations

import pytest
import spacy
from spacy.tokens import Doc, Span

from suggest.extensions import (
    CONTEXT_FLAGS,
    Section,
    doc_sections,
    register_extensions,
    section_at,
    set_span_values,
    span_values,
)


def test_register_twice_is_harmless() -> None:
    register_extensions()
    register_extensions()
    assert all(Span.has_extension(flag) for flag in (*CONTEXT_FLAGS, "kind", "context_cues"))


def test_defaults_before_any_component_ran() -> None:
    register_extensions()
    doc = spacy.blank("en")("Possible pneumonia.")
    span = doc[1:2]
    assert [getattr(span._, flag) for flag in CONTEXT_FLAGS] == [False] * len(CONTEXT_FLAGS)
    assert span._.kind is None
    assert span._.context_cues == ()
    assert doc._.sections == ()
    assert doc[0]._.section is None


def test_token_section_reads_doc_sections() -> None:
    register_extensions()
    doc = spacy.blank("en")("Seen today. PMH: asthma")
    doc._.sections = (Section(12, len(doc.text), "past_medical_history", "PMH"),)
    assert [t._.section for t in doc] == [None, None, None] + ["past_medical_history"] * 3
    assert section_at(doc._.sections, 0) is None
    assert section_at(doc._.sections, 20) == doc._.sections[0]


def test_token_section_survives_doc_serialization() -> None:
    """Docs sent between processes (nlp.pipe with n_process > 1) lose the Section type."""
    register_extensions()
    nlp = spacy.blank("en")
    doc = nlp("Seen today. PMH: asthma")
    doc._.sections = (Section(12, len(doc.text), "past_medical_history", "PMH"),)
    copy = Doc(nlp.vocab).from_bytes(doc.to_bytes())
    assert [t._.section for t in copy] == [t._.section for t in doc]
    assert section_at(copy._.sections, 20) == doc._.sections[0]


def test_span_values_read_what_the_accessor_reads() -> None:
    """``span_values`` reads spaCy's own storage of span values: written or left at their
    default, on spans that share a start or an end, each value is ``span._``'s."""
    register_extensions()
    doc = spacy.blank("en")("No family history of chronic kidney disease.")
    names = ("kind", *CONTEXT_FLAGS, "context_cues", "matches")
    doc[5:7]._.negated = True
    doc[5:7]._.kind = "diagnosis"
    doc[5:7]._.context_cues = ("No",)
    doc[4:7]._.family = True
    doc[4:7]._.matches = ("a term",)
    for span in (doc[5:7], doc[4:7], doc[5:8], doc[0:1]):
        assert span_values(span, names) == [getattr(span._, name) for name in names]
    assert span_values(doc[5:7], ("negated", "family")) == [True, False]


def test_doc_sections_reads_what_the_accessor_reads() -> None:
    """``doc_sections`` reads spaCy's own storage of ``doc._.sections``: its default
    before the sections component ran, then what it wrote."""
    register_extensions()
    doc = spacy.blank("en")("Seen today. PMH: asthma")
    assert doc_sections(doc) == doc._.sections == ()
    doc._.sections = (Section(12, len(doc.text), "past_medical_history", "PMH"),)
    assert doc_sections(doc) is doc._.sections
    assert doc_sections(spacy.blank("en")("Seen today.")) == ()


def test_set_span_values_write_what_the_accessor_reads() -> None:
    """``set_span_values`` writes into spaCy's own storage of span values: ``span._``
    reads each value back on that span only, and an undeclared name is refused as
    ``span._`` refuses it."""
    register_extensions()
    doc = spacy.blank("en")("No family history of chronic kidney disease.")
    set_span_values(doc[5:7], {"negated": True, "context_cues": ("No",), "kind": "diagnosis"})
    assert (doc[5:7]._.negated, doc[5:7]._.context_cues, doc[5:7]._.kind) == (
        True,
        ("No",),
        "diagnosis",
    )
    assert (doc[4:7]._.negated, doc[5:8]._.context_cues) == (False, ())
    with pytest.raises(AttributeError):
        set_span_values(doc[5:7], {"negatd": True})
