"""Reader for the CDC ICD-10-CM Tabular List XML (``ICD10CM.tabular``).

The Tabular List is the authority on which ICD-10-CM codes exist, which are
billable and which instructions (Excludes1, Code first, ...) govern them, so the
index is built from it rather than from a flat code list. Codes that need a 7th
character are expanded here exactly as CDC expands them for its order file.
"""

from __future__ import annotations

import importlib.util
import re
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path
from typing import NamedTuple

from code_index.loaders import LoadedCodeSet, SourceFileError, parse_cdc_xml
from code_index.records import CodeRecord, CodeSetVersion, System, normalize_code

SOURCE = "cdc-tabular"
ROOT_TAG = "ICD10CM.tabular"
DEFAULT_XML_NAME = "icd10c-tabular-April-1-2026.xml"

# "(A00-B99)" at the end of a chapter or section description repeats its id.
_TRAILING_RANGE = re.compile(r"\s*\([A-Z0-9.]+(?:-[A-Z0-9.]+)?\)$")
_MONTHS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
# CDC names its files after the release date, e.g. "icd10cm-tabular-April-1-2026.xml".
_RELEASE_DATE = re.compile(
    rf"({'|'.join(_MONTHS)})[-_ ]?(\d{{1,2}})[-_, ]+(\d{{4}})", re.IGNORECASE
)
# Elements whose <note> children become CodeRecord fields.
_NOTE_TAGS = frozenset(
    {"inclusionTerm", "includes", "excludes1", "excludes2", "codeFirst", "useAdditionalCode",
     "codeAlso"}
)  # fmt: skip
# instructions a chapter or section may state, as the record attributes that hold them
_GROUP_INSTRUCTIONS = {
    "excludes1": "excludes1",
    "excludes2": "excludes2",
    "codeFirst": "code_first",
    "useAdditionalCode": "use_additional",
    "codeAlso": "code_also",
}
# The one 7th-character exception the tabular states only in prose (category S06):
# "7th characters D and S do not apply to codes in category S06 with 6th character
# 7 - death due to ..., or 8 - death due to ...".
_SEVENTH_EXCEPTION = re.compile(
    r"7th characters? (?P<chars>[A-Z](?:(?:,|,? and) [A-Z])*) (?:do|does) not apply to codes"
    r" in (?:category|subcategory) [A-Z0-9.]+ with (?P<pos>\d)th character (?P<values>.+)",
    re.IGNORECASE,
)
_EXCEPTION_VALUE = re.compile(r"\b([0-9A-Z]) - ")


class _SeventhException(NamedTuple):
    """7th characters that may not follow a given character at a given position."""

    chars: frozenset[str]
    position: int  # 0-based, in the dotless code
    values: frozenset[str]


class _Context(NamedTuple):
    """What a diag inherits from the chapter, section and diags above it."""

    chapter: str
    block: str
    parent: str | None
    seventh: tuple[tuple[str, str], ...]
    exceptions: tuple[_SeventhException, ...]


def default_tabular_xml() -> Path:
    """The FY2026 (April 1, 2026) tabular XML shipped by the ``simple-icd-10-cm`` package.

    Found through the import system without importing the package, whose import
    builds its own code tree and takes seconds.
    """
    spec = importlib.util.find_spec("simple_icd_10_cm")
    if spec is None or not spec.submodule_search_locations:
        raise SourceFileError(
            "The default ICD-10-CM tabular XML ships with the simple-icd-10-cm package, "
            "which is not installed; install it or pass the path of a CDC tabular XML."
        )
    for location in spec.submodule_search_locations:
        candidate = Path(location) / "data" / DEFAULT_XML_NAME
        if candidate.is_file():
            return candidate
    raise SourceFileError(
        f"The simple-icd-10-cm package is installed but holds no data/{DEFAULT_XML_NAME}; "
        "reinstall simple-icd-10-cm==1.5.0 or pass the path of a CDC tabular XML."
    )


def load_icd10cm_tabular(path: Path | None = None) -> LoadedCodeSet:
    """Every ICD-10-CM code of a CDC Tabular List XML, with its instructions.

    One record per ``diag`` (categories and subcategories are kept, not billable,
    so validity checks can walk up to the instructions they carry) plus the
    7th-character codes CDC derives from ``sevenChrDef``. Reads the packaged
    FY2026 file when no path is given; any newer CDC release in the same schema
    reads the same way.
    """
    xml_path = default_tabular_xml() if path is None else Path(path)
    root = parse_cdc_xml(xml_path, ROOT_TAG, "tabular", "Tabular List")
    records: list[CodeRecord] = []
    groups: dict[str, str] = {}
    group_notes: dict[str, dict[str, tuple[str, ...]]] = {}
    for chapter in root.findall("chapter"):
        chapter_id = _text(chapter.find("name"))
        groups[chapter_id] = _TRAILING_RANGE.sub("", _text(chapter.find("desc")))
        if notes := _group_instructions(chapter):
            group_notes[chapter_id] = notes
        for section in chapter.findall("section"):
            block = section.get("id", "").strip()
            groups[block] = _TRAILING_RANGE.sub("", _text(section.find("desc")))
            if notes := _group_instructions(section):
                group_notes[block] = notes
            context = _Context(chapter_id, block, None, (), ())
            for diag in section.findall("diag"):
                _add_diag(diag, context, records, xml_path)
    if not records:
        raise SourceFileError(f"{xml_path} has the ICD10CM.tabular root but holds no codes.")
    return LoadedCodeSet(
        version=_version(root, xml_path), records=records, groups=groups, group_notes=group_notes
    )


