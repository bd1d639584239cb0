"""Section detection: which part of the note (HPI, family history, plan...) each token is in.

The section changes what a mention means for coding: a disease under FAMILY
HISTORY belongs to a relative, one under PAST SURGICAL HISTORY is done. Headings
come from ``rules/sections.json`` (a key and its spellings). A phrase counts as a
heading only where notes put headings:

- at the start of a line and followed by ``:`` (``PMH: HTN``, ``Assessment/Plan:``);
- alone on a line in capitals (``ASSESSMENT AND PLAN``), except the ambiguous ones
  listed under ``needs_colon`` (``PE`` alone on a line is more likely pulmonary embolism);
- after a sentence's final ``.``/``!``/``?`` and followed by ``:`` (``... stable. Plan: ...``),
  when ``inline_headings`` is on.

A section runs from its heading to the next one; text before the first heading
has no section (``Token._.section`` is None), except a title line that opens the note
(``title`` in the rules: the visit or exam it names, ``US ABDOMEN LIMITED (RUQ)``).
A section listed under ``line_sections`` whose heading runs into its text
("Family history: uncle with ALS.") holds that line only: narrative notes have no
heading after it, and the examination that follows is the patient's, not the uncle's;
the section open before it, if any, resumes.
"""

from __future__ import annotations

import re
from functools import cache

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from suggest.doc_words import note_text
from suggest.extensions import Section, register_extensions
from suggest.rules import RuleFileComponent, read_rules

register_extensions()

_SENTENCE_END = frozenset({".", "!", "?"})


@cache
def title_key() -> str | None:
    """The section key of a note's opening title line in the packaged rules: the visit or
    the exam it names, which the coding rules read as no documentation of a diagnosis."""
    key: str | None = read_rules(None, "sections.json").get("title")
    return key


@Language.factory(
    "codesuggest_sections",
    default_config={"rules_path": None, "inline_headings": True},
)
class SectionTagger(RuleFileComponent):
    """Writes ``Doc._.sections``; ``Token._.section`` reads from it."""

    def __init__(
        self, nlp: Language, name: str, rules_path: str | None, inline_headings: bool
    ) -> None:
        self.nlp = nlp
        self.name = name
        self.inline_headings = inline_headings
        self.rules = read_rules(rules_path, "sections.json")
        self._build()

    def _build(self) -> None:
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        for section in self.rules["sections"]:
            self.matcher.add(section["key"], [self.nlp.make_doc(h) for h in section["headings"]])
        self.needs_colon = {
            tuple(token.lower_ for token in heading)
            for heading in map(self.nlp.make_doc, self.rules["needs_colon"])
        }
        self.line_sections = frozenset(self.rules.get("line_sections", ()))
        self.title_key: str | None = self.rules.get("title")

    def __call__(self, doc: Doc) -> Doc:
        strings = self.nlp.vocab.strings
        # longest heading first where several start at one token ("assessment and plan")
        matches = sorted(self.matcher(doc), key=lambda m: (m[1], m[1] - m[2]))
        found: list[tuple[int, str, str]] = []
        taken_until = 0
        for match_id, start, end in matches:
            if start < taken_until or not self._is_heading(doc, start, end):
                continue
            found.append((doc[start].idx, strings[match_id], doc[start:end].text))
            taken_until = end
        # each section ends where the next begins, the last at the end of the note
        text = note_text(doc)
        ends = [start_char for start_char, _, _ in found[1:]] + [len(text)]
        sections: list[Section] = []
        title = _title_line(text, found[0][0] if found else len(text))
        if title is not None and self.title_key is not None:
            # a title has no heading: its words are its content
            sections.append(Section(title[0], title[1], self.title_key, ""))
        for (start_char, key, heading), end_char in zip(found, ends, strict=False):
            line_end = (
                _run_in_line_end(text, start_char, heading) if key in self.line_sections else None
            )
            if line_end is not None and line_end < end_char:
                resumed = sections[-1] if sections else None
                sections.append(Section(start_char, line_end, key, heading))
                if resumed is not None:
                    sections.append(Section(line_end, end_char, resumed.key, resumed.heading))
            else:
                sections.append(Section(start_char, end_char, key, heading))
        doc._.sections = tuple(sections)
        return doc

    def _is_heading(self, doc: Doc, start: int, end: int) -> bool:
        """True where the phrase at ``doc[start:end]`` stands where notes put headings."""
        colon = end < len(doc) and doc[end].text == ":"
        previous = doc[start - 1] if start else None
        if previous is None or (previous.is_space and ("\n" in previous.text or start == 1)):
            if colon:
                return True
            words = tuple(token.lower_ for token in doc[start:end])
            return words not in self.needs_colon and _alone_in_capitals(doc, start, end)
        if not (colon and self.inline_headings):
            return False
        while previous.is_space and previous.i > 0:
            previous = doc[previous.i - 1]
        return previous.text in _SENTENCE_END


# a specialty or visit in capitals before a dash names what follows it in any case
# ("ENDO - thyroid cancer surveillance")
_NAMED_BEFORE_DASH = re.compile(r"(?:[A-Z]{2,}[ /])*[A-Z]{2,} - \S")


def _title_line(text: str, first_heading: int) -> tuple[int, int] | None:
    """Where the note's title runs (its first line, before any heading, mostly in
    capitals and without a colon: ``CTA CHEST (PULMONARY EMBOLISM PROTOCOL)``,
    ``UROLOGY F/U - STONE``, or a word in capitals before a dash: ``ENDO - thyroid cancer
    surveillance``), or None where the note does not open with one. A title
    names the visit or the exam, not what the provider found."""
    start = len(text) - len(text.lstrip())
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    line = text[start:end]
    if end > first_heading or ":" in line:
        return None
    words = re.findall(r"[^\W\d_]{2,}", line)
    capitals = sum(w.isupper() for w in words)
    if not words or not words[0].isupper():
        return None
    named = _NAMED_BEFORE_DASH.match(line) is not None and not line.endswith(".")
    return (start, end) if 2 * capitals >= len(words) or named else None


def _run_in_line_end(text: str, start_char: int, heading: str) -> int | None:
    """Where the line of a heading that runs into its text ends (None for a heading alone
    on its line, whose section holds the lines below it)."""
    line_end = text.find("\n", start_char)
    line_end = len(text) if line_end < 0 else line_end
    rest = text[start_char + len(heading) : line_end].lstrip(" \t:")
    return line_end if rest.strip() else None


def _alone_in_capitals(doc: Doc, start: int, end: int) -> bool:
    """True for a heading in capitals that fills its line (``FAMILY HISTORY``)."""
    line_ends = end == len(doc) or (doc[end].is_space and "\n" in doc[end].text)
    words = [token for token in doc[start:end] if token.is_alpha]
    return line_ends and bool(words) and all(token.is_upper for token in words)
