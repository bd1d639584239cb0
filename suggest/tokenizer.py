"""A tokenizer for clinical notes: spaCy's English rules plus what notes write differently.

It stays spaCy's rule-based (Cython) tokenizer, so it is fast and saves with the
pipeline; only its rules change, and the word lists come from
``rules/tokenizer.json``:

- shorthand with a slash stays whole (``s/p``, ``w/``, ``h/o``, ``r/o``) while a
  slash between words splits (``HTN/DM`` -> ``HTN / DM``), and one after a status's
  sign (``ER+/PR+`` -> ``ER+ / PR+``), so ConText triggers and mentions are single,
  matchable tokens;
- dotted abbreviations stay whole (``b.i.d.``, ``q.d.``, ``e.g.``, ``Dr.``,
  ``approx.``), so their dot is never read as the end of a sentence;
- numbers split from units (``5mg`` -> ``5 mg``, ``10mg/kg`` -> ``10 mg / kg``,
  ``38.2C`` -> ``38.2 C``); blood pressures (``130/80``) and ``SpO2`` stay whole;
- list bullets split from the word they touch (``•cough``, ``-fever``); list
  numbers split as spaCy does (``1.`` -> ``1 .``) and the sentence component
  recognises them;
- a stage written against its abbreviation splits off it (``CKD3a`` -> ``CKD 3a``),
  so the abbreviation stays a word the mention matcher expands whole.

Hyphens: a hyphen between letters (or a digit and a letter) is its own token, as
in spaCy's English rules: ``non-small-cell`` -> ``non - small - cell``. Phrase
matchers must therefore build their patterns with ``nlp.make_doc`` (this same
tokenizer), so the hyphenated spelling in a code title and in a note tokenize
identically; a spelling without hyphens (``non small cell``) is a separate pattern.

Cost: spaCy strips affixes from a run of characters without a space one at a time, and
each strip searches what is left of the run, so a run of punctuation costs its length
squared (20,000 ``(``: 40 s). No word a note writes is longer than ``MAX_RUN``
characters (CodiEsp's longest run is 52), so a longer run is tokenized in pieces of
``MAX_RUN`` characters: linear, and the note's text is kept exactly.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import spacy
from spacy.attrs import IDX, LENGTH, ORTH, SPACY
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

from suggest.doc_words import keep_text
from suggest.rules import read_rules

TOKENIZER = "codesuggest.clinical_tokenizer.v1"  # its name in a pipeline config
# Any run of single letters each followed by a dot: b.i.d., q.d., p.r.n., e.g., i.v.
_DOTTED_ABBREVIATION = r"^(?:[A-Za-z]\.){2,}$"
# A temperature written against its number: 38.2C, 37C (not 3C: a grade, a stage).
# a slash after a receptor's or test's sign splits ("ER+/PR+/HER2-" -> "ER+ / PR+ / HER2-")
_SIGNED_SLASH = r"(?<=[A-Za-z0-9][+\-])/(?=[A-Za-z])"
_TEMPERATURE_UNIT = r"(?:(?<=[0-9]{2})|(?<=[0-9]\.[0-9]))[CF]"
# A stage as written against an abbreviation: CKD3a, CKD4 (read by rules' stage_after)
_STAGE = r"[1-5][abAB]?"
MAX_RUN = 100  # characters without a space tokenized together
_LONG_RUN = re.compile(rf"(?<!\S)\S{{{MAX_RUN + 1},}}")


class ClinicalTokenizer(Tokenizer):
    """spaCy's rule-based tokenizer, fed runs longer than ``MAX_RUN`` in pieces, with a
    note's new words put in its cache first (``_cache_words``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._cached_words: set[str] = set()  # before spaCy's __init__, which flushes
        super().__init__(*args, **kwargs)

    def __call__(self, text: str) -> Doc:
        self._cache_words(text)
        if len(text) <= MAX_RUN or _LONG_RUN.search(text) is None:
            return keep_text(super().__call__(text), text)
        words: list[str] = []
        spaces: list[bool] = []
        for piece in _pieces(text):
            tokens = super().__call__(piece).to_array([IDX, LENGTH, SPACY]).tolist()
            words.extend(piece[start : start + length] for start, length, _ in tokens)
            spaces.extend(bool(space) for _, _, space in tokens)
        return keep_text(Doc(self.vocab, words=words, spaces=spaces), text)

    def _cache_words(self, text: str) -> None:
        """Tokenize each word of ``text`` (a run without a space) not met before alone, so
        that spaCy caches its tokens. spaCy caches a word's tokens only while no special
        case ("Dr.", "e.g.", "s/p") has occurred earlier in the same text (one flag per
        call, though the tokens of a word never depend on what precedes it), so a note's
        words after its first special case were split by the affix rules again on every
        note: a quarter of CodiEsp dev's words, most of the tokenizer's time. Alone, a
        word meets no earlier special case. Words stop being added when spaCy's cache
        is full (``max_cache_size``, as it stops caching), and a run longer than
        ``MAX_RUN`` is left to ``__call__``'s pieces."""
        known = self._cached_words
        if len(known) >= self.max_cache_size:
            return
        new = set(text.split()) - known
        for word in new:
            if len(word) <= MAX_RUN:
                super().__call__(word)
        known |= new

    def _reset_cache(self, keys: list[int]) -> None:
        """spaCy empties (part of) its cache when rules change: cache every word again."""
        super()._reset_cache(keys)
        self._cached_words.clear()


