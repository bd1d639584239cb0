"""The mention matcher's term index: it passes over only terms that cannot match."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest

from suggest.extensions import MENTIONS_KEY, span_values
from suggest.mentions import MentionMatcher, TermMatch
from suggest.suggester import Suggester
from suggest.terms import TermSource
from suggest.text_pipeline import MENTIONS_PIPE
from tests.suggest.listed_codes import anywhere
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
    monkeypatch.setattr(
        matcher._candidates,
        "anchored",
        lambda positions, nearby: [
            (anchor, at, anchors[anchor]) for anchor, at in positions.items() if anchor in anchors
        ],
    )
    assert sum(len(found) for found in indexed) > 1000
    assert [mentions(suggester, text) for text in notes] == indexed


def test_a_term_found_without_a_soft_word_reads_its_own_coverage(suggester: Suggester) -> None:
    """A term's coverage and rarity are worked out once per term and words found
    (``TermPlan``): "kidney disease" read after "chronic kidney disease" covers two of
    the term's 2.5 words ("chronic" counts half) and the rarity of those two, not what
    the whole term read; read again, the same."""
    table = cast(MentionMatcher, suggester.nlp.get_pipe(MENTIONS_PIPE)).table
    chronic = table.vocabulary["chronic"]

    def readings(text: str) -> dict[int, tuple[float, float]]:
        return {
            match.term: (match.coverage, match.rarity)
            for _, _, found in mentions(suggester, text)
            for match in found
            if chronic in table.term_words[match.term]
        }

    whole = readings("Chronic kidney disease.")
    part = readings("Kidney disease.")
    shared = [term for term in whole if term in part and len(table.term_words[term]) == 3]
    assert shared
    for term in shared:
        assert whole[term][0] == 1.0
        assert part[term][0] == 2 / 2.5
        assert part[term][1] != whole[term][1]
    assert readings("Kidney disease.") == part
    assert readings("Chronic kidney disease.") == whole


class _ScannedSources(list[TermSource]):
    """A table's term sources that count the walks over all of them."""

    scans = 0

    def __iter__(self) -> Iterator[TermSource]:
        self.scans += 1
        return super().__iter__()


def test_the_first_note_after_a_load_walks_no_term_for_category_words(
    suggester: Suggester, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What "late onset" lacks of "Asthma, late onset" (the words most titles of J45
    hold) comes with the cached term table: a matcher fresh from a load does not walk
    the table's terms on the first note that finds an index term in part (that walk took
    about a second under load, inside the first note's time budget)."""
    matcher = cast(MentionMatcher, suggester.nlp.get_pipe(MENTIONS_PIPE))
    table = matcher.table
    assert table.vocabulary["asthma"] in table.category_words["J45"]
    sources = _ScannedSources(table.term_source)
    monkeypatch.setattr(table, "term_source", sources)
    matcher._derive_from_table()  # what a load leaves: nothing worked out from notes yet
    sources.scans = 0
    result = suggester.suggest("Assessment: Depression, late onset, on sertraline.")
    assert not [code for code in anywhere(result) if code.startswith("J45")]
    assert sources.scans == 0
