"""Reader for CMS's Medically Unlikely Edit (MUE) files: for each CPT/HCPCS code, the
most units one provider reports for one patient on one date of service. CMS publishes
three tables each quarter, for practitioners, outpatient hospitals and DME suppliers
(``MCR_MUE_PractitionerServices_Eff_<date>``, ``…OutpatientHospitalServices…``,
``…DMESupplierServices…``, as .csv and .xlsx). They carry AMA CPT content, so
codesuggest ships none: users load their own.

Layout (the same in every table): AMA copyright lines, then a header row and one edit a
row::

    HCPCS/CPT Code | <Practitioner Services | Outpatient Hospital Services |
    DME Supplier Services> MUE Values | MUE Adjudication Indicator | MUE Rationale

The adjudication indicator cell reads "1 Line Edit", "2 Date of Service Edit: Policy"
or "3 Date of Service Edit: Clinical": 1 applies to each claim line, 2 and 3 to all the
units of the date of service (2 is absolute; 3 may be exceeded on appeal with
documentation of medical necessity).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from code_index.loaders import SourceFileError
from code_index.loaders.ncci import table_rows
from code_index.records import MueLimit

SOURCE = "cms-mue"

ADJUDICATION = {
    "1": "line edit",
    "2": "date of service edit: policy",
    "3": "date of service edit: clinical",
}
_CODE = re.compile(r"[0-9]{4}[0-9A-Z]|[A-Z][0-9]{4}")
_SETTINGS = (  # words of the values column's header -> setting
    ("practitioner", "practitioner"),
    ("outpatient hospital", "hospital"),
    ("dme", "dme"),
)
_EFFECTIVE = re.compile(r"Eff_(\d{2})-(\d{2})-(\d{4})", re.I)


@dataclass
class LoadedMue:
    """What one MUE table contributes."""

    setting: str
    file: str
    effective: str | None  # ISO date from CMS's file name, when it says
    limits: list[MueLimit]


def load_mue(path: Path) -> LoadedMue:
    """The MUEs of one CMS table (.csv, .xlsx or tab-delimited .txt). The setting is
    read from the header of the values column; a row that is not an edit is an error
    naming the file and line, so a damaged file never loses edits silently."""
    rows = table_rows(path)
    setting, columns = _header(rows, path)
    limits = [
        _limit(cells, columns, setting, f"{path}, line {number}")
        for number, cells in rows
        if any(cells)
    ]
    if not limits:
        raise SourceFileError(f"{path}: the MUE header is there but no edit rows follow")
    return LoadedMue(setting, path.name, _effective(path), limits)


Columns = tuple[int, int, int]  # where the MUE value, indicator and rationale are


def _header(rows: Iterator[tuple[int, list[str]]], path: Path) -> tuple[str, Columns]:
    """Reads ``rows`` up to the header row: the setting and the columns it names."""
    for number, cells in rows:
        lowered = [cell.lower() for cell in cells]
        if not lowered or "hcpcs" not in lowered[0] or "cpt" not in lowered[0]:
            continue  # the copyright lines before the header
        found = [
            next((i for i, cell in enumerate(lowered) if words in cell), None)
            for words in ("mue values", "adjudication", "rationale")
        ]
        value, indicator, rationale = found
        if value is None or indicator is None or rationale is None:
            raise SourceFileError(
                f"{path}, line {number}: the MUE header lacks a 'MUE Values', "
                "'MUE Adjudication Indicator' or 'MUE Rationale' column"
            )
        return _setting(lowered[value], path), (value, indicator, rationale)
    raise SourceFileError(
        f"{path}: not a CMS MUE table: no header row starting 'HCPCS/CPT Code' "
        "(expected CMS's MCR_MUE_… .csv, .xlsx or .txt file)"
    )


def _limit(cells: list[str], columns: Columns, setting: str, where: str) -> MueLimit:
    value_at, indicator_at, rationale_at = columns
    if len(cells) <= indicator_at:
        raise SourceFileError(f"{where}: expected code, MUE value and adjudication indicator")
    code = cells[0].upper()
    if not _CODE.fullmatch(code):
        raise SourceFileError(f"{where}: {code!r} is not a CPT or HCPCS code")
    value = cells[value_at]
    if not value.isdigit():
        raise SourceFileError(f"{where}: MUE value {value!r} is not a whole number of units")
    indicator = cells[indicator_at][:1]
    if indicator not in ADJUDICATION:
        raise SourceFileError(
            f"{where}: adjudication indicator {cells[indicator_at]!r} does not start with "
            "1 (line edit), 2 (date of service, policy) or 3 (date of service, clinical)"
        )
    rationale = cells[rationale_at] if len(cells) > rationale_at else ""
    return MueLimit(code, setting, int(value), indicator, rationale)


def _setting(header: str, path: Path) -> str:
    for words, setting in _SETTINGS:
        if words in header:
            return setting
    raise SourceFileError(
        f"{path}: the MUE values column {header!r} names no setting "
        "(Practitioner, Outpatient Hospital or DME Supplier Services)"
    )


def _effective(path: Path) -> str | None:
    match = _EFFECTIVE.search(path.name)
    return f"{match[3]}-{match[1]}-{match[2]}" if match else None
