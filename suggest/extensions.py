"""Every custom attribute the suggest pipeline writes, declared in one place.

Components import this module and call :func:`register_extensions` at import
time, so a reader finds the whole shape of an annotated note here and nowhere
else. Values that hold several items are tuples: spaCy shares an extension's
default between all docs, so a mutable default would leak between notes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from spacy.tokens import Doc, Span, Token

MENTIONS_KEY = "mentions"
"""``doc.spans`` key holding diagnosis/procedure/supply mentions (filled by the mention matcher)."""

CONTEXT_FLAGS: tuple[str, ...] = ("negated", "uncertain", "hypothetical", "historical", "family")
"""Boolean ``Span._`` attributes set by the ConText component on each mention."""


class Section(NamedTuple):
    """One recognised section of a note: where it runs, its key and the heading as written."""

    start_char: int
    end_char: int
    key: str
    heading: str


def section_at(sections: Iterable[Sequence[Any]], char: int) -> Section | None:
    """The section of ``Doc._.sections`` holding offset ``char`` (None before the first one
    and in the gap a one-line section may leave).

    Entries are read by position: a Doc that went through ``to_bytes`` (as in
    ``nlp.pipe(n_process=2)``) comes back with plain lists in ``Doc._.sections``.
    """
    found: Sequence[Any] | None = None
    for section in sections:
        if section[0] > char:
            break
        found = section
    if found is None or char >= found[1]:
        return None
    return Section._make(found)


def section_key(sections: Iterable[Sequence[Any]], char: int) -> str | None:
    """The key of the section holding offset ``char``, if any."""
    section = section_at(sections, char)
    return section.key if section is not None else None


def _token_section(token: Token) -> str | None:
    """Section key of the token, read from ``Doc._.sections`` so there is one source of truth."""
    return section_key(token.doc._.sections, token.idx)


_EXTENSIONS: tuple[tuple[type[Doc] | type[Span] | type[Token], str, dict[str, Any]], ...] = (
    # Token._.section: key of the section the token is in (None before the first heading).
    (Token, "section", {"getter": _token_section}),
    # Doc._.deadline: time.monotonic() by which reading the note must end (suggest.budget).
    (Doc, "deadline", {"default": None}),
    # Doc._.sections: tuple of Section(start_char, end_char, key, heading), in text order.
    (Doc, "sections", {"default": ()}),
    # Span._.kind: "diagnosis" | "procedure" | "supply", set by the mention matcher.
    (Span, "kind", {"default": None}),
    *((Span, flag, {"default": False}) for flag in CONTEXT_FLAGS),
    # Span._.context_cues: trigger texts (and section headings) that set the flags.
    (Span, "context_cues", {"default": ()}),
    # Span._.matches: the code-set terms found at this mention (suggest.mentions.TermMatch).
    (Span, "matches", {"default": ()}),
)


_SPAN_DEFAULTS = {
    name: kwargs["default"]
    for cls, name, kwargs in _EXTENSIONS
    if cls is Span and "default" in kwargs
}


def span_values(span: Span, names: Sequence[str]) -> list[Any]:
    """Several of ``span``'s extension values, each as ``span._.<name>`` reads it, in one
    pass: each ``span._`` builds an accessor and each read a key, ~170k reads a CodiEsp
    dev pass. spaCy keeps a span's values in ``doc.user_data`` under ("._.", name,
    start_char, end_char) (``spacy/tokens/underscore.py``); the values declared here are
    plain ones (no getter, an immutable default), read there the same way."""
    data: dict[Any, Any] = span.doc.user_data  # typed as str-keyed; spaCy keys it by tuples too
    start, end = span.start_char, span.end_char
    return [data.get(("._.", name, start, end), _SPAN_DEFAULTS[name]) for name in names]


def doc_sections(doc: Doc) -> tuple[Any, ...]:
    """``doc._.sections`` read where spaCy keeps it (``doc.user_data`` under ("._.",
    "sections", None, None), see :func:`span_values`), without an accessor object per
    read: the rules read it once per candidate (~11k reads a CodiEsp dev pass)."""
    data: dict[Any, Any] = doc.user_data  # typed as str-keyed; spaCy keys it by tuples too
    sections: tuple[Any, ...] = data.get(("._.", "sections", None, None), ())
    return sections


def set_span_values(span: Span, values: Mapping[str, Any]) -> None:
    """Write several of ``span``'s extension values where ``span._.<name> = value`` writes
    them (see :func:`span_values`), without an accessor per span and a lookup per write."""
    data: dict[Any, Any] = span.doc.user_data
    start, end = span.start_char, span.end_char
    for name, value in values.items():
        if name not in _SPAN_DEFAULTS:
            raise AttributeError(f"no span extension {name!r}")
        data[("._.", name, start, end)] = value


def register_extensions() -> None:
    """Declare the extensions once; safe to call again (it skips those that exist)."""
    for cls, name, kwargs in _EXTENSIONS:
        if not cls.has_extension(name):
            cls.set_extension(name, **kwargs)
