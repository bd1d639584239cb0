"""Reader for CMS's NCCI procedure-to-procedure (PTP) edit files: the pairs of CPT/HCPCS
codes that Medicare does not pay together for one patient, provider and date of service.
CMS publishes them each quarter for practitioners (``ccipra-v322r0-f1.txt``) and for
outpatient hospitals (``ccioph-v322r0-f1.txt``), each release split into parts f1-f4.
The files carry AMA CPT content, so codesuggest ships none: users load their own.

Layout (the same in every release; .txt is tab-delimited, the .xlsx and .csv variants
hold the same cells): a CPT copyright line, a "Column1/Column2 Edits" title, a header
row starting "Column 1 / Column 2" whose labels wrap over the next three rows, then one
edit a row::

    Column 1 | Column 2 | *=in existence prior to 1996 | Effective Date (YYYYMMDD) |
    Deletion Date (YYYYMMDD, "*" = none) | Modifier (0 not allowed, 1 allowed,
    9 not applicable) | PTP Edit Rationale

When both codes are reported, column 2 is denied unless the modifier indicator is 1 and
a PTP-associated modifier (59, XE, XS, XP, XU, anatomic modifiers) shows a distinct
service. An edit applies to dates of service from its effective date up to, not
including, its deletion date; indicator 9 marks an edit deleted retroactively (deleted
the day it took effect), which never applies.
"""

from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from code_index.loaders import SourceFileError
from code_index.loaders.source_text import read_source_lines
from code_index.records import PtpEdit

SOURCE = "cms-ncci-ptp"

NcciSetting = Literal["practitioner", "hospital"]

# CPT (5 digits; 4 digits + a letter for Category II/III, PLA and vaccine codes) and
# HCPCS Level II (a letter + 4 digits)
_PTP_CODE = re.compile(r"[0-9]{4}[0-9A-Z]|[A-Z][0-9]{4}")
_MODIFIER_INDICATORS = ("0", "1", "9")
_RELEASE = re.compile(r"cci(?P<kind>pra|oph)-v(?P<major>\d+)(?P<minor>\d)r(?P<revision>\d+)", re.I)
_SETTING_WORDS: tuple[tuple[str, NcciSetting], ...] = (
    ("ccipra", "practitioner"),
    ("practitioner", "practitioner"),
    ("ccioph", "hospital"),
    ("hospital", "hospital"),
    ("outpatient", "hospital"),
)
_SHEET_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


@dataclass
class LoadedPtpEdits:
    """What one NCCI PTP file contributes: the edits in force on ``as_of`` and how
    many rows were left out and why."""

    setting: NcciSetting
    release: str  # e.g. "version 32.2, revision 0", from the file name
    file: str
    as_of: str  # ISO date the edits were filtered for
    edits: list[PtpEdit]
    rows: int  # edit rows read
    left_out: dict[str, int] = field(default_factory=dict)  # deleted | not yet effective | ...


def load_ncci_ptp(
    path: Path, as_of: date | None = None, setting: NcciSetting | None = None
) -> LoadedPtpEdits:
    """The PTP edits of one CMS file (tab-delimited .txt, .csv or .xlsx) in force on
    ``as_of`` (default: today). Deleted edits, edits not yet effective and retroactively
    deleted ones (indicator 9) are counted, not kept. The setting (practitioner or
    outpatient hospital) is read from CMS's file name unless given; a row that is not
    an edit is an error naming the file and line, so a damaged file never loses edits."""
    day = (as_of or date.today()).isoformat()
    kind = setting or _setting_from_name(path)
    edits: list[PtpEdit] = []
    left_out: Counter[str] = Counter()
    rows = 0
    strings: dict[str, str] = {}  # one string object per distinct rationale or date
    for number, cells in _edit_rows(path):
        rows += 1
        where = f"{path}, line {number}"
        edit, reason = _parse_row(cells, where, kind, day, strings)
        if edit is None:
            left_out[reason] += 1
        else:
            edits.append(edit)
    if rows == 0:
        raise SourceFileError(f"{path}: the NCCI PTP header is there but no edit rows follow")
    return LoadedPtpEdits(
        setting=kind,
        release=_release(path),
        file=path.name,
        as_of=day,
        edits=edits,
        rows=rows,
        left_out=dict(sorted(left_out.items())),
    )


def _parse_row(
    cells: list[str], where: str, setting: str, day: str, strings: dict[str, str]
) -> tuple[PtpEdit | None, str]:
    """The edit on one data row if it is in force on ``day``, else why it is not."""
    if len(cells) < 6:
        raise SourceFileError(
            f"{where}: expected 7 columns (Column 1, Column 2, prior to 1996, effective date, "
            f"deletion date, modifier, rationale); found {len(cells)}"
        )
    column1, column2 = cells[0].upper(), cells[1].upper()
    for code in (column1, column2):
        if not _PTP_CODE.fullmatch(code):
            raise SourceFileError(f"{where}: {code!r} is not a CPT or HCPCS code")
    effective = _iso_date(cells[3], where, "effective date")
    deletion = None if cells[4] in ("", "*") else _iso_date(cells[4], where, "deletion date")
    indicator = cells[5]
    if indicator not in _MODIFIER_INDICATORS:
        raise SourceFileError(
            f"{where}: modifier indicator {indicator!r} is not 0, 1 or 9 "
            "(0 = not allowed, 1 = allowed, 9 = not applicable)"
        )
    if indicator == "9":
        return None, "not applicable (9)"
    if deletion is not None and deletion <= day:
        return None, "deleted"
    if effective > day:
        return None, "not yet effective"
    rationale = cells[6] if len(cells) > 6 else ""
    return (
        PtpEdit(
            column1,
            column2,
            indicator == "1",
            strings.setdefault(rationale, rationale),
            setting,
            strings.setdefault(effective, effective),
            strings.setdefault(deletion, deletion) if deletion else None,
        ),
        "",
    )


