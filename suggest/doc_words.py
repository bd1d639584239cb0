"""A note's text and token words, each read from the Doc once.

``doc[i].lower_`` or ``for token in doc`` makes a Token object per token, which costs
more than the reading it serves on a note of a few thousand tokens, and ``doc.text``
joins every token's text again on each call. Words are read from the Doc's arrays, one
call each, and what is read is kept in ``doc.user_data`` (the Doc's own scratch space,
where spaCy keeps extension values too), so the components of one note read it once; no
component changes a Doc's tokens after the tokenizer.
"""

from __future__ import annotations

from spacy.attrs import LOWER, ORTH
from spacy.tokens import Doc

_KEY = "codesuggest.doc_words"
# token texts by their string hash, as spaCy's StringStore maps them (the hash is of the
# text alone, the same in every vocabulary); kept up to this many
_TEXTS: dict[int, str] = {}
_TEXTS_KEPT = 500_000


def note_text(doc: Doc) -> str:
    """The note's text (``doc.text``): as the tokenizer kept it (``keep_text``), or
    rebuilt once."""
    key = f"{_KEY}.text"
    text: str | None = doc.user_data.get(key)
    if text is None:
        text = doc.user_data[key] = doc.text
    return text


def keep_text(doc: Doc, text: str) -> Doc:
    """Keep the ``text`` a tokenizer made ``doc`` from (spaCy's tokenizers keep every
    character, so it is ``doc.text``), which ``doc.text`` would rebuild token by token."""
    doc.user_data[f"{_KEY}.text"] = text
    return doc


def lowered_words(doc: Doc) -> frozenset[str]:
    """The note's distinct lower-case words, built once a note: a rule that asks whether
    the note holds a word asks it in one look-up, not a scan of the note per question."""
    key = f"{_KEY}.lowered_set"
    found: frozenset[str] | None = doc.user_data.get(key)
    if found is None:
        found = doc.user_data[key] = frozenset(lowered_texts(doc))
    return found


def token_texts(doc: Doc) -> list[str]:
    """Each token's text, by position."""
    return _read(doc, ORTH)


def lowered_texts(doc: Doc) -> list[str]:
    """Each token's lower-case text, by position (``token.lower_``)."""
    return _read(doc, LOWER)


def _read(doc: Doc, attr: int) -> list[str]:
    key = f"{_KEY}.{attr}"
    found: list[str] | None = doc.user_data.get(key)
    if found is None:
        values = doc.to_array(attr).tolist()
        # each StringStore look-up decodes a new str: a word's text is taken from the
        # texts already read (one dict look-up per token, in C), a new word's once
        try:
            found = list(map(_TEXTS.__getitem__, values))
        except KeyError:
            if len(_TEXTS) >= _TEXTS_KEPT:
                _TEXTS.clear()
            strings = doc.vocab.strings
            _TEXTS.update((value, strings[value]) for value in set(values) - _TEXTS.keys())
            found = list(map(_TEXTS.__getitem__, values))
        doc.user_data[key] = found
    return found