def _pieces(text: str) -> list[str]:
    """``text`` cut so that no piece holds more than ``MAX_RUN`` characters of a run
    without a space; the pieces join back into ``text``."""
    pieces: list[str] = []
    start = 0
    for run in _LONG_RUN.finditer(text):
        pieces.append(text[start : run.start()])
        pieces.extend(
            text[i : min(i + MAX_RUN, run.end())] for i in range(run.start(), run.end(), MAX_RUN)
        )
        start = run.end()
    pieces.append(text[start:])
    return [piece for piece in pieces if piece]


def make_clinical_tokenizer(nlp: Language) -> ClinicalTokenizer:
    """Build the clinical tokenizer for ``nlp``'s vocab from the word lists in the rules file."""
    rules = read_rules(None, "tokenizer.json")
    units = "|".join(re.escape(u) for u in sorted(rules["units"], key=len, reverse=True))
    bullets = [re.escape(b) for b in rules["bullets"]]
    staged = "|".join(
        rf"(?<={re.escape(variant)})"
        for form in rules["stage_after"]
        for variant in sorted({form, form.lower(), form.capitalize()})
    )
    defaults = nlp.Defaults
    prefixes = [*bullets, r"-(?=[A-Za-z])", *(defaults.prefixes or ())]
    suffixes = [
        rf"(?<=[0-9])(?:{units})",
        _TEMPERATURE_UNIT,
        rf"(?:{staged}){_STAGE}",
        *(defaults.suffixes or ()),
    ]
    infixes = [
        rf"(?<=[0-9])(?=(?:{units})/)",
        _SIGNED_SLASH,
        *(defaults.infixes or ()),
    ]
    special_cases = dict(defaults.tokenizer_exceptions)
    for form in rules["keep_whole"]:
        for variant in {form, form.lower(), form.upper(), form.capitalize()}:
            special_cases[variant] = [{ORTH: variant}]
    return ClinicalTokenizer(
        nlp.vocab,
        rules=special_cases,
        prefix_search=compile_prefix_regex(prefixes).search,
        suffix_search=compile_suffix_regex(suffixes).search,
        infix_finditer=compile_infix_regex(infixes).finditer,
        token_match=re.compile(_DOTTED_ABBREVIATION).match,
        url_match=defaults.url_match,
    )


@spacy.registry.tokenizers(TOKENIZER)
def create_clinical_tokenizer() -> Callable[[Language], ClinicalTokenizer]:
    """Registry entry so a pipeline config names the tokenizer and ``spacy.load`` rebuilds it."""
    return make_clinical_tokenizer