def _edit_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line number, stripped cells) of each edit row: the preamble up to the
    "Column 1 / Column 2" header and the header's wrapped label rows are skipped."""
    header_seen = False
    in_header = False
    for number, cells in table_rows(path):
        if not any(cells):
            continue
        if not header_seen:
            if len(cells) > 1 and cells[0].lower() == "column 1" and cells[1].lower() == "column 2":
                header_seen = in_header = True
            continue
        if in_header and not cells[0] and not cells[1]:
            continue  # the header's labels wrap: "prior to 1996", "0=not allowed", ...
        in_header = False
        yield number, cells
    if not header_seen:
        raise SourceFileError(
            f"{path}: not a CMS NCCI PTP edit file: no header row starting "
            "'Column 1', 'Column 2' (expected CMS's ccipra-/ccioph- .txt, .csv or .xlsx file)"
        )


def table_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(line number, stripped cells) of every row of a CMS table file: .xlsx, .csv or
    tab-delimited .txt (the MUE loader reads its files the same way)."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        yield from _xlsx_rows(path)
        return
    lines = read_source_lines(path)
    if suffix == ".csv":
        for number, row in enumerate(csv.reader(lines), start=1):
            yield number, [cell.strip() for cell in row]
        return
    for number, line in enumerate(lines, start=1):
        yield number, [cell.strip() for cell in line.rstrip("\x1a").split("\t")]


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    """Rows of the first worksheet of an .xlsx file as text, numbered as Excel shows
    them; read with the standard library (an .xlsx file is zipped XML)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            shared = (
                _shared_strings(archive.read("xl/sharedStrings.xml"))
                if "xl/sharedStrings.xml" in names
                else []
            )
            sheets = sorted(
                (n for n in names if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)),
                key=lambda n: int(re.sub(r"\D", "", n)),
            )
            if not sheets:
                raise SourceFileError(f"{path}: the workbook has no worksheet")
            sheet = ET.fromstring(archive.read(sheets[0]))
    except (OSError, zipfile.BadZipFile, ET.ParseError) as error:
        raise SourceFileError(f"{path}: not a readable .xlsx workbook ({error})") from error
    for row in sheet.iterfind("m:sheetData/m:row", _SHEET_NS):
        cells: dict[int, str] = {}
        for cell in row.iterfind("m:c", _SHEET_NS):
            column = _column_index(cell.get("r", ""), len(cells))
            cells[column] = _cell_text(cell, shared)
        values = [cells.get(i, "") for i in range(max(cells, default=-1) + 1)]
        for i in (0, 1):  # a code Excel stored as a number lost its leading zeros
            if i < len(values) and values[i].isdigit() and len(values[i]) < 5:
                values[i] = values[i].zfill(5)
        yield int(row.get("r", "0")), values


def _shared_strings(data: bytes) -> list[str]:
    root = ET.fromstring(data)
    return [
        "".join(t.text or "" for t in item.iter(f"{{{_SHEET_NS['m']}}}t"))
        for item in root.iterfind("m:si", _SHEET_NS)
    ]


def _column_index(reference: str, default: int) -> int:
    letters = re.match(r"[A-Z]+", reference)
    if not letters:
        return default
    index = 0
    for letter in letters.group():
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


def _cell_text(cell: ET.Element, shared: list[str]) -> str:
    kind = cell.get("t")
    if kind == "inlineStr":
        return "".join(t.text or "" for t in cell.iter(f"{{{_SHEET_NS['m']}}}t")).strip()
    value = cell.findtext("m:v", default="", namespaces=_SHEET_NS).strip()
    if kind == "s" and value.isdigit() and int(value) < len(shared):
        return shared[int(value)].strip()
    if kind in (None, "n") and re.fullmatch(r"\d+\.0+", value):
        return value.split(".")[0]  # 20240101.0 -> 20240101
    return value


def _iso_date(text: str, where: str, what: str) -> str:
    try:
        return datetime.strptime(text, "%Y%m%d").date().isoformat()
    except ValueError as error:
        raise SourceFileError(f"{where}: {what} {text!r} is not a YYYYMMDD date") from error


def _setting_from_name(path: Path) -> NcciSetting:
    name = path.name.lower()
    for word, setting in _SETTING_WORDS:
        if word in name:
            return setting
    raise SourceFileError(
        f"{path}: cannot tell practitioner from outpatient hospital edits by the file name; "
        "keep CMS's name (ccipra-… for practitioners, ccioph-… for hospitals)"
    )


def _release(path: Path) -> str:
    match = _RELEASE.search(path.name)
    if match is None:
        return "release not stated in the file name"
    return f"version {match['major']}.{match['minor']}, revision {match['revision']}"
