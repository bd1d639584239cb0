"""Reader for the CDC ICD-10-CM Alphabetic Index XML files (``ICD10CM.index``).

Coders find codes through the Index before confirming them in the Tabular List;
its entries are the words clinicians actually write ("Pneumonia, aspiration"),
so they are the richest synonym source for search and for matching notes. One
reader serves all four files of a release: the main Index and the External
Cause Index (term trees with codes) and the Neoplasm and Drug tables (term
trees whose codes sit in columns).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

from code_index.loaders import IndexTerm, SourceFileError, parse_cdc_xml

ROOT_TAG = "ICD10CM.index"
# Elements whose text is a code the entry leads to: <code>, <subcat> ("see subcategory
# T75.0"), <seecat> ("see category T71"); <manif> when it holds a code (a manifestation
# code printed in brackets after the main one).
_CODE_TAGS = ("code", "subcat", "seecat", "manif")
_CODE = re.compile(r"[A-Z][0-9][0-9A-Z](?:\.[0-9A-Z]{0,4})?-?")
# Nonessential modifiers that complete the word before them: "contaminant(s)", "machine(ry)".
_SUFFIX_NEMODS = frozenset({"(s)", "(e)", "(es)", "(ry)"})
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,;:)])")
# Column heading words the Neoplasm Table abbreviates.
_HEADING_WORDS = {"ca": "carcinoma"}


def load_icd10cm_alphabetic_index(path: Path) -> list[IndexTerm]:
    """Every Index entry that leads to a code, as ``IndexTerm(term, code)`` in file order.

    ``term`` is the path of titles from the main term down, joined with ", " as CDC
    writes its own cross-references ("Pneumonia, aspiration"). Nonessential
    modifiers are left out of that term; when the entry's own title has some, a
    second term keeps them as printed ("Abuse (adult) (child) ..."), so their
    words can still match without the main term's modifiers spilling onto every
    subterm. Table cells become phrases naming their column ("Neoplasm, lung,
    malignant primary", "Poisoning by Aspirin, accidental (unintentional)").
    Codes are written as in the file, less a trailing "-" (which marks a code
    that needs more characters). ``see``/``seeAlso`` references yield nothing.
    """
    xml_path = Path(path)
    root = parse_cdc_xml(xml_path, ROOT_TAG, "index", "Alphabetic Index file")
    headings = {head.get("col", ""): _plain(head) for head in root.iter("head")}
    entries: dict[IndexTerm, None] = {}
    for main_term in root.iter("mainTerm"):
        for entry in _entries(main_term, (), headings, xml_path):
            entries[entry] = None
    return list(entries)


def _entries(
    element: ET.Element, path: tuple[str, ...], headings: dict[str, str], xml_path: Path
) -> Iterator[IndexTerm]:
    """Index terms of a mainTerm or term element and of the terms nested in it."""
    essential, printed = _title_forms(element.find("title"))
    here = (*path, essential) if essential else path
    rows = [here]  # the entry's term paths, essential one first
    if printed != essential:
        rows.append((*path, printed))
    codes = []
    for tag in _CODE_TAGS:
        for code_element in element.findall(tag):
            code = _code(code_element)
            if code:
                codes.append(code)
            elif tag == "manif" and _plain(code_element):
                rows.append((*here, _plain(code_element)))  # words qualifying the title
    for code in codes:
        yield from (IndexTerm(", ".join(row), code) for row in rows)
    for cell in element.findall("cell"):
        code = _code(cell)
        if not code:
            continue  # "-" / "--": no code in this column
        column = cell.get("col", "")
        if column not in headings:
            raise SourceFileError(
                f"{xml_path} has a table cell in column {column} but no <head> for that column."
            )
        yield from (IndexTerm(_cell_term(row, headings, column), code) for row in rows)
    for child in element.findall("term"):
        yield from _entries(child, here, headings, xml_path)


def _title_forms(title: ET.Element | None) -> tuple[str, str]:
    """A title without its nonessential modifiers, and the title as printed.

    The printed form puts a space before each modifier, except modifiers that
    finish the word they follow ("contaminant(s)").
    """
    if title is None:
        return "", ""
    essential = [title.text or ""]
    printed = [title.text or ""]
    for child in title:
        if child.tag == "nemod":
            modifier = _plain(child)
            glue = "" if modifier in _SUFFIX_NEMODS else " "
            printed.append(f"{glue}{modifier} ")
        else:  # any other inline markup is ordinary title text
            essential.append(_plain(child))
            printed.append(_plain(child))
        essential.append(child.tail or "")
        printed.append(child.tail or "")
    return _tidy("".join(essential)), _tidy("".join(printed))


def _cell_term(row: tuple[str, ...], headings: dict[str, str], column: str) -> str:
    """A table cell as a phrase: the row's term path and the column it sits in.

    The Drug Table reads like the tabular titles of T36-T65 ("Poisoning by X,
    accidental (unintentional)", "Adverse effect of X", "Underdosing of X"); other
    tables name the column after the row ("Neoplasm, lung, malignant primary").
    """
    subject = headings.get("1", "")
    heading = headings[column]
    if subject.lower() == "substance":
        substance = ", ".join(row)
        kind, _, intent = heading.partition(" ")
        if kind.lower() == "poisoning" and intent:
            return f"Poisoning by {substance}, {intent.lower()}"
        return f"{heading} of {substance}"
    if subject and row and row[0].lower().startswith(f"{subject.lower()},"):
        row = (subject, *row[1:])  # "Neoplasm, neoplastic" names the table's subject
    words = [_HEADING_WORDS.get(word.lower(), word.lower()) for word in heading.split()]
    return ", ".join((*row, " ".join(words)))


def _code(element: ET.Element) -> str | None:
    """The code an element holds, less the trailing "-" of an incomplete code."""
    text = _plain(element)
    if not _CODE.fullmatch(text):
        return None
    return text.rstrip("-.")


def _plain(element: ET.Element) -> str:
    """All text of an element with whitespace runs made single spaces."""
    return _tidy("".join(element.itertext()))


def _tidy(text: str) -> str:
    """Single spaces, none before closing punctuation."""
    return _SPACE_BEFORE_PUNCT.sub(r"\1", " ".join(text.split()))
