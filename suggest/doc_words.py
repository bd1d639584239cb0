"""A note's token words read from the Doc's arrays in one call each.

``doc[i].lower_`` or ``for token in doc`` makes a Token object per token, which costs
more than the reading it serves on a note of a few thousand tokens. The lists are kept
in ``doc.user_data`` (the Doc's own scratch space, which spaCy's extensions use too), so
every component of one note reads them once; no component changes a Doc's tokens after
the tokenizer.
"""

from __future__ import annotations

from spacy.attrs import LOWER, ORTH
from spacy.tokens import Doc

_KEY = "codesuggest.words"


def token_texts(doc: Doc) -> list[str]:
    """Each token's text, by position."""
    return _read(doc, ORTH)


def lowered_texts(doc: Doc) -> list[str]:
    """Each token's lower-case text, by position (``token.lower_``)."""
    return _read(doc, LOWER)


def _read(doc: Doc, attr: int) -> list[str]:
    cached: dict[int, list[str]] = doc.user_data.setdefault(_KEY, {})
    found = cached.get(attr)
    if found is None:
        strings = doc.vocab.strings
        found = cached[attr] = [strings[key] for key in doc.to_array(attr).tolist()]
    return found