def _group_instructions(group: ET.Element) -> dict[str, tuple[str, ...]]:
    """The instructions a chapter or section states for every code in it, by the
    ``CodeRecord`` attribute that holds them on a code."""
    found: dict[str, tuple[str, ...]] = {}
    for child in group:
        attribute = _GROUP_INSTRUCTIONS.get(child.tag)
        if attribute is not None:
            found[attribute] = found.get(attribute, ()) + tuple(
                _text(note) for note in child.iter("note")
            )
    return found


def _add_diag(
    diag: ET.Element, context: _Context, records: list[CodeRecord], xml_path: Path
) -> None:
    """Append the record for ``diag``, its sub-diags and, on leaves, its 7th-character codes."""
    code = _text(diag.find("name"))
    if not code:
        raise SourceFileError(f"{xml_path} has a <diag> without a code under {context.parent}.")
    title = _text(diag.find("desc"))
    notes: dict[str, list[str]] = {}
    seventh: tuple[tuple[str, str], ...] = ()
    exceptions = context.exceptions
    for child in diag:
        tag = child.tag
        if tag == "sevenChrDef":
            seventh = tuple(
                (ext.get("char", "").strip(), _text(ext)) for ext in child.iter("extension")
            )
        elif tag == "notes":
            exceptions += tuple(_seventh_exceptions(child))
        elif tag in _NOTE_TAGS:
            notes.setdefault(tag, []).extend(_text(note) for note in child.iter("note"))
    children = diag.findall("diag")
    inherited_seventh = seventh or context.seventh
    records.append(
        CodeRecord(
            code=code,
            system=System.ICD10CM,
            title=title,
            source=SOURCE,
            terms=tuple(dict.fromkeys(notes.get("inclusionTerm", []) + notes.get("includes", []))),
            billable=not children and not inherited_seventh,
            parent=context.parent,
            chapter=context.chapter,
            block=context.block,
            excludes1=tuple(notes.get("excludes1", ())),
            excludes2=tuple(notes.get("excludes2", ())),
            code_first=tuple(notes.get("codeFirst", ())),
            use_additional=tuple(notes.get("useAdditionalCode", ())),
            code_also=tuple(notes.get("codeAlso", ())),
            seventh_characters=seventh,
        )
    )
    below = context._replace(parent=code, seventh=inherited_seventh, exceptions=exceptions)
    for child_diag in children:
        _add_diag(child_diag, below, records, xml_path)
    if not children and inherited_seventh:
        records.extend(_seventh_character_codes(code, title, below))


def _seventh_character_codes(code: str, title: str, context: _Context) -> list[CodeRecord]:
    """The billable codes CDC derives from a leaf that needs a 7th character.

    The dotless code is padded with placeholder X to six characters, then each
    7th character is added; titles read "<leaf title>, <7th-character meaning>"
    as in CDC's order file.
    """
    padded = normalize_code(code).ljust(6, "X")
    barred = {
        char
        for exception in context.exceptions
        if len(padded) > exception.position and padded[exception.position] in exception.values
        for char in exception.chars
    }
    return [
        CodeRecord(
            code=f"{padded[:3]}.{padded[3:]}{char}",
            system=System.ICD10CM,
            title=f"{title}, {meaning}",
            source=SOURCE,
            parent=code,
            chapter=context.chapter,
            block=context.block,
        )
        for char, meaning in context.seventh
        if char not in barred
    ]


def _seventh_exceptions(notes: ET.Element) -> list[_SeventhException]:
    """7th-character exceptions stated in a ``notes`` element (only S06 has one in FY2026)."""
    found = []
    for note in notes.iter("note"):
        match = _SEVENTH_EXCEPTION.search(_text(note))
        if match:
            found.append(
                _SeventhException(
                    chars=frozenset(re.findall(r"\b[A-Z]\b", match["chars"].upper())),
                    position=int(match["pos"]) - 1,
                    values=frozenset(_EXCEPTION_VALUE.findall(match["values"])),
                )
            )
    return found


def _version(root: ET.Element, xml_path: Path) -> CodeSetVersion:
    """The release: fiscal year from ``<version>``, release date from the CDC file name."""
    fiscal_year = _text(root.find("version"))
    extra = {"xml_version": fiscal_year} if fiscal_year else {}
    label, effective = release_label(fiscal_year, xml_path.name)
    return CodeSetVersion(
        system=System.ICD10CM,
        version=label,
        source=SOURCE,
        effective=effective,
        file=xml_path.name,
        extra=extra,
    )


def release_label(fiscal_year: str, file_name: str) -> tuple[str, str | None]:
    """A release's name and effective date: "FY2026 (April 1, 2026)" from the fiscal year
    and the release date CDC writes into its file names (the date only when named)."""
    label = f"FY{fiscal_year}" if fiscal_year else "unknown fiscal year"
    released = _release_date(file_name)
    if released is None:
        return label, None
    month = _MONTHS[released.month - 1].title()
    return f"{label} ({month} {released.day}, {released.year})", released.isoformat()


def _release_date(file_name: str) -> date | None:
    """The release date CDC writes into its file names, if this name has one."""
    match = _RELEASE_DATE.search(file_name)
    if not match:
        return None
    try:
        return date(int(match[3]), _MONTHS.index(match[1].lower()) + 1, int(match[2]))
    except ValueError:
        return None


def _text(element: ET.Element | None) -> str:
    """Element text with runs of whitespace (tabs, line breaks in the XML) made single spaces."""
    if element is None:
        return ""
    return " ".join("".join(element.itertext()).split())
