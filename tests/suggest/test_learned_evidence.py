"""Where a learned phrase is found in a note: as a search of its pattern finds it."""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

from suggest.learned_evidence import _first_match, _phrase_pattern
from training.corpora import read_codiesp


def test_first_match_is_the_patterns_search(shared_data: Path) -> None:
    """Tried only where its first word is (a word inside a longer one, "heart" in
    "heartburn", is passed over by ``\\b``), a phrase's match is the one a search of the
    whole note finds, and a phrase the note lacks finds none; over the word pairs of real
    notes, where most first words occur more than once."""
    notes = read_codiesp(shared_data / "codiesp" / "dev").notes[:5]
    tried = found = 0
    for note in notes:
        lowered = note.text.lower()
        words = re.findall(r"[a-z]{2,}", lowered)
        phrases = {f"{a} {b}" for a, b in pairwise(words)}
        phrases |= {f"{b} {a}" for a, b in pairwise(words)}
        phrases |= {word[1:] for word in words if len(word) > 3}  # found inside words
        for phrase in sorted(phrases):
            pattern = _phrase_pattern(phrase)
            expected = pattern.search(lowered)
            match = _first_match(pattern, lowered, phrase.split()[0])
            assert (match and match.span()) == (expected and expected.span()), phrase
            tried += 1
            found += expected is not None
    assert 0 < found < tried
