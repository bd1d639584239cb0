"""A tokenizer for clinical notes: spaCy's English rules plus what notes write differently.

It stays spaCy's rule-based (Cython) tokenizer, so it is fast and saves with the
pipeline; only its rules change, and the word lists come from
``rules/tokenizer.json``:

- shorthand with a slash stays whole (``s/p``, ``w/``, ``h/o``, ``r/o``) while a
  slash between words splits (``HTN/DM`` -> ``HTN / DM``), so ConText triggers and
  mentions are single, matchable tokens;
- dotted abbreviations stay whole (``b.i.d.``, ``q.d.``, ``e.g.``, ``Dr.``,
  ``approx.``), so their dot is never read as the end of a sentence;
- numbers split from units (``5mg`` -> ``5 mg``, ``10mg/kg`` -> ``10 mg / kg``,
  ``38.2C`` -> ``38.2 C``); blood pressures (``130/80``) and ``SpO2`` stay whole;
- list bullets split from the word they touch (``•cough``, ``-fever``); list
  numbers split as spaCy does (``1.`` -> ``1 .``) and the sentence component
  recognises them.

Hyphens: a hyphen between letters (or a digit and a letter) is its own token, as
in spaCy's English rules: ``non-small-cell`` -> ``non - small - cell``. Phrase
matchers must therefore build their patterns with ``nlp.make_doc`` (this same
tokenizer), so the hyphenated spelling in a code title and in a note tokenize
identically; a spelling without hyphens (``non small cell``) is a separate pattern.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import spacy
from spacy.attrs import ORTH
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.util import compile_infix_regex, compile_prefix_regex, compile_suffix_regex

from suggest.rules import read_rules

TOKENIZER = "codesuggest.clinical_tokenizer.v1"  # its name in a pipeline config
# Any run of single letters each followed by a dot: b.i.d., q.d., p.r.n., e.g., i.v.
_DOTTED_ABBREVIATION = r"^(?:[A-Za-z]\.){2,}$"
# A temperature written against its number: 38.2C, 37C (not 3C: a grade, a stage).
_TEMPERATURE_UNIT = r"(?:(?<=[0-9]{2})|(?<=[0-9]\.[0-9]))[CF]"


def make_clinical_tokenizer(nlp: Language) -> Tokenizer:
    """Build the clinical tokenizer for ``nlp``'s vocab from the word lists in the rules file."""
    rules = read_rules(None, "tokenizer.json")
    units = "|".join(re.escape(u) for u in sorted(rules["units"], key=len, reverse=True))
    bullets = [re.escape(b) for b in rules["bullets"]]
    defaults = nlp.Defaults
    prefixes = [*bullets, r"-(?=[A-Za-z])", *(defaults.prefixes or ())]
    suffixes = [rf"(?<=[0-9])(?:{units})", _TEMPERATURE_UNIT, *(defaults.suffixes or ())]
    infixes = [rf"(?<=[0-9])(?=(?:{units})/)", *(defaults.infixes or ())]
    special_cases = dict(defaults.tokenizer_exceptions)
    for form in rules["keep_whole"]:
        for variant in {form, form.lower(), form.upper(), form.capitalize()}:
            special_cases[variant] = [{ORTH: variant}]
    return Tokenizer(
        nlp.vocab,
        rules=special_cases,
        prefix_search=compile_prefix_regex(prefixes).search,
        suffix_search=compile_suffix_regex(suffixes).search,
        infix_finditer=compile_infix_regex(infixes).finditer,
        token_match=re.compile(_DOTTED_ABBREVIATION).match,
        url_match=defaults.url_match,
    )


@spacy.registry.tokenizers(TOKENIZER)
def create_clinical_tokenizer() -> Callable[[Language], Tokenizer]:
    """Registry entry so a pipeline config names the tokenizer and ``spacy.load`` rebuilds it."""
    return make_clinical_tokenizer
