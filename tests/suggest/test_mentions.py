"""The mention matcher's term index: it passes over only terms that cannot match."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import pytest

from suggest.extensions import MENTIONS_KEY, span_values
from suggest.mentions import MentionMatcher, TermMatch
from suggest.suggester import Suggester
from suggest.text_pipeline import MENTIONS_PIPE
from training.corpora import read_codiesp


def mentions(suggester: Suggester, text: str) -> list[tuple[int, int, tuple[TermMatch, ...]]]:
    """Each mention span of ``text`` with its matches, as the matcher wrote them."""
    doc = suggester.nlp(text)
    return [
        (span.start, span.end, span_values(span, ("matches",))[0])
        for span in doc.spans[MENTIONS_KEY]
    ]


def test_the_anchor_index_finds_what_checking_every_term_finds(
    suggester: Suggester, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``AnchoredTerms`` hands the matcher a few of the terms anchored on each word (a
    long term only where two of its second to fourth rarest words are near): on real
    notes the matches are the same, in the same order, as checking all of them."""
    notes = [note.text for note in read_codiesp(shared_data / "codiesp" / "dev").notes[:60]]
    indexed = [mentions(suggester, text) for text in notes]
    matcher = cast(MentionMatcher, suggester.nlp.get_pipe(MENTIONS_PIPE))
    anchors = matcher.table.anchors
    monkeypatch.setattr(matcher, "_candidates", lambda anchor, nearby: anchors.get(anchor, []))
    assert sum(len(found) for found in indexed) > 1000
    assert [mentions(suggester, text) for text in notes] == indexed
